// The checks a backup streamed to restic makes on the way (StreamingCheck, over PipeFeed): the
// same verdicts as verify_artifact on a file, from the real gzip and tar, with bounded memory.
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include <tma/backup/pipe_feed.hpp>
#include <tma/backup/repository_lock.hpp>
#include <tma/backup/verify.hpp>
#include <tma/transport/process.hpp>

#include "support/run_program.hpp"

using tma::backup::ArtifactKind;
using tma::backup::PipeFeed;
using tma::backup::StreamingCheck;

namespace {

/// `text` through a real program (gzip, tar): its stdout.
std::string through(const std::vector<std::string>& argv, const std::string& text) {
  tma::test::ProgramOptions options;
  options.stdin_text = text;
  auto out = tma::test::run_program(argv, options);
  REQUIRE(out.exit_code == 0);
  return out.out;
}

tma::core::Result<void> check(ArtifactKind kind, const std::string& compression, const std::string& bytes,
                              std::size_t chunk = 1000) {
  auto checker = StreamingCheck::start(kind, compression, "artifact");
  REQUIRE(checker);
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    if (!(*checker)->push(std::string_view(bytes).substr(pos, chunk))) break; // the tool stopped reading
  }
  return (*checker)->finish();
}

} // namespace

TEST_CASE("PipeFeed hands every byte to its consumer, in order", "[backup][stream]") {
  std::string received;
  auto feed = PipeFeed::start([&received](const PipeFeed::Input& input) {
    char buffer[4096];
    while (std::size_t n = input.source(buffer, sizeof buffer)) received.append(buffer, n);
  });
  REQUIRE(feed);
  std::string sent;
  for (int i = 0; i < 2000; ++i) {
    std::string chunk = std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), 'x') + "\n";
    REQUIRE((*feed)->push(chunk));
    sent += chunk;
  }
  (*feed)->finish();
  CHECK(received == sent);
}

TEST_CASE("PipeFeed: a consumer that stops early makes push fail instead of blocking", "[backup][stream]") {
  auto feed = PipeFeed::start([](const PipeFeed::Input& input) {
    char buffer[10];
    (void)input.source(buffer, sizeof buffer); // reads one chunk, then gives up
  });
  REQUIRE(feed);
  std::string big(1 << 20, 'a');
  bool refused = false;
  for (int i = 0; i < 8 && !refused; ++i) refused = !(*feed)->push(big); // more than any pipe holds
  CHECK(refused);
}

// How restic and the check's tools take the stream: they read the feed's pipe themselves.
TEST_CASE("PipeFeed: a process reading the pipe by its descriptor gets every byte", "[backup][stream]") {
  std::string counted;
  tma::core::Result<tma::transport::ProcessResult> ran = tl::unexpected(tma::core::Error{tma::core::ErrorKind::internal, "not run"});
  auto feed = PipeFeed::start([&](const PipeFeed::Input& input) {
    tma::transport::ProcessOptions options;
    options.stdin_fd = input.fd;
    options.on_stdout = [&counted](std::string_view chunk) {
      counted.append(chunk);
      return true;
    };
    ran = tma::transport::run_process({"wc", "-c"}, options);
  });
  REQUIRE(feed);
  std::string chunk(300000, 'z');
  for (int i = 0; i < 20; ++i) REQUIRE((*feed)->push(chunk));
  (*feed)->finish();
  REQUIRE(ran);
  CHECK(ran->ok());
  CHECK(counted == "6000000\n");
}

TEST_CASE("PipeFeed: a process that exits early makes push fail instead of blocking", "[backup][stream]") {
  auto feed = PipeFeed::start([](const PipeFeed::Input& input) {
    tma::transport::ProcessOptions options;
    options.stdin_fd = input.fd;
    (void)tma::transport::run_process({"head", "-c", "10"}, options);
  });
  REQUIRE(feed);
  std::string big(1 << 20, 'a');
  bool refused = false;
  for (int i = 0; i < 16 && !refused; ++i) refused = !(*feed)->push(big); // more than any pipe holds
  CHECK(refused);
}

TEST_CASE("StreamingCheck gives verify_artifact's verdicts on a stream", "[backup][stream]") {
  const std::string dump = "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-12-03\n";
  const std::string truncated = "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n";

  SECTION("a plain dump: its trailer") {
    CHECK(check(ArtifactKind::database, "none", dump));
    auto bad = check(ArtifactKind::database, "none", truncated);
    REQUIRE(!bad);
    CHECK(bad.error().message.find("Dump completed") != std::string::npos);
  }
  SECTION("a gzip dump: decompressed by the real gzip, then its trailer") {
    CHECK(check(ArtifactKind::database, "gzip", through({"gzip", "-c"}, dump)));
    auto cut = through({"gzip", "-c"}, dump + std::string(100000, 'x'));
    cut.resize(cut.size() / 2);
    auto bad = check(ArtifactKind::database, "gzip", cut);
    REQUIRE(!bad);
    CHECK(bad.error().message.find("decompression") != std::string::npos);
    auto no_trailer = check(ArtifactKind::database, "gzip", through({"gzip", "-c"}, truncated));
    REQUIRE(!no_trailer);
    CHECK(no_trailer.error().message.find("Dump completed") != std::string::npos);
  }
  SECTION("a tar archive: listed by the real tar") {
    auto tar = through({"sh", "-c", "d=$(mktemp -d) && echo hi > \"$d/a\" && tar -cf - -C \"$d\" a; rm -r \"$d\""}, "");
    CHECK(check(ArtifactKind::files, "none", tar, 100));
    auto gz = through({"gzip", "-c"}, tar);
    CHECK(check(ArtifactKind::files, "gzip", gz));
    auto bad = check(ArtifactKind::files, "none", std::string(20000, 'z'));
    REQUIRE(!bad);
    CHECK(bad.error().message.find("tar listing") != std::string::npos);
  }
  SECTION("anything empty is refused; other content is taken as it is") {
    auto empty = check(ArtifactKind::other, "none", "");
    REQUIRE(!empty);
    CHECK(empty.error().message == "artifact: empty");
    CHECK(check(ArtifactKind::other, "none", "notes"));
  }
  SECTION("a large gzip stream: memory stays the pipe's, the verdict the same") {
    std::string big;
    for (int i = 0; i < 200000; ++i) big += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
    big += "-- Dump completed\n";
    CHECK(check(ArtifactKind::database, "gzip", through({"gzip", "-c"}, big), 1 << 16));
  }
}

TEST_CASE("RepositoryLock: readers share and never wait for a waiting writer", "[backup][restic]") {
  tma::backup::RepositoryLock lock;
  lock.lock_shared();
  CHECK(lock.try_lock_shared()); // two readers at once
  CHECK_FALSE(lock.try_lock());  // no writer while a reader holds it
  bool wrote = false;
  std::thread writer([&] {
    lock.lock(); // waits for both readers
    wrote = true;
    lock.unlock();
  });
  // However far the writer got, a reader still gets in: a backup holding its manifest's restic can
  // start the restic of its next artifact while another site's forget waits.
  CHECK(lock.try_lock_shared());
  lock.unlock_shared();
  lock.unlock_shared();
  lock.unlock_shared();
  writer.join();
  CHECK(wrote);
  CHECK(lock.try_lock());
  CHECK_FALSE(lock.try_lock_shared()); // no reader while the writer holds it
  lock.unlock();
  CHECK(&tma::backup::repository_lock("/srv/repo") == &tma::backup::repository_lock("/srv/repo"));
  CHECK(&tma::backup::repository_lock("/srv/repo") != &tma::backup::repository_lock("/srv/other"));
  CHECK(tma::backup::is_lock_refusal("unable to create lock in backend: repository is already locked exclusively by PID 7"));
  CHECK_FALSE(tma::backup::is_lock_refusal("Fatal: wrong password or no key found"));
}
