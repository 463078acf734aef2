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

namespace {

// A stand-in browser on the DevTools pipe: answers Browser.getVersion, and every other command with
// `answer` (a Python expression of the command `m`, the bytes sent back before the NUL). Every
// command's method is appended to methods.log beside it.
std::string standin(const tma::test::TempDir& dir, const std::string& name, const std::string& answer) {
  auto path = dir.write(name, "#!/usr/bin/python3\n"
                              "import json, os, sys\n"
                              "buf = b''\n"
                              "while True:\n"
                              "    while b'\\0' not in buf:\n"
                              "        chunk = os.read(3, 65536)\n"
                              "        if not chunk:\n"
                              "            sys.exit(0)\n"
                              "        buf += chunk\n"
                              "    raw, _, buf = buf.partition(b'\\0')\n"
                              "    m = json.loads(raw)\n"
                              "    with open(os.path.join(os.path.dirname(sys.argv[0]), 'methods.log'), 'a') as log:\n"
                              "        log.write(m['method'] + '\\n')\n"
                              "    if m['method'] == 'Browser.getVersion':\n"
                              "        out = json.dumps({'id': m['id'], 'result': {'product': 'Stand-in/1'}}).encode()\n"
                              "    else:\n"
                              "        out = " + answer + "\n"
                              "    os.write(4, out + b'\\0')\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

CaptureRequest some_page() {
  CaptureRequest request;
  request.url = "http://127.0.0.1:9/";
  return request;
}

} // namespace

TEST_CASE("visual: an error reply fails the capture and the browser stays usable") {
  tma::test::TempDir dir;
  ChromiumOptions options;
  options.program = standin(dir, "refuses", "json.dumps({'id': m['id'], 'error': {'code': -32000, 'message': 'Not today'}}).encode()");
  options.temp_root = dir.path() / "profiles";
  std::filesystem::create_directory(options.temp_root);
  auto browser = start_chromium(options);
  REQUIRE(browser);
  for (int i = 0; i < 2; ++i) {
    auto capture = (*browser)->capture(some_page());
    REQUIRE_FALSE(capture);
    CHECK(capture.error().kind == tma::core::ErrorKind::remote);
    CHECK(capture.error().message == "http://127.0.0.1:9/: Target.createBrowserContext failed: Not today [code -32000]");
  }
  CHECK(tma::test::read_file(dir.file("methods.log")) ==
        "Browser.getVersion\nTarget.createBrowserContext\nTarget.createBrowserContext\n");
}

TEST_CASE("visual: a browser that sends garbage is not used again") {
  tma::test::TempDir dir;
  ChromiumOptions options;
  options.program = standin(dir, "garbles", "b'not json'");
  options.temp_root = dir.path() / "profiles";
  std::filesystem::create_directory(options.temp_root);
  {
    auto browser = start_chromium(options);
    REQUIRE(browser);
    auto first = (*browser)->capture(some_page());
    REQUIRE_FALSE(first);
    CHECK(first.error().message.find("a message that is not a JSON object") != std::string::npos);
    auto second = (*browser)->capture(some_page());
    REQUIRE_FALSE(second);
    CHECK(second.error().message == first.error().message);
    // Only requests that are http(s) reach the browser at all.
    auto file = some_page();
    file.url = "file:///etc/passwd";
    auto refused = (*browser)->capture(file);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == tma::core::ErrorKind::config);
    // After the garbage, nothing more was sent to it.
    CHECK(tma::test::read_file(dir.file("methods.log")) == "Browser.getVersion\nTarget.createBrowserContext\n");
  }
  CHECK(tma::test::wait_no_process_with(options.program, 5s) == 0);
  CHECK(std::filesystem::is_empty(options.temp_root));
}
