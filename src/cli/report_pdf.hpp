#pragma once
// `tma report --format pdf`: the HTML report printed by Debian's headless Chromium, the same
// document a browser shows, so the PDF and the HTML never differ in content.
#include <string>

namespace tma::cli {

/// Throws ConfigError naming the package when no `chromium` (or `chromium-browser`) is in PATH.
void require_pdf_printer();

/// Print `html` to the PDF file `target` (written whole or not at all). Throws TmaError (bit 2)
/// with Chromium's own words when printing fails.
void print_html_to_pdf(const std::string& html, const std::string& target);

} // namespace tma::cli
