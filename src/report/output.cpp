#include <tma/report/output.hpp>

#include <tma/core/clock.hpp>

#include <locale.h>
#include <unistd.h>
#include <wchar.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cwchar>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <tma/core/csv.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>
#include <tma/core/utf8.hpp>
#include <tma/core/version.hpp>

namespace tma::report {
namespace {

// Terminal columns of `text`, by wcwidth(3) of each character (wcswidth(3) gives up with -1 on the
// first one it does not know): a CJK character takes 2 columns, a combining accent 0. Decoded under
// C.UTF-8 whatever the user's locale, since tma writes UTF-8; an unknown or invalid one counts 1.
std::size_t display_width(std::string_view text) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  if (utf8 == locale_t{}) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }
  locale_t previous = uselocale(utf8);
  std::mbstate_t state{};
  std::size_t width = 0;
  while (!text.empty()) {
    wchar_t wide = 0;
    auto used = std::mbrtowc(&wide, text.data(), text.size(), &state);
    if (used == static_cast<std::size_t>(-1) || used == static_cast<std::size_t>(-2)) {
      state = std::mbstate_t{};
      used = 1;
      ++width;
    } else {
      used = std::max<std::size_t>(used, 1); // a NUL byte
      int columns = wcwidth(wide);
      width += columns < 0 ? 1 : static_cast<std::size_t>(columns);
    }
    text.remove_prefix(used);
  }
  uselocale(previous);
  return width;
}

std::string_view ansi(Style style) {
  switch (style) {
  case Style::good: return "\033[32m";
  case Style::warn: return "\033[33m";
  case Style::bad: return "\033[1;31m";
  case Style::dim: return "\033[2m";
  case Style::bold: return "\033[1m";
  case Style::plain: return "";
  }
  return "";
}

// The colour sequences tma writes itself (tables, check and health renderers): the only escape
// sequences let through to the terminal. None of them moves the cursor, clears or retitles.
constexpr std::string_view k_palette[] = {"\033[0m", "\033[1m", "\033[2m", "\033[32m", "\033[33m", "\033[1;31m"};

// A copy of `value` with every string (and key) redacted before it is encoded: once JSON-escaped,
// a secret holding `"` or `\` no longer matches its registered form.
nlohmann::json redacted(const nlohmann::json& value) {
  if (value.is_string()) return core::redact(value.get_ref<const std::string&>());
  if (value.is_array()) {
    auto out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(redacted(item));
    return out;
  }
  if (value.is_object()) {
    auto out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) out[core::redact(key)] = redacted(item);
    return out;
  }
  return value;
}

void write_all(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

} // namespace

std::string field_name(std::string_view header) {
  if (auto open = header.find(" ("); open != std::string_view::npos && header.back() == ')') header = header.substr(0, open);
  std::string name;
  for (char c : core::trim(header)) name += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

Table::Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}

std::vector<std::string> Table::fields() const {
  std::vector<std::string> names;
  for (const auto& header : m_headers) names.push_back(field_name(header));
  return names;
}

core::Result<Table> Table::select(const std::vector<std::string>& fields) const {
  auto available = this->fields();
  auto listed = [&] { return "; the fields are " + core::join(available, ", "); };
  if (fields.empty()) return core::fail(core::ErrorKind::usage, "--fields: no field given" + listed());
  std::vector<std::size_t> columns;
  for (const auto& name : fields) {
    if (name.empty()) return core::fail(core::ErrorKind::usage, "--fields: an empty field name" + listed());
    auto found = std::find(available.begin(), available.end(), name);
    if (found == available.end()) {
      auto hint = core::suggest(name, available);
      return core::fail(core::ErrorKind::usage,
                        fmt::format("--fields: unknown field '{}'{}{}", name,
                                    hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string(), listed()));
    }
    auto column = static_cast<std::size_t>(found - available.begin());
    if (std::find(columns.begin(), columns.end(), column) != columns.end()) {
      return core::fail(core::ErrorKind::usage, fmt::format("--fields: '{}' is given twice", name));
    }
    columns.push_back(column);
  }
  std::vector<std::string> headers;
  for (auto column : columns) headers.push_back(m_headers[column]);
  Table out(std::move(headers));
  for (const auto& row : m_rows) {
    std::vector<Cell> cells;
    for (auto column : columns) cells.push_back(row[column]);
    out.m_rows.push_back(std::move(cells)); // already made printable by add_row
  }
  return out;
}

void Table::add_row(std::vector<Cell> row) {
  row.resize(m_headers.size(), Cell(""));
  // A cell is one line: a newline in a value (a plugin name from a server) must not forge a row.
  for (auto& cell : row) cell.text = core::printable(core::redact(cell.text), core::Newlines::escape);
  m_rows.push_back(std::move(row));
}

std::string Table::render(bool colour) const {
  std::vector<std::size_t> widths(m_headers.size());
  for (std::size_t i = 0; i < m_headers.size(); ++i) widths[i] = display_width(m_headers[i]);
  for (const auto& row : m_rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i].text));
  }
  std::string out;
  auto emit = [&](const std::vector<Cell>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      bool last = i + 1 == row.size();
      auto style = colour ? ansi(row[i].style) : "";
      line += style;
      line += row[i].text;
      if (!style.empty()) line += "\033[0m";
      if (!last) line.append(widths[i] - display_width(row[i].text) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  std::vector<Cell> header;
  for (const auto& h : m_headers) header.emplace_back(h, Style::bold);
  emit(header);
  for (const auto& row : m_rows) emit(row);
  return out;
}

std::string Table::csv() const {
  std::string out = core::csv_record(m_headers);
  for (const auto& row : m_rows) {
    std::vector<std::string> fields;
    for (const auto& cell : row) fields.push_back(cell.text);
    out += core::csv_record(fields);
  }
  return out;
}

bool stdout_colour(Colour setting) {
  if (setting == Colour::never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return isatty(STDOUT_FILENO) == 1;
}

bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

std::string utc_now_rfc3339() {
  auto now = core::wall_now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

nlohmann::json envelope(int schema, nlohmann::json payload) {
  nlohmann::json doc = {
      {"schema", schema},
      {"tma_version", std::string(core::version())},
      {"generated_at", utc_now_rfc3339()},
  };
  for (auto& [key, value] : payload.items()) doc[key] = std::move(value);
  return doc;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  for (std::size_t pos = text.find('\033'); pos != std::string_view::npos; pos = text.find('\033', pos)) {
    auto rest = text.substr(pos);
    auto colour = std::find_if(std::begin(k_palette), std::end(k_palette),
                               [&](std::string_view seq) { return rest.substr(0, seq.size()) == seq; });
    if (colour == std::end(k_palette)) {
      ++pos;
      continue;
    }
    out += core::printable(text.substr(start, pos - start));
    out += *colour;
    pos += colour->size();
    start = pos;
  }
  out += core::printable(text.substr(start));
  return out;
}

std::string json_text(const nlohmann::json& document) {
  // Invalid UTF-8 from a server becomes U+FFFD rather than an exception (exit 70) mid-output.
  return redacted(document).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void print(std::string_view text) { write_all(stdout, terminal_safe(core::redact(text))); }

void eprint(std::string_view text) { write_all(stderr, terminal_safe(core::redact(text))); }

void eprint_progress(std::string_view line) {
  // `\r` then erase-line: the progress line redraws itself in place; the text itself stays inert.
  write_all(stderr, "\r\033[K" + core::printable(core::redact(line), core::Newlines::escape));
}

void print_json(const nlohmann::json& document) {
  // Still through print(): the JSON is now valid UTF-8 without raw C0 controls, and the rewrite of
  // C1 and bidirectional characters (`\u202e`) is itself a JSON escape of the same character.
  print(json_text(document));
}

} // namespace tma::report
