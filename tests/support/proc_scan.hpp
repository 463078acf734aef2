#pragma once
// Looking at the machine's processes from tests: "nothing left running" and peak memory checks.

#include <chrono>
#include <cstddef>
#include <string>

namespace tma::test {

/// How many live (non-zombie) processes have `needle` in their command line.
int count_processes_with(const std::string& needle);

/// Wait up to `timeout` for `count_processes_with(needle)` to reach 0; returns the last count.
int wait_no_process_with(const std::string& needle, std::chrono::milliseconds timeout);

/// This process's peak resident set size in bytes (VmHWM from /proc/self/status).
std::size_t peak_rss_bytes();

} // namespace tma::test
