// A Zendesk connector's sync (docs/connectors.md, "Zendesk"): tickets of the mapped organizations
// -> requests, and the Time Tracking app's per-ticket total -> hours, incrementally through the
// account-wide cursor-based incremental ticket export (`after_cursor` kept in `connector.synced`).
#include <algorithm>
#include <regex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/connectors/zendesk_api.hpp>
#include <tma/connectors/zendesk_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>
#include <tma/core/redact.hpp>

#include "connectors/zendesk_context.hpp"

namespace tma::connectors::detail {
namespace {

/// The export is account-wide: its cursor is recorded as the `project` `*` of `connector.synced`.
constexpr const char* k_account_wide = "*";
const char* const k_export_path = "/incremental/tickets/cursor.json";

struct ExportCursor {
  std::string cursor;                  ///< Zendesk's `after_cursor`; "" to start from `start_time`
  long long sequence = 0;              ///< the greatest recorded: the next cursor is one more
};

/// Zendesk's cursors are base64 (URL-safe or not): checked before they go into a query, since the
/// journal they are read from is synced between machines.
bool is_cursor(const std::string& text) {
  static const std::regex shape("[A-Za-z0-9+/=_.~-]{1,2048}");
  return std::regex_match(text, shape);
}

std::string organizations_of(const inventory::Connector& connector) {
  std::set<std::string> ids;
  for (const auto& p : connector.projects) ids.insert(p.project);
  return fmt::format("{}", fmt::join(ids, ","));
}

/// Whether every organization of `wanted` (sorted, comma-separated) is in `recorded`.
bool covers(const std::string& recorded, const std::string& wanted) {
  std::set<std::string> have;
  for (std::size_t at = 0; at <= recorded.size();) {
    auto end = recorded.find(',', at);
    if (end == std::string::npos) end = recorded.size();
    have.insert(recorded.substr(at, end - at));
    at = end + 1;
  }
  for (std::size_t at = 0; at <= wanted.size();) {
    auto end = wanted.find(',', at);
    if (end == std::string::npos) end = wanted.size();
    if (!have.count(wanted.substr(at, end - at))) return false;
    at = end + 1;
  }
  return true;
}

/// The cursor to go on from: the latest recorded (by sequence: Zendesk's cursors are opaque, and
/// two syncs within one second cannot be ordered otherwise) among those that read every organization
/// mapped now. An organization added to the inventory starts the export over: its older tickets
/// were passed over by the earlier cursors.
core::Result<ExportCursor> read_cursor(const ZendeskContext& c) {
  journal::Filter filter;
  filter.types = {std::string(k_synced)};
  const auto wanted = organizations_of(c.connector);
  ExportCursor out;
  long long best = -1;
  auto scanned = c.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != c.connector.name || text_of(e.data, "project") != k_account_wide) return true;
    const auto* seq = member(e.data, "sequence");
    const long long sequence = seq != nullptr && seq->is_number_integer() ? seq->get<long long>() : 0;
    out.sequence = std::max(out.sequence, sequence);
    auto cursor = text_of(e.data, "ticket_cursor");
    if (sequence > best && is_cursor(cursor) && covers(text_of(e.data, "organizations"), wanted)) {
      best = sequence;
      out.cursor = std::move(cursor);
    }
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  if (c.options.full) out.cursor.clear();
  return out;
}

core::Result<void> record_cursor(ZendeskContext& c, const ExportCursor& cursor) {
  c.run.record(std::string(k_synced), {},
               {{"connector", c.connector.name},
                {"project", k_account_wide},
                {"organizations", organizations_of(c.connector)},
                {"ticket_cursor", cursor.cursor},
                {"sequence", cursor.sequence}});
  return c.run.flush();
}

core::Result<void> load_known_entries(ZendeskContext& c) {
  auto known = known_entries(c);
  if (!known) return tl::unexpected(known.error());
  c.known = std::move(*known);
  const auto prefix = c.connector.name + ":";
  for (const auto& [key, entry] : c.known) {
    auto at = key.find('@', prefix.size());
    if (at == std::string::npos) continue;
    c.keys_by_ticket[key.substr(prefix.size(), at - prefix.size())].push_back(key);
  }
  return {};
}

core::Result<void> import_time(ZendeskContext& c, const ZendeskTicket& ticket,
                               const inventory::ConnectorProject& project) {
  ++c.result.counts.entries_read;
  std::optional<std::string> request;
  if (auto it = c.requests.find(ticket.id); it != c.requests.end()) request = it->second.id;
  auto model = zendesk_time_model(ticket, c.connector, project, request, c.zone);
  if (c.zone.local_date(c.run.now()) < model.date) {
    c.result.warnings.push_back(fmt::format("connector {}: ticket {} was updated on {}, in the future: its time is "
                                            "not imported yet",
                                            c.connector.name, ticket.id, core::format_date(model.date)));
    return {};
  }
  auto& keys = c.keys_by_ticket[ticket.id];
  std::vector<contract::TimeEntry> known;
  for (const auto& key : keys) known.push_back(c.known.at(key));
  const auto stamp = static_cast<std::int64_t>(ticket.updated.time_since_epoch().count());
  // The seconds tma pushed into the total are hours tma already has.
  auto total = *ticket.time_total;
  if (auto pushed = c.pushed_seconds.find(ticket.id); pushed != c.pushed_seconds.end()) {
    total = std::max(core::Seconds{0}, total - pushed->second);
  }
  auto changes = reconcile_ticket_time(known, total, model,
                                       zendesk_entry_prefix(c.connector, ticket.id), stamp);
  for (auto& entry : changes) {
    if (auto recorded = contract::record_imported(c.import_run(), entry); !recorded) return recorded;
    if (entry.withdrawn) ++c.result.counts.entries_withdrawn;
    else if (entry.external_version == 1) ++c.result.counts.entries_added;
    else ++c.result.counts.entries_changed;
    const auto key = *entry.external;
    if (!c.known.count(key)) keys.push_back(key);
    c.known[key] = std::move(entry);
    if (auto committed = c.recorded(1); !committed) return committed;
  }
  return {};
}

core::Result<void> import_ticket(ZendeskContext& c, const nlohmann::json& item,
                                 const std::unordered_map<std::string, std::string>& users) {
  auto ticket = parse_zendesk_ticket(item, c.connector.import_time_entries ? c.connector.time_total_field : "");
  if (!ticket) {
    c.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", c.connector.name, ticket.error().message));
    return {};
  }
  // A deleted ticket keeps its request and hours as they were (as a deleted Redmine issue does).
  if (ticket->status == "deleted") return {};
  const inventory::ConnectorProject* project = nullptr;
  for (const auto& p : c.connector.projects) {
    if (p.project == ticket->organization_id) project = &p;
  }
  if (project == nullptr) return {}; // another organization's, or none
  // An exported incident's ticket, not a client's request (its time is tma's own too).
  if (is_tma_external_id(ticket->external_id)) return {};
  ++c.result.counts.issues_read;
  if (c.connector.import_issues) {
    std::string assignee;
    if (!ticket->assignee_id.empty()) {
      auto it = users.find(ticket->assignee_id);
      assignee = it != users.end() ? it->second : "Zendesk user " + ticket->assignee_id;
    }
    std::optional<request::Request> state;
    if (auto it = c.requests.find(ticket->id); it != c.requests.end()) state = it->second;
    auto change = request::record_import(c.import_run(), state,
                                         to_request(*ticket, c.connector, *project, std::move(assignee), c.zone),
                                         c.numbers, c.zone);
    if (change != request::ImportChange::none) {
      if (change == request::ImportChange::opened) ++c.result.counts.requests_opened;
      else ++c.result.counts.requests_updated;
      c.requests[ticket->id] = std::move(*state);
      if (auto committed = c.recorded(1); !committed) return committed;
    }
  }
  if (c.connector.import_time_entries && ticket->time_total) return import_time(c, *ticket, *project);
  return {};
}

/// Read the export from `from` (a cursor, or `start_time` when empty) to its end; the cursor to
/// go on from next time.
core::Result<std::string> import_tickets(ZendeskContext& c, const std::string& from) {
  Query query{{"include", "users"}};
  if (!from.empty()) {
    query.emplace_back("cursor", from);
  } else {
    long long start = 0;
    if (c.connector.import_since) start = c.zone.start_of_day(*c.connector.import_since).time_since_epoch().count();
    // Zendesk refuses a start_time less than a minute old.
    start = std::min<long long>(start, c.run.now().time_since_epoch().count() - 120);
    query.emplace_back("start_time", std::to_string(std::max(0LL, start)));
  }
  std::string position = from;
  for (;;) {
    auto page = c.api.get(k_export_path, query);
    if (!page) return tl::unexpected(page.error());
    std::unordered_map<std::string, std::string> users;
    for (const auto& user : array_of(*page, "users")) {
      const auto* id = member(user, "id");
      if (id != nullptr) users[zendesk_id(*id)] = text_of(user, "name");
    }
    for (const auto& item : array_of(*page, "tickets")) {
      if (auto imported = import_ticket(c, item, users); !imported) return tl::unexpected(imported.error());
    }
    auto after = text_of(*page, "after_cursor");
    if (!after.empty() && !is_cursor(after)) {
      return core::fail(core::ErrorKind::http, fmt::format("connector {}: GET {}: the after_cursor is malformed",
                                                           c.connector.name, k_export_path));
    }
    // Loop until end_of_stream; a page without a new cursor that is not the end would loop forever.
    const bool moved = !after.empty() && after != position;
    if (!after.empty()) position = after;
    if (bool_of(*page, "end_of_stream")) break;
    if (!moved) {
      return core::fail(core::ErrorKind::http, fmt::format("connector {}: GET {}: the export did not move its cursor "
                                                           "and is not at its end",
                                                           c.connector.name, k_export_path));
    }
    query = {{"include", "users"}, {"cursor", position}};
  }
  if (auto committed = c.commit(); !committed) return tl::unexpected(committed.error());
  return position;
}

} // namespace

SyncResult sync_zendesk(SyncState state, const std::string& token, transport::HttpClient& http) {
  ZendeskApi api(state.connector, token, http);
  ZendeskContext c(std::move(state), api);
  auto done = [&]() -> core::Result<void> {
    if (auto loaded = load_imported_requests(c); !loaded) return loaded;
    if (!c.connector.import_issues && !c.connector.import_time_entries) return export_zendesk(c);
    if (c.connector.import_time_entries) {
      if (auto loaded = load_known_entries(c); !loaded) return loaded;
      if (auto loaded = load_pushed_seconds(c); !loaded) return loaded;
    }
    auto cursor = read_cursor(c);
    if (!cursor) return tl::unexpected(cursor.error());
    auto position = import_tickets(c, cursor->cursor);
    if (!position) return tl::unexpected(position.error());
    // The cursor moves only once everything before it is committed; an unchanged one is not
    // recorded again (a sync that found nothing leaves no commit).
    if (*position != cursor->cursor || c.options.full) {
      if (auto recorded = record_cursor(c, {*position, cursor->sequence + 1}); !recorded) return recorded;
    }
    return export_zendesk(c);
  }();
  return finish_sync(c, api.requests(), done);
}

} // namespace tma::connectors::detail
