// `tma report`: the client report of a month, a quarter or a range, as HTML, Markdown, JSON or PDF.
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include <tma/client_report/gather.hpp>
#include <tma/client_report/render.hpp>
#include <tma/contract/record.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/report/output.hpp>
#include <tma/run/parallel.hpp>

#include "cli/commands.hpp"
#include "cli/hours_support.hpp"
#include "cli/report_pdf.hpp"
#include "cli/report_send.hpp"

namespace tma::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::vector<std::string> clients;
  bool all = false;
  bool due = false;
  PeriodOptions period;
  std::optional<std::string> quarter;
  std::string format = "html";
  std::optional<std::string> out;
  std::optional<std::string> lang;
  int jobs = 4;
  bool send = false;
  bool resend = false;
};

std::string extension_of(const std::string& format) {
  if (format == "markdown") return "md";
  return format; // html, json, pdf
}

struct Resolved {
  contract::Period period;
  client_report::PeriodKind kind;
};

// The period asked for; without one, the last complete month (the one a monthly report is about).
Resolved resolve(const ReportOptions& o, const core::TimeZone& zone, core::SysSeconds now) {
  if (o.quarter) {
    auto quarter = contract::parse_quarter(*o.quarter);
    if (!quarter) throw core::UsageError("--quarter: " + quarter.error());
    return {*quarter, client_report::PeriodKind::quarter};
  }
  if (o.period.month) return {resolve_period(o.period, zone, now), client_report::PeriodKind::month};
  if (o.period.from) return {resolve_period(o.period, zone, now), client_report::PeriodKind::range};
  auto this_month = contract::month_of(zone.local_date(now));
  return {contract::month_of(contract::add_days(this_month.from, -1)), client_report::PeriodKind::month};
}

// What the templates are read from: the agency's own copy (`templates/report.html.mustache` next to
// the inventory) when there is one, else the one compiled in.
std::string template_for(const inventory::Inventory& inventory, client_report::DocumentFormat format) {
  auto name = format == client_report::DocumentFormat::markdown ? "report.md.mustache" : "report.html.mustache";
  auto path = fs::path(inventory.directory) / "templates" / name;
  if (!fs::exists(path)) return client_report::builtin_template(format);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::ConfigError("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  auto partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw core::TmaError(core::exit_code::site_failed, "cannot write " + partial.string());
  }
  fs::rename(partial, path, ec);
  if (ec) throw core::TmaError(core::exit_code::site_failed, fmt::format("cannot write {}: {}", path.string(), ec.message()));
}

// A client's document in `format` (html, markdown or json; pdf is printed from the html).
std::string render_document(const inventory::Inventory& inventory, const client_report::ClientReport& report,
                            const std::string& format, const core::TimeZone& zone) {
  if (format == "json") {
    return report::json_text(report::envelope(client_report::k_report_schema, client_report::to_json(report)));
  }
  client_report::Branding branding;
  const auto& agency = inventory.agency;
  branding.agency_name = agency.name;
  branding.accent = agency.report.accent;
  branding.closing = report.lang == inventory::Lang::fr ? agency.report.closing_fr : agency.report.closing_en;
  if (!agency.report.logo.empty()) {
    auto logo = client_report::logo_data_uri((fs::path(inventory.directory) / agency.report.logo).string());
    if (!logo) throw core::ConfigError(logo.error().message);
    branding.logo_data_uri = *logo;
  }
  auto kind = format == "markdown" ? client_report::DocumentFormat::markdown : client_report::DocumentFormat::html;
  auto text = client_report::render_template(template_for(inventory, kind), client_report::view_of(report, branding, zone), kind);
  if (!text) throw core::ConfigError(text.error().message);
  return std::move(*text);
}

// One client's report, written to `--out` (`-`: stdout) or its default path. Returns what --send needs.
ReportMail make_report(const inventory::Inventory& inventory, const client_report::Inputs& inputs,
                       const ReportOptions& o, const Resolved& period, const core::TimeZone& zone) {
  const auto& client = *inputs.client;
  ReportMail mail;
  mail.client = &client;
  mail.report = client_report::build(inputs);
  auto content = render_document(inventory, mail.report, o.format == "pdf" ? "html" : o.format, zone);
  if (o.send) {
    mail.html = o.format == "html" || o.format == "pdf" ? content : render_document(inventory, mail.report, "html", zone);
    mail.markdown = o.format == "markdown" ? content : render_document(inventory, mail.report, "markdown", zone);
  }
  mail.file = o.out ? *o.out
                    : (fs::path(inventory.directory) / "reports" /
                       fmt::format("{}-{}.{}", client.id, period.period.label, extension_of(o.format)))
                          .string();
  if (o.format == "pdf") {
    print_html_to_pdf(content, mail.file);
  } else if (mail.file == "-") {
    report::print(content);
  } else {
    write_file(mail.file, content);
  }
  return mail;
}

void run_report(Context& context, const ReportOptions& o) {
  const auto& inventory = context.inventory();
  std::vector<const inventory::Client*> clients;
  for (const auto& id : o.clients) {
    auto client = contract::find_client(inventory, id);
    if (!client) throw core::UsageError(client.error().message);
    clients.push_back(*client);
  }
  if (o.all) {
    for (const auto& client : inventory.clients) clients.push_back(&client);
  }
  if (clients.empty()) throw core::UsageError("name a client (--client NAME) or ask for every client (--all)");
  if (clients.size() > 1 && o.out) throw core::UsageError("--out names one file: use it with one --client");
  if (o.format == "pdf") require_pdf_printer();
  if (o.format == "pdf" && o.out == "-") throw core::UsageError("--format pdf writes a file: give --out FILE");
  if (o.send && o.out == "-") throw core::UsageError("--send attaches the file it writes: --out - writes none");
  if (o.send) require_email_channel(inventory);

  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto period = resolve(o, zone, journal.now());

  // One journal read for every client (the scans dominate), then the reports side by side.
  auto inputs = client_report::gather_all(journal, inventory, clients, period.period, period.kind, zone,
                                          [&](const inventory::Client& client) {
                                            if (!o.lang) return client.lang;
                                            return *o.lang == "fr" ? inventory::Lang::fr : inventory::Lang::en;
                                          });
  if (!inputs) throw core::TmaError(core::exit_code::site_failed, "journal: " + inputs.error().message);
  std::mutex mutex;
  std::vector<ReportMail> written(clients.size());
  std::vector<std::string> failures(clients.size());
  run::for_each_parallel(
      clients.size(), o.jobs,
      [&](std::size_t i, bool) {
        try {
          written[i] = make_report(inventory, (*inputs)[i], o, period, zone);
        } catch (const std::exception& e) {
          // One client's failure is a value: the other reports are still written.
          std::lock_guard lock(mutex);
          failures[i] = e.what();
        }
      },
      [] { return false; });
  std::vector<ReportMail> made;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (!failures[i].empty()) {
      report::eprint(fmt::format("tma: report of {}: {}\n", clients[i]->id, failures[i]));
      context.exit_code |= core::exit_code::site_failed;
    } else {
      if (written[i].file != "-") report::print(written[i].file + "\n");
      made.push_back(std::move(written[i]));
    }
  }
  if (o.send) context.exit_code |= send_reports(context, made, o.resend);
}

} // namespace

void setup_report(CLI::App& app, Context& context) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand("report", "The client report: updates, security, backups, availability, incidents, hours");
  cmd->add_option("--client,-c", o->clients, "Client id (repeatable)")->type_name("ID");
  cmd->add_flag("--all", o->all, "One report per client of the inventory");
  add_period_options(*cmd, o->period, MonthRequired::no);
  cmd->add_option("--quarter", o->quarter, "Calendar quarter (YYYY-Qn)")
      ->type_name("YYYY-Qn")
      ->excludes("--month")
      ->excludes("--from");
  cmd->add_option("--format", o->format, "html (default), markdown, json or pdf (needs chromium)")
      ->check(CLI::IsMember({"html", "markdown", "json", "pdf"}))
      ->type_name("FORMAT");
  cmd->add_option("--out,-o", o->out, "Where to write it (default reports/CLIENT-PERIOD.EXT next to the inventory; - for stdout)")
      ->type_name("FILE");
  cmd->add_option("--lang", o->lang, "Language, instead of the client's `lang`")->check(CLI::IsMember({"fr", "en"}))->type_name("LANG");
  cmd->add_option("--jobs,-j", o->jobs, "Reports written at once with --all")->check(CLI::Range(1, 64))->default_str("4");
  cmd->add_flag("--send", o->send, "Email each report to the client's contacts (once per client and period)");
  cmd->add_flag("--resend", o->resend, "With --send: send again a report already sent")->needs("--send");
  add_due_flag(*cmd, o->due);
  cmd->callback([&context, o, cmd] {
    inventory::Selection selection;
    selection.clients = o->clients;
    selection.all = o->all;
    if (run_due_instead(context, *cmd,
                        {o->due, schedule::JobKind::report, selection, report::Format::table, false, o->jobs, 2})) {
      return;
    }
    run_report(context, *o);
  });
}

} // namespace tma::cli
