// Fuzz target: bytes -> YAML -> inventory model (the loader must report, never crash or hang).
#include <cstddef>
#include <cstdint>
#include <string>

#include <tma/core/log.hpp>
#include <tma/inventory/load.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    tma::core::log::set_level(tma::core::log::Level::error);
    return true;
  }();
  (void)quiet;
  std::string text(reinterpret_cast<const char*>(data), size);
  // One variable is set, so `${TMA_FUZZ}` expands; the others are missing (an error to report).
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TMA_FUZZ") return std::string("fuzz-secret");
    return std::nullopt;
  };
  auto loaded = tma::inventory::load_inventory_text(text, "sites.yaml", env);
  if (!loaded) {
    for (const auto& d : loaded.error()) (void)d.str();
  }
  return 0;
}
