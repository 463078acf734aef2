// Fuzz target: the journal's line decoder (a run file: one JSON event per line, written by any
// teammate's tma and merged by git). Oracle: an event read back encodes to the same bytes through
// the fast writer (append_line) as through nlohmann's dump.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/log.hpp>
#include <tma/journal/line.hpp>

#include "journal/reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    tma::core::log::set_level(tma::core::log::Level::error); // a warning per skipped line otherwise
    return true;
  }();
  (void)quiet;
  std::string_view content(reinterpret_cast<const char*>(data), size);
  std::vector<tma::journal::Located> events;
  tma::journal::parse_run_file(content, "2026/11/run.jsonl", tma::journal::Filter{}, events);
  for (const auto& located : events) {
    std::string line;
    tma::journal::append_line(line, located.event);
    if (line != tma::journal::to_json(located.event).dump()) std::abort();
  }
  return 0;
}
