// tma's wall clock: the one `now` that the journal, the backups and the commands read.
//
// Normal builds read the system clock. A build configured with -DTMA_SIMULATED_CLOCK=ON (the soak's,
// bench/soak: a month of agency life in an hour) honours $TMA_SIMULATED_CLOCK, the path of a file
// that holds an RFC 3339 time: tma then starts its run at that time and lets it flow at the real
// rate from there. Other builds ignore the variable, so a production binary cannot be told the
// wrong time by its environment. Timeouts and durations use the steady clock and stay real.
#pragma once

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

} // namespace tma::core
