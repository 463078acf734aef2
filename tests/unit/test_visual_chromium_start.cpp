// start_chromium's failures, with stand-in programs instead of a browser: a missing program, one
// that dies at once, one that never answers on its pipe. Nothing is left running.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include <tma/visual/chromium.hpp>

#include "support/proc_scan.hpp"
#include "support/temp_dir.hpp"

using namespace tma::visual;
using namespace std::chrono_literals;

namespace {

std::string script(const tma::test::TempDir& dir, const std::string& name, const std::string& body) {
  auto path = dir.write(name, "#!/bin/sh\n" + body + "\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

} // namespace

TEST_CASE("visual: start_chromium names a missing browser") {
  tma::test::TempDir dir;
  ChromiumOptions options;
  options.program = "tma-no-such-browser";
  options.temp_root = dir.path();
  auto browser = start_chromium(options);
  REQUIRE_FALSE(browser);
  CHECK(browser.error().message.find("tma-no-such-browser") != std::string::npos);
  CHECK(browser.error().message.find("chromium package") != std::string::npos);
  CHECK(std::filesystem::is_empty(dir.path())); // the profile went too
}

TEST_CASE("visual: start_chromium reports a browser that exits at once with its stderr") {
  tma::test::TempDir dir;
  ChromiumOptions options;
  options.program = script(dir, "dies", "echo 'cannot open display' >&2; exit 3");
  options.temp_root = dir.path() / "profiles";
  std::filesystem::create_directory(options.temp_root);
  auto browser = start_chromium(options);
  REQUIRE_FALSE(browser);
  CHECK(browser.error().message.find("starting the browser") != std::string::npos);
  CHECK(browser.error().message.find("exit code 3") != std::string::npos);
  CHECK(browser.error().message.find("cannot open display") != std::string::npos);
  CHECK(std::filesystem::is_empty(options.temp_root));
}

TEST_CASE("visual: start_chromium gives up on a browser that never answers and stops it") {
  tma::test::TempDir dir;
  ChromiumOptions options;
  // Reads its pipe forever and never answers; the argument marks its process.
  options.program = script(dir, "silent", "cat <&3 >/dev/null; sleep 619.5151");
  options.temp_root = dir.path();
  options.start_timeout = 500ms;
  auto browser = start_chromium(options);
  REQUIRE_FALSE(browser);
  CHECK(browser.error().kind == tma::core::ErrorKind::timeout);
  CHECK(browser.error().message.find("did not answer on its DevTools pipe within 500 ms") != std::string::npos);
  CHECK(tma::test::wait_no_process_with(options.program, 5s) == 0);
}
