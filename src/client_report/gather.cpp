#include <tma/client_report/gather.hpp>

#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <tma/contract/record.hpp>
#include <tma/contract/summary.hpp>

namespace tma::client_report {
namespace {

constexpr std::size_t k_max_logo_bytes = 1 << 20;

core::Result<contract::ClientHours> hours_of(const journal::Journal& journal, const inventory::Client& client,
                                             const contract::Period& period, const core::TimeZone& zone) {
  auto report = contract::hours_report(journal, {&client}, period, zone);
  if (!report) return tl::unexpected(report.error());
  if (!report->problems.empty()) {
    return core::fail(core::ErrorKind::internal, "journal: " + report->problems.front());
  }
  return std::move(report->clients.front());
}

} // namespace

core::Result<Inputs> gather(const journal::Journal& journal, const inventory::Inventory& inventory,
                            const inventory::Client& client, const contract::Period& period, PeriodKind kind,
                            const core::TimeZone& zone, inventory::Lang lang) {
  Inputs in;
  in.inventory = &inventory;
  in.client = &client;
  in.period = period;
  in.kind = kind;
  in.zone = zone;
  in.now = journal.now();
  in.lang = lang;
  auto previous = previous_period(period, kind);

  auto hours = hours_of(journal, client, period, zone);
  if (!hours) return tl::unexpected(hours.error());
  in.hours = std::move(*hours);
  auto previous_hours = hours_of(journal, client, previous, zone);
  if (!previous_hours) return tl::unexpected(previous_hours.error());
  in.previous_hours = std::move(*previous_hours);

  auto entries = contract::load_entries(journal, contract::EntryQuery{{client.id}, {}, previous.from}, zone);
  if (!entries) return tl::unexpected(entries.error());
  in.entries = std::move(entries->entries);

  auto incidents = incident::load_all(journal);
  if (!incidents) return tl::unexpected(incidents.error());
  in.incidents = std::move(*incidents);

  journal::Filter filter;
  filter.since = zone.start_of_day(previous.from);
  filter.until = zone.start_of_day(contract::add_days(period.to, 1));
  filter.clients = {client.id};
  filter.types = {"update.finished", "backup.finished", "backup.failed", "restore.finished"};
  auto events = journal::read_events(journal, filter);
  if (!events) return tl::unexpected(events.error());
  in.events = std::move(*events);

  // "Previous period" figures only when the journal reaches back that far: a new agency's first
  // report must not compare itself with zeros.
  // Covered: something was recorded by the end of the previous period's first day.
  journal::Filter before;
  before.until = zone.start_of_day(contract::add_days(previous.from, 1));
  auto earlier = journal::read_events(journal, before, 1);
  if (!earlier) return tl::unexpected(earlier.error());
  in.previous_covered = !earlier->empty();
  return in;
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
