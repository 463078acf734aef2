#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <string>

#include <tma/transport/child_process.hpp>

#include "support/proc_scan.hpp"

using namespace tma::transport;
using namespace std::chrono_literals;

namespace {

// Read from `fd` until EOF (or 10 s without data: a failing test must not hang).
std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    pollfd p{fd, POLLOUT, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    REQUIRE(n > 0);
    done += static_cast<std::size_t>(n);
  }
}

} // namespace

TEST_CASE("transport::ChildProcess maps extra pipes onto the child's fds 3 and 4") {
  // As Chromium's --remote-debugging-pipe: commands in on fd 3, answers out on fd 4.
  ChildOptions options;
  options.extra_pipes = {{3, PipeDirection::to_child}, {4, PipeDirection::from_child}};
  auto child = ChildProcess::start({"sh", "-c", "tr a-z A-Z <&3 >&4; echo done >&2"}, options);
  REQUIRE(child);
  write_all(child->pipe_fd(0), "hello\n");
  child->close_pipe(0);
  CHECK(read_all(child->pipe_fd(1)) == "HELLO\n");
  child->stop(10s);
  CHECK(child->ending() == "exit code 0");
  CHECK(child->stderr_tail() == "done\n");
}

TEST_CASE("transport::ChildProcess maps pipes in any order and refuses fds 0 to 2") {
  ChildOptions options;
  options.extra_pipes = {{4, PipeDirection::from_child}, {3, PipeDirection::to_child}, {7, PipeDirection::from_child}};
  auto child = ChildProcess::start({"sh", "-c", "read line <&3; echo \"$line\" >&4; echo seven >&7"}, options);
  REQUIRE(child);
  write_all(child->pipe_fd(1), "ping\n");
  CHECK(read_all(child->pipe_fd(0)) == "ping\n");
  CHECK(read_all(child->pipe_fd(2)) == "seven\n");

  ChildOptions bad;
  bad.extra_pipes = {{2, PipeDirection::to_child}};
  auto refused = ChildProcess::start({"true"}, bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("fd 2") != std::string::npos);
}

TEST_CASE("transport::ChildProcess says why a program cannot start") {
  auto child = ChildProcess::start({"tma-no-such-program-xyz"}, {});
  REQUIRE_FALSE(child);
  CHECK(child.error().message.find("tma-no-such-program-xyz") != std::string::npos);
}

TEST_CASE("transport::ChildProcess stops its whole process group when destroyed") {
  {
    // `trap ''` makes the shell and its children ignore SIGTERM: only the SIGKILL after the grace
    // stops them. The first sleep outlives the shell unless the whole group is killed.
    ChildOptions options;
    options.kill_grace = 200ms;
    auto child = ChildProcess::start({"sh", "-c", "trap '' TERM; sleep 617.4242 & sleep 618.4242"}, options);
    REQUIRE(child);
    // The shell's own command line names both sleeps: two processes once the first sleep runs.
    auto until = std::chrono::steady_clock::now() + 5s;
    while (tma::test::count_processes_with("617.4242") < 2 && std::chrono::steady_clock::now() < until) ::usleep(10000);
    CHECK(tma::test::count_processes_with("617.4242") == 2);
    CHECK(child->running());
  }
  CHECK(tma::test::wait_no_process_with("617.4242", 5s) == 0);
  CHECK(tma::test::wait_no_process_with("618.4242", 5s) == 0);
}

TEST_CASE("transport::ChildProcess reports how the child ended") {
  auto exited = ChildProcess::start({"sh", "-c", "exit 3"}, {});
  REQUIRE(exited);
  CHECK(exited->wait_exit(10s));
  CHECK_FALSE(exited->running());
  exited->stop(10s);
  CHECK(exited->ending() == "exit code 3");

  auto killed = ChildProcess::start({"sleep", "300"}, {});
  REQUIRE(killed);
  CHECK(killed->ending() == "running");
  killed->stop(0ms);
  CHECK(killed->ending().rfind("killed by signal 15", 0) == 0);
}
