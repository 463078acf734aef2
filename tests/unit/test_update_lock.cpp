// The update lock: holder text, staleness, the local flock and the server-side lock directory (run
// through the local transport with a real /bin/sh).
#include <tma/transport/ssh_transport.hpp>
#include <tma/update/lock.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

#include "support/temp_dir.hpp"

using namespace tma;
using namespace std::chrono_literals;

namespace {

update::LockHolder holder(std::string run, std::int64_t since) {
  return {std::move(run), "Ada <ada@agency.example>", "laptop-1", since};
}

} // namespace

TEST_CASE("lock holder round-trips and describes itself", "[update]") {
  auto h = holder("0123456789abcdef", 1'780'000'000);
  auto back = update::holder_from_text(update::holder_to_text(h));
  REQUIRE(back);
  CHECK(back->run_id == h.run_id);
  CHECK(back->since == h.since);
  CHECK(update::describe(h) == "Ada <ada@agency.example> on laptop-1 (run 0123456789abcdef, since 2026-05-28T20:26:40Z)");
  CHECK_FALSE(update::holder_from_text("not json"));
  CHECK_FALSE(update::holder_from_text(R"({"run_id":"x"})"));
  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(h.since));
  CHECK_FALSE(update::is_stale(h, at + 3600s, 7200s));
  CHECK(update::is_stale(h, at + 7201s, 7200s));
}

TEST_CASE("local lock: a second holder is refused and named, released on destruction", "[update]") {
  test::TempDir dir;
  auto path = dir.file("acme-www.lock");
  {
    auto first = update::LocalLock::acquire(path, holder("aaaa", 1'780'000'000));
    REQUIRE(first);
    auto second = update::LocalLock::acquire(path, holder("bbbb", 1'780'000'100));
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == core::ErrorKind::locked);
    CHECK(second.error().message.find("run aaaa") != std::string::npos);
  }
  CHECK(update::LocalLock::acquire(path, holder("cccc", 1'780'000'200)));
}

TEST_CASE("remote lock directory: held, stale, broken, released", "[update]") {
  test::TempDir dir;
  inventory::Environment env;
  env.name = "prod";
  env.path = dir.file("site");
  std::filesystem::create_directories(env.path);
  transport::LocalTransport local(env.path);
  auto lock_dir = update::remote_lock_dir(env);
  auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000));
  update::RemoteLock::Options options;
  options.now = t0;
  options.stale_after = 3600s;

  auto first = update::RemoteLock::acquire(local, env, holder("aaaa", 1'780'000'000), options);
  REQUIRE(first);
  CHECK(std::filesystem::exists(lock_dir + "/holder"));

  auto second = update::RemoteLock::acquire(local, env, holder("bbbb", 1'780'000'010), options);
  REQUIRE_FALSE(second);
  CHECK(second.error().kind == core::ErrorKind::locked);
  CHECK(second.error().message.find("is being updated by Ada <ada@agency.example> on laptop-1 (run aaaa") !=
        std::string::npos);
  CHECK(second.error().message.find("stale") == std::string::npos);

  options.now = t0 + 2h;
  auto stale = update::RemoteLock::acquire(local, env, holder("bbbb", 1'780'007'200), options);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().message.find("use --break-lock") != std::string::npos);
  CHECK(std::filesystem::exists(lock_dir)); // reported, not removed

  options.break_stale = true;
  {
    auto broken = update::RemoteLock::acquire(local, env, holder("cccc", 1'780'007'200), options);
    REQUIRE(broken);
    CHECK(test::read_file(lock_dir + "/holder").find("cccc") != std::string::npos);
    // The run whose lock was broken must not remove the new holder's lock when it ends.
    REQUIRE(first->release());
    CHECK(std::filesystem::exists(lock_dir + "/holder"));
  }
  CHECK_FALSE(std::filesystem::exists(lock_dir)); // released by the destructor
}
