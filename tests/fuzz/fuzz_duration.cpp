// Fuzz target: durations (`1h30m`, `14d`). Oracle: what parses formats back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <tma/core/units.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto seconds = tma::core::parse_duration(text);
  if (!seconds) return 0;
  auto again = tma::core::parse_duration(tma::core::format_duration(*seconds));
  if (!again || *again != *seconds) std::abort();
  return 0;
}
