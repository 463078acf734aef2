#pragma once
// What a long job tells the runner's progress line while it runs: a backup's phase (dump,
// transfer, verify), the bytes so far, the rate, and an ETA when the size is known from a previous
// run. The formatting is pure; JobProgress is the thread-safe board a job writes and the painter reads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace tma::run {

/// `2.3 MiB/s` for `bytes` moved in `elapsed`; "" under half a second (too early to mean anything).
std::string format_rate(std::uint64_t bytes, std::chrono::milliseconds elapsed);

/// `ETA 1m5s`: the time left to reach `expected` at the rate so far, rounded up to the second;
/// "" when it cannot be told (no expected size, nothing moved yet, too early, or already past it).
std::string format_eta(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::chrono::milliseconds elapsed);

/// `dump database.sql.gz 45.2 MiB at 2.3 MiB/s, ETA 1m5s`; a phase without bytes (verify) is its name alone.
std::string phase_line(const std::string& phase, std::uint64_t bytes, std::optional<std::uint64_t> expected,
                       std::chrono::milliseconds elapsed);

/// Written by one job (phases, bytes), read by the progress painter.
class JobProgress {
public:
  using Clock = std::chrono::steady_clock;

  /// A new phase: the byte count starts again at 0; `expected` bytes enable the ETA.
  void start_phase(std::string phase, std::optional<std::uint64_t> expected = std::nullopt);
  /// Count `bytes` more in the current phase.
  void add_bytes(std::uint64_t bytes) { m_bytes.fetch_add(bytes, std::memory_order_relaxed); }
  /// phase_line() of the current phase at `now`, "" before the first phase.
  std::string describe(Clock::time_point now) const;

private:
  mutable std::mutex m_mutex; ///< guards the fields below; bytes are atomic (one add per chunk)
  std::string m_phase;
  std::optional<std::uint64_t> m_expected;
  Clock::time_point m_started{};
  std::atomic<std::uint64_t> m_bytes{0};
};

} // namespace tma::run
