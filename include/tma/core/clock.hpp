// tma's wall clock: the one `now` that the journal, the backups and the commands read.
//
// Normal builds read the system clock. A build configured with -DTMA_SIMULATED_CLOCK=ON (the soak's,
// bench/soak: a month of agency life in an hour) honours $TMA_SIMULATED_CLOCK, the path of a file
// that holds an RFC 3339 time: tma then starts its run at that time and lets it flow at the real
// rate from there. Other builds ignore the variable, so a production binary cannot be told the
// wrong time by its environment. Timeouts and durations use the steady clock and stay real.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>

namespace tma::core {

/// Now, to the second.
SysSeconds wall_now();
/// Now, as precise as the system clock (for durations recorded as hours).
std::chrono::system_clock::time_point wall_clock_now();

/// Reads $TMA_SIMULATED_CLOCK once, in builds that honour it; a variable set to a missing or
/// unreadable file is a configuration error (thrown), never a silent fall back to the real time.
/// Called once at start-up, before any thread reads the clock.
void init_wall_clock();

/// True when this build honours $TMA_SIMULATED_CLOCK.
bool simulated_clock_supported();

/// The simulated time the file's text sets: an RFC 3339 time, surrounding whitespace allowed.
Result<SysSeconds> parse_simulated_clock(std::string_view file_text);

/// The soak's journal push race (test builds only, the same -DTMA_SIMULATED_CLOCK=ON build): the
/// pause that $TMA_SIMULATED_PAUSE_BEFORE_PUSH (milliseconds) asks the journal sync to make between
/// its fetch and its first push, so that another runner's push certainly lands in between and this
/// one is rejected. nullopt when unset or empty, and always in normal builds, which compile the
/// reading out. A value that is not a whole number of milliseconds up to 10 minutes is a
/// configuration error (thrown).
std::optional<std::chrono::milliseconds> simulated_pause_before_push();

/// The pause the variable's text sets: digits only, at most 600000 (10 minutes).
Result<std::chrono::milliseconds> parse_simulated_pause(std::string_view text);

} // namespace tma::core
