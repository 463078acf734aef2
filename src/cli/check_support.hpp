#pragma once
// Helpers shared by `tma check` and `tma health`.
#include <filesystem>
#include <string>
#include <string_view>

namespace tma::cli {

/// Write `text` to `path` (a report file such as --junit); throws TmaError (exit 74) on failure.
void write_report_file(const std::string& path, const std::string& text);

/// Where WordPress.org answers and the vulnerability feed are cached: $TMA_CACHE_DIR, else
/// $XDG_CACHE_HOME/tma, else ~/.cache/tma.
std::filesystem::path cache_directory();

} // namespace tma::cli
