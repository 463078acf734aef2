#include "cli/report_pdf.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/transport/process.hpp>

namespace tma::cli {
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      auto candidate = fs::path(dir.empty() ? "." : dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return "";
}

// A private directory removed on every path out (Chromium's profile and the HTML it prints).
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tma-pdf-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw core::TmaError(core::exit_code::site_failed, "cannot create a temporary directory");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

} // namespace

void require_pdf_printer() {
  if (find_chromium().empty()) {
    throw core::ConfigError("--format pdf prints the HTML report with Chromium: install Debian's chromium package "
                            "(apt install chromium), or use --format html");
  }
}

void print_html_to_pdf(const std::string& html, const std::string& target) {
  auto chromium = find_chromium();
  if (chromium.empty()) require_pdf_printer();
  TempDir dir;
  auto page = dir.path / "report.html";
  {
    std::ofstream out(page, std::ios::binary);
    out << html;
    if (!out) throw core::TmaError(core::exit_code::site_failed, "cannot write " + page.string());
  }
  auto partial = fs::path(target);
  partial += ".partial";
  std::error_code ec;
  if (partial.has_parent_path()) fs::create_directories(partial.parent_path(), ec);
  // The flags keep a headless Chromium from reaching the network on its own (updates, sync,
  // metrics); the report is one self-contained file and needs nothing from outside.
  std::vector<std::string> argv = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-extensions",
                                   "--user-data-dir=" + (dir.path / "profile").string(),
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf=" + fs::absolute(partial).string(),
                                   "file://" + page.string()};
  transport::ProcessOptions options;
  options.timeout = std::chrono::milliseconds(120'000);
  auto result = transport::run_process(argv, options);
  if (!result) throw core::TmaError(core::exit_code::site_failed, "chromium: " + result.error().message);
  std::ifstream check(partial, std::ios::binary);
  char magic[5] = {};
  check.read(magic, 5);
  if (result->ending != transport::Ending::exited || result->exit_code != 0 || std::string(magic, 5) != "%PDF-") {
    fs::remove(partial, ec);
    throw core::TmaError(core::exit_code::site_failed,
                         fmt::format("chromium could not print the report ({}): {}", result->describe(), result->stderr_tail));
  }
  fs::rename(partial, target, ec);
  if (ec) throw core::TmaError(core::exit_code::site_failed, fmt::format("cannot write {}: {}", target, ec.message()));
}

} // namespace tma::cli
