// `tma notify flush|test`: deliver pending notifications, send a test message (docs/notify.md).
#include <memory>
#include <string>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/report/output.hpp>
#include <tma/transport/http.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"
#include "cli/notify_support.hpp"

namespace tma::cli {

namespace {

constexpr int k_notify_schema = 1;

struct NotifyOptions {
  std::string channel;
  report::Format format = report::Format::table;
  bool due = false;
};

void run_flush(Context& context, const NotifyOptions& options) {
  const auto& inventory = context.inventory();
  auto& journal = context.journal();
  auto& run = context.start_run("notify flush");
  transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  notify::DeliveryReport report;
  if (auto delivered = notify::deliver(journal, run, inventory, sender, report); !delivered) {
    throw core::TmaError(core::exit_code::site_failed, "journal: " + delivered.error().message);
  }
  if (!report.failed.empty()) context.exit_code |= core::exit_code::site_failed;
  if (options.format == report::Format::json) {
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& [key, error] : report.failed) failed.push_back({{"key", key}, {"error", error}});
    report::print_json(report::envelope(k_notify_schema, {{"sent", report.sent}, {"failed", failed}, {"problems", report.problems}}));
  } else {
    for (const auto& key : report.sent) report::print(fmt::format("sent {}\n", key));
    print_delivery_report(report, false);
    report::print(fmt::format("{} sent, {} still pending\n", report.sent.size(), report.failed.size()));
  }
}

void run_test(Context& context, const NotifyOptions& options) {
  const auto& inventory = context.inventory();
  transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  auto event_id = "test-" + journal::new_run_id();
  auto sent = notify::send_test(inventory, options.channel, sender, event_id);
  if (!sent) {
    if (sent.error().kind == core::ErrorKind::usage) throw core::UsageError(sent.error().message);
    throw core::TmaError(core::exit_code::site_failed, fmt::format("channel '{}': {}", options.channel, sent.error().message));
  }
  report::print(fmt::format("sent a test message through '{}' (event {})\n", options.channel, event_id));
}

} // namespace

void setup_notify(CLI::App& app, Context& context) {
  auto options = std::make_shared<NotifyOptions>();
  auto* cmd = app.add_subcommand("notify", "Notifications: deliver pending ones, test a channel");
  cmd->require_subcommand(1);
  auto* flush = cmd->add_subcommand("flush", "Send every notification still pending in the journal");
  add_format(*flush, options->format);
  add_due_flag(*flush, options->due);
  flush->callback([&context, options, flush] {
    if (run_due_instead(context, *flush, {options->due, schedule::JobKind::notify_flush, {}, options->format, true, 4, 2})) {
      return;
    }
    run_flush(context, *options);
  });
  auto* test = cmd->add_subcommand("test", "Send a test message through one channel");
  test->add_option("--channel", options->channel, "Channel name in notify.channels")->required()->type_name("NAME");
  test->callback([&context, options] { run_test(context, *options); });
}

} // namespace tma::cli
