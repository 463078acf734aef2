// core::sleep_unless_interrupted: the waits between retries and polls end at Ctrl-C.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <tma/core/signals.hpp>

using namespace std::chrono_literals;

namespace {

/// Clears the interrupted flag however the test ends.
struct ClearInterrupt {
  ClearInterrupt() { tma::core::set_interrupted_for_testing(false); }
  ~ClearInterrupt() { tma::core::set_interrupted_for_testing(false); }
};

} // namespace

TEST_CASE("core::sleep_unless_interrupted sleeps the whole delay when nothing interrupts", "[unit][core]") {
  ClearInterrupt clear;
  CHECK(tma::core::sleep_unless_interrupted(0ms));
  auto before = std::chrono::steady_clock::now();
  CHECK(tma::core::sleep_unless_interrupted(30ms));
  CHECK(std::chrono::steady_clock::now() - before >= 30ms); // a lower bound only: never a timing assertion
}

TEST_CASE("core::sleep_unless_interrupted returns false at once when already interrupted", "[unit][core]") {
  ClearInterrupt clear;
  tma::core::set_interrupted_for_testing(true);
  // Ten minutes: were the flag not looked at, the test would hang until ctest's timeout.
  CHECK_FALSE(tma::core::sleep_unless_interrupted(10min));
}

TEST_CASE("core::sleep_unless_interrupted ends a long wait when Ctrl-C comes during it", "[unit][core]") {
  ClearInterrupt clear;
  std::thread signaller([] {
    std::this_thread::sleep_for(50ms);
    tma::core::set_interrupted_for_testing(true);
  });
  bool slept = tma::core::sleep_unless_interrupted(10min);
  signaller.join();
  CHECK_FALSE(slept);
}

TEST_CASE("core::sleep_unless_interrupted waits on under an InterruptShield", "[unit][core]") {
  ClearInterrupt clear;
  tma::core::set_interrupted_for_testing(true);
  tma::core::InterruptShield shield; // work that must finish once started
  CHECK(tma::core::sleep_unless_interrupted(20ms));
}
