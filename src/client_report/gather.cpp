#include <tma/client_report/gather.hpp>

#include <fstream>
#include <algorithm>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <tma/contract/record.hpp>
#include <tma/contract/summary.hpp>

namespace tma::client_report {
namespace {

constexpr std::size_t k_max_logo_bytes = 1 << 20;
// How late a `health.daily` event may be journalled and still count in its period's report: a
// week covers a monitoring machine that was down for days; later ones are in no report.
constexpr int k_daily_grace_days = 7;

} // namespace

core::Result<std::vector<Inputs>> gather_all(const journal::Journal& journal, const inventory::Inventory& inventory,
                                             const std::vector<const inventory::Client*>& clients,
                                             const contract::Period& period, PeriodKind kind, const core::TimeZone& zone,
                                             const std::function<inventory::Lang(const inventory::Client&)>& lang_of) {
  auto previous = previous_period(period, kind);
  auto hours = contract::hours_report(journal, clients, period, zone);
  if (!hours) return tl::unexpected(hours.error());
  auto previous_hours = contract::hours_report(journal, clients, previous, zone);
  if (!previous_hours) return tl::unexpected(previous_hours.error());
  // A report must not silently drop hours: an unreadable time entry is an error here.
  for (const auto* report : {&*hours, &*previous_hours}) {
    if (!report->problems.empty()) return core::fail(core::ErrorKind::internal, "journal: " + report->problems.front());
  }

  contract::EntryQuery query;
  for (const auto* client : clients) query.clients.push_back(client->id);
  query.earliest = previous.from;
  auto entries = contract::load_entries(journal, query, zone);
  if (!entries) return tl::unexpected(entries.error());

  auto incidents = incident::load_all(journal);
  if (!incidents) return tl::unexpected(incidents.error());

  // One scan of the two periods, and a few days past their end: a day's health aggregate is
  // journalled once the day is over (by the first check after midnight), so the period's last day
  // arrives after it. build() places `health.daily` by its `date` and everything else by its time.
  journal::Filter filter;
  filter.since = zone.start_of_day(previous.from);
  filter.until = zone.start_of_day(contract::add_days(period.to, 1 + k_daily_grace_days));
  filter.clients = query.clients;
  filter.types = {"update.finished",  "update.visual", "visual.compared", "backup.finished",
                  "backup.failed",    "restore.finished", "check",         "perf.measured",
                  std::string(incident::k_health_daily)};
  auto events = journal::read_events(journal, filter);
  if (!events) return tl::unexpected(events.error());
  // Of the scheduler's events only prod backups' count (interrupted backups), and backup jobs are
  // the only ones with an env: a read of its own with `envs`, which the reader tests before parsing,
  // so that a month of hourly health claims (300,000 for 200 sites) is neither parsed nor kept.
  journal::Filter jobs_filter = filter;
  jobs_filter.types = {"job.claimed", "job.finished", "job.released"};
  jobs_filter.envs = {"prod"};
  auto job_events = journal::read_events(journal, jobs_filter);
  if (!job_events) return tl::unexpected(job_events.error());
  events->insert(events->end(), std::make_move_iterator(job_events->begin()), std::make_move_iterator(job_events->end()));
  // One list, newest first as each read returns it.
  std::stable_sort(events->begin(), events->end(), [](const journal::Event& a, const journal::Event& b) { return a.at > b.at; });

  // "Previous period" figures only when the journal reaches back that far: a new agency's first
  // report must not compare itself with zeros. Covered: something was recorded by the end of the
  // previous period's first day.
  journal::Filter before;
  before.until = zone.start_of_day(contract::add_days(previous.from, 1));
  auto earlier = journal::read_events(journal, before, 1);
  if (!earlier) return tl::unexpected(earlier.error());

  std::vector<Inputs> all;
  std::unordered_map<std::string, std::size_t> slot_of; // client id -> its Inputs
  for (std::size_t i = 0; i < clients.size(); ++i) {
    slot_of.emplace(clients[i]->id, i);
    const auto& client = *clients[i];
    Inputs in;
    in.inventory = &inventory;
    in.client = &client;
    in.period = period;
    in.kind = kind;
    in.zone = zone;
    in.now = journal.now();
    in.lang = lang_of(client);
    in.hours = hours->clients[i];
    in.previous_hours = previous_hours->clients[i];
    in.previous_covered = !earlier->empty();
    all.push_back(std::move(in));
  }
  // Each record goes to its client's inputs once, moved: the events of two months of a 500-site
  // agency are hundreds of megabytes when copied per client.
  auto deal = [&](auto& records, auto member) {
    for (auto& record : records) {
      if (auto it = slot_of.find(record.client); it != slot_of.end()) (all[it->second].*member).push_back(std::move(record));
    }
  };
  deal(entries->entries, &Inputs::entries);
  deal(*incidents, &Inputs::incidents);
  deal(*events, &Inputs::events);
  return all;
}

core::Result<std::string> logo_data_uri(const std::string& path) {
  std::string mime = path.ends_with(".png")   ? "image/png"
                     : path.ends_with(".svg") ? "image/svg+xml"
                                              : "image/jpeg";
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorKind::config, fmt::format("agency.report.logo: cannot read {}", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() > k_max_logo_bytes) {
    return core::fail(core::ErrorKind::config, fmt::format("agency.report.logo: {} is larger than 1 MiB", path));
  }
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return fmt::format("data:{};base64,{}", mime, encoded);
}

} // namespace tma::client_report
