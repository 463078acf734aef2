#pragma once
// Time entries in the journal: the `time.logged` event (docs/contracts.md gives its schema), written by
// `tma hours log` and by update/restore runs (`record_automatic`), read back for `hours list/summary`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/contract/entry.hpp>
#include <tma/contract/period.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/journal/journal.hpp>
#include <tma/inventory/model.hpp>

namespace tma::contract {

/// The journal event type of a time entry.
inline constexpr std::string_view k_time_logged = "time.logged";

/// What `tma hours log` was asked to record.
struct LogRequest {
  std::string client;
  std::optional<std::string> site;
  Seconds duration{0};
  std::string description;
  std::optional<Date> date;        ///< the day worked; today in the agency's zone when absent
  Category category = Category::support;
  std::optional<std::string> ticket;
  Billable billable = Billable::yes;
  std::optional<std::string> request; ///< a client request's id, checked by the caller
};

/// The `data` object of a `time.logged` event for `entry` (everything but id, at, site, client, actor).
nlohmann::json entry_data(const TimeEntry& entry);

/// Rebuild a time entry from a `time.logged` event: from `event.data`, or from `data_msgpack` when
/// given (the payload as the event index keeps it, see `Journal::scan_encoded`). Fails
/// (ErrorKind::io) naming the event id and the missing or malformed field.
core::Result<TimeEntry> entry_from_event(const journal::Event& event, std::string_view data_msgpack = {});

/// Check `request` without recording it: a non-empty description, a duration in (0, k_max_entry], a date
/// not after today in `zone` at `now`. Returns the entry's date, or a usage error naming the bad value.
core::Result<Date> check_log_request(const LogRequest& request, const core::TimeZone& zone, core::SysSeconds now);

/// `check_log_request`, then record `request` on `run` as a `time.logged` event. Returns the entry as
/// stored (with its id and time).
core::Result<TimeEntry> log_time(journal::Run& run, const LogRequest& request, const core::TimeZone& zone,
                                 core::SysSeconds now);

/// Work done by an update or restore run, recorded automatically and never billed.
struct AutomaticWork {
  std::string site;
  std::string client;
  Category category = Category::update; ///< `update` for update runs, `backup` for restores
  core::SysSeconds started{};
  core::SysSeconds finished{};
  std::string description;              ///< e.g. `update: 3 plugins, core 6.4.2 -> 6.4.3`
};

/// Record `work` on `run` as an automatic, non-billable `time.logged` entry dated on the local day (in
/// `zone`) the work started. Nothing is recorded (nullopt) when it took no time or `finished` is before
/// `started`.
std::optional<TimeEntry> record_automatic(journal::Run& run, const AutomaticWork& work, const core::TimeZone& zone);

/// Record a time entry imported from another tool (`entry.external` set; a new version of an entry
/// already imported, or its withdrawal, is recorded the same way): date, client, site, duration,
/// description, category, request, billable, and `entry.actor` (who did the work there, kept as
/// `by`) are taken from `entry`. Fails (usage) without an external key or on a duration out of range.
core::Result<void> record_imported(journal::Run& run, const TimeEntry& entry);

/// Whether version `candidate` of an imported entry replaces `current` (same external key): the
/// later journal time (the later import), then the later tool stamp, then the event id.
bool supersedes(const TimeEntry& candidate, const TimeEntry& current);

/// Which entries to read back.
struct EntryQuery {
  std::vector<std::string> clients;        ///< empty: every client
  std::vector<std::string> sites;          ///< empty: every site (and client-wide entries)
  std::optional<Date> earliest;            ///< entries dated before this day may be skipped
};

/// Entries read from the journal plus the events that could not be read (each message names its id).
struct LoadedEntries {
  std::vector<TimeEntry> entries; ///< oldest first by (date, at, id)
  std::vector<std::string> problems;
};

/// Read every `time.logged` event matching `query`. An entry is never dated after its event, so the scan
/// starts at the beginning of `query.earliest` in `zone`, letting the journal skip older days unread.
core::Result<LoadedEntries> load_entries(const journal::Journal& journal, const EntryQuery& query,
                                         const core::TimeZone& zone);

/// The client `id` of `inventory`, or a usage error `unknown client 'x'` with a did-you-mean suggestion.
core::Result<const inventory::Client*> find_client(const inventory::Inventory& inventory, const std::string& id);

/// Who a `tma hours log` entry is for: `site` (which implies its client) and/or `client`. Usage errors
/// for an unknown site or client (with did-you-mean), neither given, or a site of another client.
/// Returns the client id and the site name when one was given.
core::Result<std::pair<std::string, std::optional<std::string>>> resolve_log_target(
    const inventory::Inventory& inventory, const std::optional<std::string>& site, const std::optional<std::string>& client);

/// The earliest day whose entries matter for `client` in `period`: the period's start, or for an hour
/// bank the first pack's date if earlier (entries before any pack cannot change a balance).
Date earliest_relevant(const inventory::Client& client, const Period& period);

} // namespace tma::contract
