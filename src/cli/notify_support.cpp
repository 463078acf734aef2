#include "cli/notify_support.hpp"

#include <fmt/format.h>

#include <tma/report/output.hpp>
#include <tma/transport/http.hpp>

namespace tma::cli {

notify::DeliveryReport notify_after(Context& context, journal::Journal& journal, journal::Run& run,
                                    const std::vector<notify::Trigger>& triggers) {
  const auto& inventory = context.inventory();
  if (inventory.notify.channels.empty()) return {};
  transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  auto report = notify::notify(journal, run, inventory, sender, triggers);
  print_delivery_report(report, context.global.verbose > 0);
  return report;
}

void print_delivery_report(const notify::DeliveryReport& report, bool verbose) {
  if (verbose) {
    for (const auto& key : report.sent) report::eprint(fmt::format("tma: notified {}\n", key));
  }
  for (const auto& [key, error] : report.failed) {
    report::eprint(fmt::format("tma: warning: notification {} not delivered (will retry): {}\n", key, error));
  }
  for (const auto& problem : report.problems) report::eprint(fmt::format("tma: warning: notification: {}\n", problem));
}

} // namespace tma::cli
