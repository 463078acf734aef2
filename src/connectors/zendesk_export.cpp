// Zendesk's side of the export (outbox.hpp runs the loops; docs/connectors.md, "Zendesk", Export):
// an incident becomes a ticket created with an `Idempotency-Key` and `external_id` `tma-<event id>`
// (found again by that external_id: the key expires after about 2 h); its follow-ups are comments
// added through `PUT /tickets/{id}` with the status change in the same write; hours are added to the
// Time Tracking app's total field with a private comment carrying the marker, in one write.
#include <chrono>
#include <set>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/connectors/sync.hpp>
#include <tma/connectors/zendesk_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>

#include "connectors/outbox.hpp"
#include "connectors/zendesk_context.hpp"

namespace tma::connectors::detail {

std::string zendesk_ticket_of(const ZendeskContext& c, const contract::TimeEntry& entry) {
  if (!entry.request) return {};
  for (const auto& [remote, request] : c.requests) {
    if ((request.id == *entry.request || request.number == *entry.request) && numeric_id(remote)) return remote;
  }
  return {};
}

core::Result<void> load_pushed_seconds(ZendeskContext& c) {
  // Every hours entry this connector pushed, or tried to (an attempt without acknowledgement is
  // mostly a write whose answer was lost): the whole journal, since a total keeps them for ever.
  journal::Filter filter;
  filter.types = {std::string(k_attempt), std::string(k_pushed)};
  std::set<std::string> entries;
  auto scanned = c.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != c.connector.name) return true;
    if (e.type == k_attempt ? text_of(e.data, "kind") == "time_entry" : member(e.data, "time_entry") != nullptr) {
      entries.insert(text_of(e.data, "event"));
    }
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  if (entries.empty()) return {};
  contract::EntryQuery query;
  for (const auto& p : c.connector.projects) query.clients.push_back(p.client);
  auto loaded = contract::load_entries(c.journal, query, c.zone);
  if (!loaded) return tl::unexpected(loaded.error());
  for (const auto& entry : loaded->entries) {
    if (!entries.count(entry.id)) continue;
    if (auto ticket = zendesk_ticket_of(c, entry); !ticket.empty()) c.pushed_seconds[ticket] += entry.duration;
  }
  return {};
}

namespace {

constexpr std::size_t k_max_subject = 255;
constexpr std::size_t k_max_comment = 65000; // Zendesk's comments take 64 KB
constexpr int k_page = 100;

/// The path of ticket `id` (from the outbox or the imported requests: checked, as the journal
/// travels between machines).
core::Result<std::string> ticket_path(const ZendeskContext& c, const std::string& id) {
  if (numeric_id(id)) return "/tickets/" + id;
  return core::fail(core::ErrorKind::config,
                    fmt::format("connector {}: the journal's ticket id '{}' is not a Zendesk ticket id", c.connector.name, id));
}

/// The id of the first comment of `ticket` whose body carries `mark`, page by page (cursor
/// pagination, §3.2 B); nullopt when none (or the ticket is gone: `gone` set).
core::Result<std::optional<std::string>> find_marked_comment(ZendeskContext& c, const std::string& ticket,
                                                             const std::string& mark, bool& gone) {
  auto path = ticket_path(c, ticket);
  if (!path) return tl::unexpected(path.error());
  Query query{{"page[size]", std::to_string(k_page)}};
  for (;;) {
    auto page = c.api.get_unless_gone(*path + "/comments", query, gone);
    if (!page) return tl::unexpected(page.error());
    if (gone) return std::optional<std::string>{};
    const auto& comments = array_of(*page, "comments");
    for (const auto& comment : comments) {
      if (text_of(comment, "body").find(mark) == std::string::npos) continue;
      const auto* id = member(comment, "id");
      return std::optional<std::string>(id != nullptr ? zendesk_id(*id) : ticket);
    }
    const auto& meta = object_of(*page, "meta");
    const auto after = text_of(meta, "after_cursor");
    if (comments.empty() || !bool_of(meta, "has_more") || after.empty()) return std::optional<std::string>{};
    query = {{"page[size]", std::to_string(k_page)}, {"page[after]", after}};
  }
}

class ZendeskIncidents final : public IncidentTarget {
public:
  explicit ZendeskIncidents(ZendeskContext& c) : m_c(c) {}

  core::Result<void> prepare() override { return {}; }

  core::Result<Lookup> find_created(const inventory::ConnectorProject&, const std::string& event_id,
                                    core::SysSeconds) override {
    // The ticket list by external_id is not a search index: a created ticket is in it at once.
    Lookup out;
    auto listed = m_c.api.get("/tickets", {{"external_id", zendesk_external_id(event_id)}});
    if (!listed) return tl::unexpected(listed.error());
    for (const auto& ticket : array_of(*listed, "tickets")) {
      const auto* id = member(ticket, "id");
      auto text = id != nullptr ? zendesk_id(*id) : std::string{};
      // external_id is not unique (§3.5): the first ticket created with it is the incident's.
      if (!text.empty() && text_of(ticket, "external_id") == zendesk_external_id(event_id)) {
        out.id = std::move(text);
        break;
      }
    }
    return out;
  }

  core::Result<std::string> create(const inventory::ConnectorProject& project, const incident::Incident& incident,
                                   const std::string& event_id) override {
    const auto& connector = m_c.connector;
    auto body = fmt::format("Incident {} opened by tma ({}) on {}{}.\n\nSite: {} ({})\nSeverity: {}", incident.id,
                            incident::to_string(incident.source), core::format_rfc3339_utc(incident.opened),
                            incident.opened_by.empty() ? "" : " by " + incident.opened_by, incident.site,
                            incident.env.empty() ? "-" : incident.env, inventory::to_string(incident.severity));
    const auto organization = numeric_id(project.project);
    if (!organization) {
      return core::fail(core::ErrorKind::config,
                        fmt::format("connector {}: '{}' is not a Zendesk organization id", connector.name, project.project));
    }
    nlohmann::json ticket{
        {"subject", with_marker_within(fmt::format("[{}] {}", incident.id, incident.title), "", k_max_subject)},
        {"comment",
         {{"body", with_marker_within(std::move(body), "\n\n" + marker(event_id), k_max_comment)},
          {"public", connector.public_comments}}},
        {"priority", zendesk_priority_for(connector, incident.severity)},
        {"type", "incident"},
        {"organization_id", *organization},
        {"external_id", zendesk_external_id(event_id)},
        {"tags", {"tma"}}};
    auto created = m_c.api.post("/tickets", {{"ticket", ticket}}, zendesk_idempotency_key(event_id));
    if (!created) return tl::unexpected(created.error());
    const auto* id = member(object_of(*created, "ticket"), "id");
    auto text = id != nullptr ? zendesk_id(*id) : std::string{};
    if (text.empty()) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /tickets: no ticket id in the answer", connector.name));
    }
    return text;
  }

  core::Result<bool> has_follow_up(const std::string& issue, const std::string& event_id) override {
    bool gone = false;
    auto found = find_marked_comment(m_c, issue, marker(event_id), gone);
    if (!found) return tl::unexpected(found.error());
    return found->has_value();
  }

  core::Result<bool> push_follow_up(const std::string& issue, const FollowUpText& follow_up,
                                    const std::string& event_id) override {
    auto path = ticket_path(m_c, issue);
    if (!path) return tl::unexpected(path.error());
    // The comment and the status travel in one update: a retry never finds one without the other.
    nlohmann::json ticket{{"comment",
                           {{"body", with_marker_within(follow_up.text, "\n\n" + marker(event_id), k_max_comment)},
                            {"public", m_c.connector.public_comments}}}};
    if (follow_up.kind == FollowUp::resolve) ticket["status"] = "solved";
    if (follow_up.kind == FollowUp::reopen) ticket["status"] = "open";
    bool gone = false;
    ZendeskRefusal refusal;
    auto updated = m_c.api.put(*path, {{"ticket", ticket}}, &gone, &refusal);
    if (!updated && refusal.closed_ticket()) {
      // A closed ticket takes no comment and cannot be reopened (§3.4): as good as gone for tma.
      m_c.result.warnings.push_back(fmt::format("connector {}: ticket {} is closed in Zendesk, which takes no more "
                                                "comments: the follow-up is not pushed (open a follow-up ticket by hand "
                                                "if the client must see it)",
                                                m_c.connector.name, issue));
      return false;
    }
    if (!updated) return tl::unexpected(updated.error());
    return !gone;
  }

  const char* tool() const override { return "Zendesk"; }

private:
  ZendeskContext& m_c;
};

class ZendeskHours final : public HoursTarget {
public:
  explicit ZendeskHours(ZendeskContext& c) : m_c(c) {}

  std::string cannot_push(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) override {
    const auto ticket = zendesk_ticket_of(m_c, entry);
    if (ticket.empty()) {
      return fmt::format("{} h of {} ({}) are on no Zendesk ticket: log them with --request of a request imported "
                         "from organization {}",
                         contract::format_decimal_hours(entry.duration), core::format_date(entry.date), entry.client,
                         project.project);
    }
    if (auto it = m_c.requests.find(ticket); it != m_c.requests.end() && it->second.status == request::Status::closed) {
      return fmt::format("{} h of {} ({}) are on ticket {}, closed in Zendesk: a closed ticket takes no more time "
                         "(log them on another request)",
                         contract::format_decimal_hours(entry.duration), core::format_date(entry.date), entry.client,
                         ticket);
    }
    return "";
  }

  core::Result<std::optional<std::string>> find_pushed(const inventory::ConnectorProject&,
                                                       const contract::TimeEntry& entry) override {
    bool gone = false;
    return find_marked_comment(m_c, zendesk_ticket_of(m_c, entry), marker(entry.id), gone);
  }

  core::Result<std::string> push(const inventory::ConnectorProject&, const contract::TimeEntry& entry) override {
    const auto ticket = zendesk_ticket_of(m_c, entry);
    auto path = ticket_path(m_c, ticket);
    if (!path) return tl::unexpected(path.error());
    // Read, add, write with safe_update: a concurrent change of the ticket (an agent's own time)
    // answers 409 instead of being overwritten; the ticket is read again and the write tried once more.
    for (int attempt = 1;; ++attempt) {
      ZendeskRefusal refusal;
      auto updated = add_time(*path, ticket, entry, refusal);
      if (updated || !refusal.conflict() || attempt == 2) return updated;
    }
  }

private:
  core::Result<std::string> add_time(const std::string& path, const std::string& ticket, const contract::TimeEntry& entry,
                                     ZendeskRefusal& refusal) {
    const auto& connector = m_c.connector;
    auto current = m_c.api.get(path);
    if (!current) return tl::unexpected(current.error());
    const auto& read = object_of(*current, "ticket");
    auto total = zendesk_added_seconds(zendesk_custom_field(read, connector.time_total_field), entry.duration);
    if (!total) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: ticket {}: the Time Tracking total (field {}) reads {}: not adding "
                                    "to it",
                                    connector.name, ticket, connector.time_total_field, total.error()));
    }
    auto fields = nlohmann::json::array();
    fields.push_back({{"id", std::stoll(connector.time_total_field)}, {"value", *total}});
    if (!connector.time_last_update_field.empty()) {
      fields.push_back({{"id", std::stoll(connector.time_last_update_field)},
                        {"value", std::to_string(entry.duration.count())}});
    }
    // Always an internal note: the marker proves the addition, and time is the agency's business.
    auto text = fmt::format("{} h logged in tma on {}: {}", contract::format_decimal_hours(entry.duration),
                            core::format_date(entry.date), entry.description);
    nlohmann::json change{{"custom_fields", fields},
                          {"comment", {{"body", with_marker_within(std::move(text), "\n\n" + marker(entry.id), k_max_comment)},
                                       {"public", false}}},
                          {"safe_update", true},
                          {"updated_stamp", text_of(read, "updated_at")}};
    auto done = m_c.api.put(path, {{"ticket", change}}, nullptr, &refusal);
    if (!done) {
      auto error = done.error();
      if (refusal.closed_ticket()) error.message += " (the ticket is closed: it takes no more time)";
      return tl::unexpected(std::move(error));
    }
    const auto* audit = member(object_of(*done, "audit"), "id");
    auto id = audit != nullptr ? zendesk_id(*audit) : std::string{};
    return id.empty() ? ticket : id;
  }

  ZendeskContext& m_c;
};

} // namespace

core::Result<void> export_zendesk(ZendeskContext& c) {
  ZendeskIncidents incidents(c);
  if (auto exported = export_incidents(c, incidents); !exported) return exported;
  ZendeskHours hours(c);
  return export_hours(c, hours);
}

} // namespace tma::connectors::detail
