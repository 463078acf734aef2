// Fuzz target: backup and update schedules (`daily 02:30`, cron lines) and the slots they give.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tma/core/schedule.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto schedule = tma::core::Schedule::parse(text);
  if (!schedule) return 0;
  static const auto zone = tma::core::TimeZone::load("Europe/Paris");
  if (!zone) return 0;
  // 2026-03-29 01:30 UTC: the night Paris springs forward.
  tma::core::SysSeconds now{std::chrono::seconds{1774747800}};
  (void)schedule->previous_slot(now, *zone);
  (void)schedule->next_slot(now, *zone);
  (void)tma::core::is_due(*schedule, std::nullopt, now, *zone);
  return 0;
}
