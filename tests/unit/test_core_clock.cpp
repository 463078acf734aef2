// The wall clock seam (include/tma/core/clock.hpp): the simulated clock's file format, and that a
// normal build — the one the tests and users run — ignores $TMA_SIMULATED_CLOCK.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include <tma/core/clock.hpp>

using namespace tma;

TEST_CASE("simulated clock: the file holds an RFC 3339 time", "[core][clock]") {
  auto at = core::parse_simulated_clock("2026-12-01T02:00:00Z\n");
  REQUIRE(at);
  CHECK(core::format_rfc3339_utc(*at) == "2026-12-01T02:00:00Z");
  auto offset = core::parse_simulated_clock("  2026-12-01T03:00:00+01:00");
  REQUIRE(offset);
  CHECK(*offset == *at);
  auto bad = core::parse_simulated_clock("yesterday\x1b[31m");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == core::ErrorKind::config);
  CHECK(bad.error().message.find("TMA_SIMULATED_CLOCK") != std::string::npos);
  CHECK(bad.error().message.find('\x1b') == std::string::npos);
}

TEST_CASE("wall clock: a normal build reads the system clock whatever the environment says", "[core][clock]") {
  REQUIRE_FALSE(core::simulated_clock_supported());
  ::setenv("TMA_SIMULATED_CLOCK", "/nonexistent/clock", 1);
  CHECK_NOTHROW(core::init_wall_clock());
  ::unsetenv("TMA_SIMULATED_CLOCK");
  auto system = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto wall = core::wall_now();
  CHECK(wall >= system);
  CHECK(wall - system <= std::chrono::seconds(5));
}

TEST_CASE("simulated pause before push: whole milliseconds up to ten minutes", "[core][clock]") {
  auto pause = core::parse_simulated_pause(" 2500\n");
  REQUIRE(pause);
  CHECK(*pause == std::chrono::milliseconds(2500));
  CHECK(core::parse_simulated_pause("600000"));
  for (const char* bad : {"", "-5", "1.5", "2s", "600001", "9999999", "12\x1b[31m"}) {
    INFO(bad);
    auto parsed = core::parse_simulated_pause(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == core::ErrorKind::config);
    CHECK(parsed.error().message.find("TMA_SIMULATED_PAUSE_BEFORE_PUSH") != std::string::npos);
    CHECK(parsed.error().message.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("simulated pause before push: a normal build never pauses whatever the environment says",
          "[core][clock]") {
  REQUIRE_FALSE(core::simulated_clock_supported());
  for (const char* value : {"5000", "not a number"}) {
    ::setenv("TMA_SIMULATED_PAUSE_BEFORE_PUSH", value, 1);
    CHECK_NOTHROW(core::simulated_pause_before_push());
    CHECK_FALSE(core::simulated_pause_before_push().has_value());
  }
  ::unsetenv("TMA_SIMULATED_PAUSE_BEFORE_PUSH");
}
