#include "cli/report_send.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include <tma/client_report/render.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/timezone.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/report/output.hpp>

#include "cli/notify_support.hpp"

namespace tma::cli {
namespace {

constexpr std::string_view k_report_queued = "report.queued";

const inventory::NotifyChannel* email_channel(const inventory::Inventory& inventory) {
  for (const auto& channel : inventory.notify.channels) {
    if (channel.type == "email") return &channel;
  }
  return nullptr;
}

std::string mime_of(const std::string& file) {
  if (file.ends_with(".pdf")) return "application/pdf";
  if (file.ends_with(".html")) return "text/html";
  if (file.ends_with(".md")) return "text/markdown";
  return "application/json";
}

// When this client's report of `period` was queued before, if it was.
std::optional<core::SysSeconds> queued_before(journal::Journal& journal, const std::string& client,
                                              const std::string& period) {
  journal::Filter filter;
  filter.types = {std::string(k_report_queued)};
  filter.clients = {client};
  std::optional<core::SysSeconds> when;
  auto scanned = journal.scan(filter, [&](const journal::Event& e) {
    if (e.data.value("period", "") != period) return true;
    when = e.at;
    return false;
  });
  if (!scanned) throw core::TmaError(core::exit_code::site_failed, "journal: " + scanned.error().message);
  return when;
}

} // namespace

void require_email_channel(const inventory::Inventory& inventory) {
  if (email_channel(inventory) == nullptr) {
    throw core::ConfigError("--send emails the report: notify.channels has no channel of type email (docs/notify.md)");
  }
}

int send_reports(Context& context, const std::vector<ReportMail>& mails, bool resend) {
  const auto& inventory = context.inventory();
  const auto* channel = email_channel(inventory);
  if (channel == nullptr) require_email_channel(inventory);
  auto& journal = context.journal();
  auto& run = context.start_run("report --send");
  int bits = 0;
  std::vector<std::pair<const ReportMail*, std::string>> queued; // mail, notification key
  for (const auto& mail : mails) {
    const auto& client = *mail.client;
    const auto& period = mail.report.period.label;
    if (client.contacts.empty()) {
      report::eprint(fmt::format("tma: report of {} {}: the client has no contacts to send it to\n", client.id, period));
      bits |= core::exit_code::site_failed;
      continue;
    }
    if (auto when = queued_before(journal, client.id, period); when && !resend) {
      report::print(fmt::format("report of {} {}: already sent on {} (--resend sends it again)\n", client.id, period,
                                core::format_rfc3339_utc(*when)));
      continue;
    }
    std::ifstream in(mail.file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw core::TmaError(core::exit_code::site_failed, "cannot read " + mail.file);
    auto event = run.record(std::string(k_report_queued), {"", "", client.id},
                            {{"period", period}, {"file", std::filesystem::path(mail.file).filename().string()},
                             {"resend", resend}});
    notify::Delivery delivery{channel->name, {}, mail.report.lang, true};
    for (const auto& contact : client.contacts) delivery.recipients.push_back(contact.email);
    notify::Message message;
    message.event_id = event.id;
    message.event_type = std::string(k_report_queued);
    message.client = client.id;
    message.lang = mail.report.lang;
    message.subject = client_report::mail_subject(mail.report, inventory.agency.name);
    message.text = mail.markdown;
    message.html = mail.html;
    message.attachment = notify::Attachment{std::filesystem::path(mail.file).filename().string(), mime_of(mail.file), bytes};
    if (auto pending = notify::enqueue_message(run, delivery, event.id, message, {"", "", client.id}); !pending) {
      throw core::TmaError(core::exit_code::site_failed, "journal: " + pending.error().message);
    }
    queued.emplace_back(&mail, delivery.key(event.id));
  }
  if (queued.empty()) return bits;
  auto delivered = notify_after(context, journal, run, {});
  for (const auto& [mail, key] : queued) {
    bool sent = std::find(delivered.sent.begin(), delivered.sent.end(), key) != delivered.sent.end();
    std::string to;
    for (const auto& contact : mail->client->contacts) to += (to.empty() ? "" : ", ") + contact.email;
    if (sent) {
      report::print(fmt::format("report of {} {}: sent to {}\n", mail->client->id, mail->report.period.label, to));
    } else {
      report::eprint(fmt::format("tma: report of {} {}: not delivered yet; `tma notify flush` retries it\n",
                                 mail->client->id, mail->report.period.label));
      bits |= core::exit_code::site_failed;
    }
  }
  return bits;
}

} // namespace tma::cli
