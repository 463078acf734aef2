#include <tma/report/output.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <tma/core/redact.hpp>
#include <tma/core/version.hpp>

namespace tma::report {
namespace {

// Display width, counting UTF-8 code points rather than bytes so accented names align.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
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

void write_all(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

} // namespace

Table::Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}

void Table::add_row(std::vector<Cell> row) {
  row.resize(m_headers.size(), Cell(""));
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

bool stdout_colour(Colour setting) {
  if (setting == Colour::never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return isatty(STDOUT_FILENO) == 1;
}

bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

std::string utc_now_rfc3339() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
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

void print(std::string_view text) { write_all(stdout, core::redact(text)); }

void eprint(std::string_view text) { write_all(stderr, core::redact(text)); }

void print_json(const nlohmann::json& document) {
  auto text = document.dump(2);
  text += '\n';
  print(text);
}

} // namespace tma::report
