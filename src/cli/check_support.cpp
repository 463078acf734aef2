// Helpers shared by `tma check` and `tma health`.
#include "cli/check_support.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <tma/core/error.hpp>

namespace tma::cli {

void write_report_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    // 74 = EX_IOERR: the run itself went fine, the report could not be saved.
    throw core::TmaError(74, "cannot write " + path + ": " + std::strerror(errno));
  }
}

std::filesystem::path cache_directory() {
  if (const char* dir = std::getenv("TMA_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "tma";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".cache" / "tma";
}

} // namespace tma::cli
