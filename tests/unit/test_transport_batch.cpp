// transport/batch: several calls in one session, each call's output and exit code framed apart.
// The script runs for real in a local sh (the same script a server's shell runs).
#include <catch2/catch.hpp>

#include <chrono>

#include <tma/transport/batch.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "support/temp_dir.hpp"

using namespace tma;
using transport::BatchCall;
using transport::Command;
using transport::Outcome;

namespace {

// Counts the sessions a batch opens: every run() is one.
class CountingTransport final : public transport::Transport {
public:
  explicit CountingTransport(std::string path) : m_local(std::move(path)) {}
  transport::CommandResult run(const Command& command) override {
    ++sessions;
    return m_local.run(command);
  }
  std::string describe() const override { return "counting"; }
  std::string host_key() const override { return "local"; }
  int sessions = 0;

private:
  transport::LocalTransport m_local;
};

Command command(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  Command c;
  c.argv = std::move(argv);
  c.timeout = timeout;
  return c;
}

} // namespace

TEST_CASE("batch: one session runs every call and keeps each call's output and exit code apart", "[unit][transport]") {
  test::TempDir dir;
  dir.write("file.txt", "in the site root\n");
  CountingTransport shell(dir.path().string());
  std::string boundary_lookalike = "tma00000000000000000000000000000000 0 0 5 0";
  auto results = transport::run_batched(
      shell,
      {command({"cat", "file.txt"}),                                   // runs in the site root
       command({"printf", "%s\\n%s", boundary_lookalike, "no newline"}), // a frame look-alike inside output
       command({"sh", "-c", "printf 'a\\0b'; echo oops >&2; exit 3"}),  // binary output, stderr, exit 3
       command({"true"}),                                               // prints nothing
       command({"tma-no-such-program"}),                                // missing program: 127
       command({"sh", "-c", "echo 'it'\\''s quoted'"})},
      dir.path().string());
  CHECK(shell.sessions == 1);
  REQUIRE(results.size() == 6);
  CHECK(results[0].ok());
  CHECK(results[0].out == "in the site root\n");
  CHECK(results[1].out == boundary_lookalike + "\nno newline");
  CHECK(results[2].outcome == Outcome::completed);
  CHECK(results[2].exit_code == 3);
  CHECK(results[2].out == std::string("a\0b", 3));
  CHECK(results[2].err == "oops\n");
  CHECK(results[3].ok());
  CHECK(results[3].out.empty());
  CHECK(results[4].exit_code == 127);
  CHECK(results[5].out == "it's quoted\n");
}

TEST_CASE("batch: a hung call is stopped by its own timeout and the others still count", "[unit][transport]") {
  test::TempDir dir;
  CountingTransport shell(dir.path().string());
  auto started = std::chrono::steady_clock::now();
  auto results = transport::run_batched(
      shell, {command({"echo", "before"}), command({"sleep", "60"}, std::chrono::seconds(1)), command({"echo", "after"})},
      dir.path().string());
  REQUIRE(results.size() == 3);
  CHECK(results[0].out == "before\n");
  CHECK(results[1].outcome == Outcome::timed_out);
  CHECK(results[1].message == "timed out after 1 s");
  CHECK(results[1].error("sleep 60")->kind == core::ErrorKind::timeout);
  CHECK(results[2].out == "after\n");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30)); // not the 60 s sleep
}

TEST_CASE("batch: a session that fails gives every call its outcome", "[unit][transport]") {
  test::TempDir dir;
  transport::LocalTransport missing_root(dir.file("no-such-dir"));
  // The calls `cd` into a directory that does not exist: each call fails on its own, none is lost.
  auto results = transport::run_batched(missing_root, {command({"echo", "a"}), command({"echo", "b"})},
                                        dir.file("no-such-dir"));
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    CHECK(r.outcome == Outcome::completed);
    CHECK(r.exit_code != 0);
    CHECK(r.out.empty());
  }
}

TEST_CASE("batch: parse_batch skips login-shell noise and refuses broken frames", "[unit][transport]") {
  std::string b = "tmaabc";
  std::string err = "motd on stderr\n" + b + "\nwarn\n\n" + b + " 0\n\n" + b + " 1\n";
  auto parts = transport::parse_batch("Welcome to the server\n" + b + "\nhi\n\n" + b + " 0 0\nno newline\n" + b + " 1 2\n",
                                      err, b, 2);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].out == "hi\n");
  CHECK((*parts)[0].err == "warn\n");
  CHECK((*parts)[1].out == "no newline");
  CHECK((*parts)[1].exit_code == 2);
  CHECK((*parts)[1].err.empty());
  // Stopped during the second call: the caller reports the missing one.
  auto short_batch = transport::parse_batch(b + "\nhi\n\n" + b + " 0 0\nhalf of it", "", b, 2);
  REQUIRE(short_batch);
  CHECK(short_batch->size() == 1);
  // stderr's beginning lost (the session keeps its tail): what is left still goes to its call.
  auto tail_only = transport::parse_batch(b + "\n\n" + b + " 0 0\n\n" + b + " 1 0\n", "of call 0\n\n" + b + " 0\nerr 1\n\n" + b + " 1\n", b, 2);
  REQUIRE(tail_only);
  CHECK((*tail_only)[1].err == "err 1\n");
  CHECK(transport::parse_batch("nothing framed", "", b, 2)->empty());
  CHECK_FALSE(transport::parse_batch(b + "\nhi\n" + b + " 0 0", "", b, 1));          // trailer cut short
  CHECK_FALSE(transport::parse_batch(b + "\nhi\n\n" + b + " 5 0\n", "", b, 2));    // out of order
  CHECK_FALSE(transport::parse_batch(b + "\nhi\n\n" + b + " 0 x\n", "", b, 1));    // unreadable trailer
  CHECK_FALSE(transport::parse_batch(b + "\nhi\n\n" + b + " 0 0 7\n", "", b, 1));  // not a trailer
}

TEST_CASE("batch: the script quotes every argument and cwd", "[unit][transport]") {
  auto script = transport::batch_script({BatchCall{{"wp", "--path=/srv/it's", "plugin", "list"}, "/srv/it's", std::chrono::seconds(5)}},
                                        "tmaX");
  CHECK(script.find("cd -- '/srv/it'\\''s' && ${to:+$to -k 5 5} 'wp' '--path=/srv/it'\\''s' 'plugin' 'list' </dev/null;") !=
        std::string::npos);
}
