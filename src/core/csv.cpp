#include <tma/core/csv.hpp>

namespace tma::core {
namespace {

// Server-supplied text (a plugin name, an error message) reaches these cells: `=HYPERLINK(...)` or
// `@SUM(...)` would run when the agency opens the file in a spreadsheet.
bool starts_like_formula(std::string_view field) {
  if (field.empty() || field == "-") return false;
  return std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
}

} // namespace

std::string csv_field(std::string_view field) {
  std::string text = starts_like_formula(field) ? "'" + std::string(field) : std::string(field);
  bool quote = text.find_first_of(",\"\r\n") != std::string::npos || (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  out += '\n';
  return out;
}

} // namespace tma::core
