#include <catch2/catch.hpp>

#include <signal.h>

#include <tma/core/signals.hpp>
#include <tma/transport/process.hpp>

#include "support/proc_scan.hpp"
#include "support/temp_dir.hpp"

using namespace tma::transport;
using namespace std::chrono_literals;

TEST_CASE("transport::run_process reports exit code and signal") {
  SECTION("exit code") {
    auto r = run_process({"sh", "-c", "exit 3"}, {});
    REQUIRE(r);
    CHECK(r->ending == Ending::exited);
    CHECK(r->exit_code == 3);
    CHECK(r->describe() == "exit code 3");
  }
  SECTION("signal") {
    auto r = run_process({"sh", "-c", "kill -9 $$"}, {});
    REQUIRE(r);
    CHECK(r->ending == Ending::signalled);
    CHECK(r->signal == SIGKILL);
    CHECK_FALSE(r->ok());
  }
  SECTION("missing program") {
    auto r = run_process({"tma-no-such-program-xyz"}, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("tma-no-such-program-xyz") != std::string::npos);
  }
  SECTION("missing cwd") {
    ProcessOptions options;
    options.cwd = "/nonexistent/dir";
    auto r = run_process({"true"}, options);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("/nonexistent/dir") != std::string::npos);
  }
}

TEST_CASE("transport::run_process streams stdout and keeps the stderr tail") {
  std::string out;
  ProcessOptions options;
  options.on_stdout = string_sink(out, 1 << 20);
  options.stderr_keep = 10;
  auto r = run_process({"sh", "-c", "printf hello; printf 0123456789abcdef >&2"}, options);
  REQUIRE(r);
  CHECK(out == "hello");
  CHECK(r->stderr_tail == "6789abcdef");
  CHECK(r->stderr_bytes == 16);
}

TEST_CASE("transport::run_process feeds stdin from a source") {
  std::string input(1 << 20, 'z');
  std::size_t pos = 0;
  ProcessOptions options;
  options.stdin_source = [&](char* buffer, std::size_t size) {
    auto n = std::min(size, input.size() - pos);
    std::copy_n(input.data() + pos, n, buffer);
    pos += n;
    return n;
  };
  std::string out;
  options.on_stdout = string_sink(out, 100);
  auto r = run_process({"wc", "-c"}, options);
  REQUIRE(r);
  CHECK(r->ok());
  CHECK(out == "1048576\n");
}

TEST_CASE("transport::run_process kills the whole process group at the timeout") {
  ProcessOptions options;
  options.timeout = 300ms;
  options.kill_grace = 200ms;
  auto r = run_process({"sh", "-c", "sleep 600.31337 & trap '' TERM; sleep 600.31338; wait"}, options);
  REQUIRE(r);
  CHECK(r->ending == Ending::timed_out);
  CHECK(tma::test::wait_no_process_with("600.3133", 5000ms) == 0);
}

TEST_CASE("transport::run_process stops when the sink refuses more") {
  std::string out;
  ProcessOptions options;
  options.on_stdout = string_sink(out, 1000);
  auto r = run_process({"sh", "-c", "yes; : 600.4711"}, options);
  REQUIRE(r);
  CHECK(r->ending == Ending::sink_stopped);
  CHECK(out.size() == 1000);
}

TEST_CASE("transport::run_process stops on Ctrl-C") {
  tma::core::set_interrupted_for_testing(true);
  auto r = run_process({"sleep", "600.2718"}, {});
  tma::core::set_interrupted_for_testing(false);
  REQUIRE(r);
  CHECK(r->ending == Ending::interrupted);
  CHECK(tma::test::wait_no_process_with("600.2718", 5000ms) == 0);
}

TEST_CASE("transport::capture collects stdout and reports failures") {
  auto ok = capture({"printf", "secret"});
  REQUIRE(ok);
  CHECK(ok->out == "secret");
  auto bad = capture({"sh", "-c", "echo nope >&2; exit 2"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "sh: exit code 2: nope");
  auto big = capture({"yes"}, 5000ms, 10);
  REQUIRE_FALSE(big);
  CHECK(big.error().message == "yes: output larger than 10 bytes");
  auto slow = capture({"sleep", "600.1618"}, 200ms);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().kind == tma::core::ErrorKind::timeout);
}

TEST_CASE("transport::TailBuffer keeps the end") {
  TailBuffer tail(4);
  tail.append("ab");
  tail.append("cdef");
  CHECK(tail.str() == "cdef");
  tail.append("0123456789");
  CHECK(tail.str() == "6789");
}
