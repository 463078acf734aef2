#pragma once
// CSV as RFC 4180 quotes it: the one writer behind every `--format csv` (docs/cli.md, "Output").

#include <string>
#include <string_view>
#include <vector>

namespace tma::core {

/// `field` as is, or double-quoted with each `"` doubled when it holds `,`, `"`, CR or LF (or
/// starts or ends with a space, which some readers trim). A field a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, tab or CR: OWASP "CSV injection") is first prefixed
/// with `'`, which spreadsheets show as text; a lone `-` (tma's "none") is no formula and stays.
std::string csv_field(std::string_view field);

/// The fields joined by `,`, ended by `\n` (LF: the terminal-safe output layer escapes CR; every
/// common CSV reader takes LF records).
std::string csv_record(const std::vector<std::string>& fields);

} // namespace tma::core
