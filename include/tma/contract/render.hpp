#pragma once
// How hours are shown: the tables of `tma hours list/summary` and their JSON payloads. Pure functions of
// the accounting values, so tests compare exact text. JSON carries exact integers (`*_seconds`,
// `*_cents`); tables show `1h30` and `92.08 EUR`.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/contract/accounting.hpp>
#include <tma/contract/entry.hpp>
#include <tma/report/output.hpp>

namespace tma::contract {

/// `{from, to, label}` of `period`.
nlohmann::json period_json(const Period& period);

/// One entry as JSON: id, at, date, client, site, duration_seconds, description, category, ticket,
/// request, billable, automatic, actor.
nlohmann::json entry_json(const TimeEntry& entry);

/// The entries table of `tma hours list`: date, client, site, duration, category, billing status
/// (`billable`, `non-billable`, `automatic`), ticket, description; then a total line per status.
std::string render_entries_table(const std::vector<TimeEntry>& entries);
/// The rows of that table alone (`--format csv`, `--fields`).
report::Table entries_table(const std::vector<TimeEntry>& entries);
/// The total line under that table: `3 entries: 2h00 billable, 0h30 non-billable, 0h00 automatic`.
std::string entries_totals(const std::vector<TimeEntry>& entries);

/// One client's summary as JSON (docs/contracts.md lists the fields per model); amounts in cents.
nlohmann::json client_hours_json(const ClientHours& hours);

/// One client's hours block as text lines, amounts followed by `currency`. Used by `tma hours summary`
/// and by `tma summary`. Every line is indented by `indent` spaces.
std::string render_client_hours(const ClientHours& hours, const std::string& currency, int indent = 0);

} // namespace tma::contract
