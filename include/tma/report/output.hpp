#pragma once
// Everything tma prints goes through here: redaction, colour only on a TTY without NO_COLOR,
// the JSON envelope shared by every `--format json`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>

namespace tma::report {

enum class Format { table, json, markdown, csv };

enum class Colour { automatic, never };

/// Styles a table cell may carry; rendered as ANSI colour only when colour is on.
enum class Style { plain, good, warn, bad, dim, bold };

struct Cell {
  std::string text;
  Style style = Style::plain;
  Cell(std::string t, Style s = Style::plain) : text(std::move(t)), style(s) {}
  Cell(const char* t, Style s = Style::plain) : text(t), style(s) {}
};

/// The name `--fields` knows a column by: its header in lower case, spaces as `_`, a note in
/// parentheses dropped (`OPENED (UTC)` → `opened`, `FIXED IN` → `fixed_in`).
std::string field_name(std::string_view header);

/// A plain-text table: a header row and aligned columns.
class Table {
public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<Cell> row);
  std::size_t rows() const { return m_rows.size(); }
  /// field_name() of each column, in order.
  std::vector<std::string> fields() const;
  /// This table with only the columns `fields` names, in that order (`--fields`). An unknown,
  /// empty or repeated name is a usage error that lists the table's fields and suggests the
  /// closest one (core::suggest).
  core::Result<Table> select(const std::vector<std::string>& fields) const;
  /// Render with two spaces between columns; `colour` adds ANSI styles.
  std::string render(bool colour) const;
  /// The header and rows as CSV (core::csv_record), cells as `render` shows them, without styles.
  std::string csv() const;

private:
  std::vector<std::string> m_headers;
  std::vector<std::vector<Cell>> m_rows;
};

/// Whether stdout should get colour: a TTY, NO_COLOR unset, not disabled by `--no-color`.
bool stdout_colour(Colour setting);

/// Whether stderr is a terminal (progress lines go there only then).
bool stderr_is_tty();

/// `{schema, tma_version, generated_at, ...payload}`: the envelope of every JSON document.
nlohmann::json envelope(int schema, nlohmann::json payload);

/// Current UTC time as RFC 3339 (`2026-11-29T01:02:03Z`).
std::string utc_now_rfc3339();

/// `text` with every control character neutralised (core::printable) but newlines, tabs and tma's
/// own colour sequences: what print() and eprint() write.
std::string terminal_safe(std::string_view text);

/// What print_json() writes: pretty JSON (2-space indent) plus newline, every string redacted before
/// it is encoded (a secret holding `"` or `\` changes once escaped), invalid UTF-8 replaced by U+FFFD.
std::string json_text(const nlohmann::json& document);

/// Write `text` to stdout after redaction, every control character neutralised (core::printable)
/// but newlines, tabs and tma's own colour sequences.
void print(std::string_view text);

/// Write `text` to stderr, like print().
void eprint(std::string_view text);

/// Redraw the one-line progress display on stderr (carriage return, erase line, `line` neutralised).
void eprint_progress(std::string_view line);

/// Pretty JSON (2-space indent) plus newline; strings redacted before encoding, invalid UTF-8 replaced.
void print_json(const nlohmann::json& document);

} // namespace tma::report
