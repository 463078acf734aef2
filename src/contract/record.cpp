#include <tma/contract/record.hpp>

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>
#include <tma/core/text.hpp>

namespace tma::contract {
namespace {

journal::Subject subject_of(const TimeEntry& entry) {
  return journal::Subject{entry.site.value_or(""), "", entry.client};
}

TimeEntry from_recorded(TimeEntry entry, const journal::Event& event) {
  entry.id = event.id;
  entry.at = event.at;
  entry.actor = event.actor;
  return entry;
}

} // namespace

nlohmann::json entry_data(const TimeEntry& entry) {
  nlohmann::json data{
      {"date", core::format_date(entry.date)},
      {"duration_seconds", entry.duration.count()},
      {"description", entry.description},
      {"category", std::string(to_string(entry.category))},
      {"ticket", entry.ticket ? nlohmann::json(*entry.ticket) : nlohmann::json(nullptr)},
      {"billable", entry.billable == Billable::yes},
      {"automatic", entry.origin == Origin::automatic},
  };
  // Only when linked: entries without a request keep the event shape they always had.
  if (entry.request) data["request"] = *entry.request;
  if (entry.external) {
    data["external"] = *entry.external;
    data["external_updated_on"] = entry.external_updated;
    if (entry.external_version > 0) data["external_version"] = entry.external_version;
    if (entry.withdrawn) data["withdrawn"] = true;
  }
  return data;
}

core::Result<Date> check_log_request(const LogRequest& request, const core::TimeZone& zone, core::SysSeconds now) {
  if (core::trim(request.description).empty()) {
    return core::fail(core::ErrorKind::usage, "the description of the work is empty");
  }
  if (request.duration.count() <= 0 || request.duration > k_max_entry) {
    return core::fail(core::ErrorKind::usage,
                      fmt::format("duration {} is out of range (more than 0, at most {})", format_hours(request.duration),
                                  format_hours(k_max_entry)));
  }
  auto today = zone.local_date(now);
  auto date = request.date.value_or(today);
  // An entry is never dated after the moment it is logged: readers rely on it to skip old days.
  if (today < date) {
    return core::fail(core::ErrorKind::usage,
                      fmt::format("--date {} is in the future (today is {} in {})", core::format_date(date),
                                  core::format_date(today), zone.name()));
  }
  return date;
}

core::Result<TimeEntry> log_time(journal::Run& run, const LogRequest& request, const core::TimeZone& zone,
                                 core::SysSeconds now) {
  auto date = check_log_request(request, zone, now);
  if (!date) return tl::unexpected(date.error());
  TimeEntry entry;
  entry.date = *date;
  entry.client = request.client;
  entry.site = request.site;
  entry.duration = request.duration;
  entry.description = std::string(core::trim(request.description));
  entry.category = request.category;
  entry.ticket = request.ticket;
  entry.request = request.request;
  entry.billable = request.billable;
  entry.origin = Origin::manual;
  auto event = run.record(std::string(k_time_logged), subject_of(entry), entry_data(entry));
  return from_recorded(std::move(entry), event);
}

std::optional<TimeEntry> record_automatic(journal::Run& run, const AutomaticWork& work, const core::TimeZone& zone) {
  auto duration = std::chrono::duration_cast<Seconds>(work.finished - work.started);
  if (duration.count() <= 0) return std::nullopt;
  TimeEntry entry;
  entry.date = zone.local_date(work.started);
  entry.client = work.client;
  if (!work.site.empty()) entry.site = work.site;
  entry.duration = duration;
  entry.description = work.description;
  entry.category = work.category;
  entry.billable = Billable::no;
  entry.origin = Origin::automatic;
  auto event = run.record(std::string(k_time_logged), subject_of(entry), entry_data(entry));
  return from_recorded(std::move(entry), event);
}

core::Result<void> record_imported(journal::Run& run, const TimeEntry& entry) {
  if (!entry.external || entry.external->empty()) {
    return core::fail(core::ErrorKind::usage, "an imported time entry needs its external key");
  }
  if (!entry.withdrawn && (entry.duration.count() <= 0 || entry.duration > k_max_entry)) {
    return core::fail(core::ErrorKind::usage, fmt::format("time entry {}: duration {} is out of range", *entry.external,
                                                          format_hours(entry.duration)));
  }
  auto data = entry_data(entry);
  if (!entry.actor.empty()) data["by"] = entry.actor;
  run.record(std::string(k_time_logged), subject_of(entry), std::move(data));
  return {};
}

bool supersedes(const TimeEntry& candidate, const TimeEntry& current) {
  // The latest observation of the tool wins, a withdrawal included: an entry that comes back (a
  // restored database) is imported again and then counts. Each import numbers its version after
  // the one it saw, so order holds within one second, where `at` ties and run ids are random;
  // `at` and the tool's stamp order versions written without a number (before it existed) or
  // by two agency clones that imported the same change.
  return std::tie(candidate.external_version, candidate.at, candidate.external_updated, candidate.id) >
         std::tie(current.external_version, current.at, current.external_updated, current.id);
}

core::Result<LoadedEntries> load_entries(const journal::Journal& journal, const EntryQuery& query,
                                         const core::TimeZone& zone) {
  journal::Filter filter;
  filter.types = {std::string(k_time_logged)};
  filter.clients = query.clients;
  filter.sites = query.sites;
  if (query.earliest) filter.since = zone.start_of_day(*query.earliest);
  LoadedEntries loaded;
  // Collected in fixed-size chunks, then moved into one vector of the exact size, chunk by chunk:
  // a vector grown by push_back would peak at up to three times the year's entries while it
  // reallocates (100 MB instead of 44 for the benchmark's 172,000 entries).
  constexpr std::size_t k_chunk = 1024;
  std::vector<std::vector<TimeEntry>> chunks;
  std::size_t total = 0;
  // Imported entries: the latest version of each, whatever order the scan gives.
  std::unordered_map<std::string, TimeEntry> imported;
  auto keep = [&](TimeEntry&& entry) {
    if (chunks.empty() || chunks.back().size() == k_chunk) chunks.emplace_back().reserve(k_chunk);
    chunks.back().push_back(std::move(entry));
    ++total;
  };
  auto scanned = journal.scan_encoded(filter, [&](const journal::Event& event, std::string_view data) {
    auto entry = entry_from_event(event, data);
    if (!entry) {
      loaded.problems.push_back(entry.error().message);
      return true;
    }
    if (entry->external) {
      auto [it, inserted] = imported.try_emplace(*entry->external);
      if (inserted || supersedes(*entry, it->second)) it->second = std::move(*entry);
      return true;
    }
    keep(std::move(*entry));
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  for (auto& [key, entry] : imported) {
    if (!entry.withdrawn) keep(std::move(entry));
  }
  imported.clear();
  loaded.entries.reserve(total);
  for (auto& chunk : chunks) {
    std::move(chunk.begin(), chunk.end(), std::back_inserter(loaded.entries));
    std::vector<TimeEntry>().swap(chunk); // give the chunk's memory back before the next one
  }
  // Sort a permutation, then move each entry once: a year of entries for every client is 100,000s
  // of them, and sorting the entries themselves moves each one many times.
  auto& entries = loaded.entries;
  std::vector<std::size_t> order(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = entries[x];
    const auto& b = entries[y];
    return std::tie(a.date, a.at, a.id) < std::tie(b.date, b.at, b.id);
  });
  // Apply the permutation in place, cycle by cycle (entry j takes entry order[j]): no second copy.
  std::vector<bool> placed(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (placed[i]) continue;
    TimeEntry held = std::move(entries[i]);
    for (std::size_t j = i;;) {
      placed[j] = true;
      std::size_t from = order[j];
      if (from == i) {
        entries[j] = std::move(held);
        break;
      }
      entries[j] = std::move(entries[from]);
      j = from;
    }
  }
  return loaded;
}

namespace {

template <class T, class Name>
std::string unknown(std::string_view what, const std::string& name, const std::vector<T>& items, Name name_of) {
  std::vector<std::string> candidates;
  for (const auto& item : items) candidates.push_back(name_of(item));
  auto guess = core::suggest(name, candidates);
  return fmt::format("unknown {} '{}'{}", what, name, guess ? fmt::format(" (did you mean '{}'?)", *guess) : "");
}

} // namespace

core::Result<const inventory::Client*> find_client(const inventory::Inventory& inventory, const std::string& id) {
  if (const auto* client = inventory.client(id)) return client;
  return core::fail(core::ErrorKind::usage,
                    unknown("client", id, inventory.clients, [](const inventory::Client& c) { return c.id; }));
}

core::Result<std::pair<std::string, std::optional<std::string>>> resolve_log_target(
    const inventory::Inventory& inventory, const std::optional<std::string>& site, const std::optional<std::string>& client) {
  if (!site && !client) return core::fail(core::ErrorKind::usage, "say who the work was for: --site NAME or --client ID");
  std::optional<std::string> client_id;
  if (client) {
    auto found = find_client(inventory, *client);
    if (!found) return tl::unexpected(found.error());
    client_id = (*found)->id;
  }
  if (!site) return std::pair{*client_id, std::optional<std::string>()};
  const auto* found_site = inventory.site(*site);
  if (!found_site) {
    return core::fail(core::ErrorKind::usage,
                      unknown("site", *site, inventory.sites, [](const inventory::Site& s) { return s.name; }));
  }
  if (client_id && *client_id != found_site->client) {
    return core::fail(core::ErrorKind::usage, fmt::format("site '{}' belongs to client '{}', not '{}'", found_site->name,
                                                          found_site->client, *client_id));
  }
  return std::pair{found_site->client, std::optional<std::string>(found_site->name)};
}

Date earliest_relevant(const inventory::Client& client, const Period& period) {
  auto earliest = period.from;
  if (client.contract.model == inventory::ContractModel::hour_bank) {
    for (const auto& pack : client.contract.packs) earliest = std::min(earliest, pack.date);
  }
  return earliest;
}

} // namespace tma::contract
