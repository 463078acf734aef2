#include <tma/connectors/zendesk_mapping.hpp>

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

using detail::lower;
using detail::text_of;

core::Error bad(std::string_view id, std::string_view field) {
  return {core::ErrorKind::http,
          fmt::format("Zendesk ticket {}: '{}' is missing or malformed", id.empty() ? "?" : id, field)};
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// Digits without leading zeros that fit an int64: the one spelling of an id, so ids compare as text.
std::string canonical_id(std::string_view digits) {
  if (!all_digits(digits)) return {};
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  constexpr std::string_view k_int64_max = "9223372036854775807";
  if (digits.size() > k_int64_max.size() || (digits.size() == k_int64_max.size() && digits > k_int64_max)) return {};
  return std::string(digits);
}

/// The parts of a time entry key after the ticket's prefix: `<epoch>` or `<epoch>.<n>`.
std::pair<std::int64_t, int> key_order(const std::string& key, const std::string& prefix) {
  std::string_view rest(key);
  rest.remove_prefix(std::min(prefix.size(), rest.size()));
  std::int64_t stamp = 0;
  int part = 1;
  auto dot = rest.find('.');
  auto stamp_text = rest.substr(0, dot);
  if (all_digits(stamp_text) && stamp_text.size() <= 18) stamp = std::stoll(std::string(stamp_text));
  if (dot != std::string_view::npos) {
    auto part_text = rest.substr(dot + 1);
    if (all_digits(part_text) && part_text.size() < 6) part = std::stoi(std::string(part_text));
  }
  return {stamp, part};
}

} // namespace

std::string zendesk_id(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return canonical_id(std::to_string(value.get<std::uint64_t>()));
  if (value.is_number_integer()) {
    const auto n = value.get<std::int64_t>();
    return n < 0 ? std::string{} : std::to_string(n);
  }
  if (value.is_string()) return canonical_id(value.get<std::string>());
  return {};
}

tl::expected<core::SysSeconds, std::string> parse_zendesk_time(std::string_view text) {
  auto parsed = core::parse_rfc3339(text);
  if (!parsed) return tl::unexpected(fmt::format("'{}' is not a Zendesk time", text));
  return *parsed;
}

tl::expected<std::optional<core::Seconds>, std::string> parse_zendesk_seconds(const nlohmann::json& value) {
  if (value.is_null()) return std::optional<core::Seconds>{};
  std::string digits;
  if (value.is_number_unsigned()) digits = std::to_string(value.get<std::uint64_t>());
  else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) digits = std::to_string(value.get<std::int64_t>());
  else if (value.is_string()) {
    digits = value.get<std::string>();
    if (digits.empty()) return std::optional<core::Seconds>{};
  } else {
    return tl::unexpected(fmt::format("{} is not a number of seconds", value.dump()));
  }
  // Ten digits is over 300 years of work: anything longer is not a duration.
  if (!all_digits(digits) || digits.size() > 10) {
    return tl::unexpected(fmt::format("'{}' is not a whole number of seconds", digits));
  }
  return std::optional<core::Seconds>{core::Seconds(std::stoll(digits))};
}

core::Result<ZendeskTicket> parse_zendesk_ticket(const nlohmann::json& item, const std::string& total_field) {
  if (!item.is_object()) return tl::unexpected(bad("", "ticket"));
  ZendeskTicket ticket;
  const auto* id = detail::member(item, "id");
  ticket.id = id != nullptr ? zendesk_id(*id) : std::string{};
  if (ticket.id.empty()) return tl::unexpected(bad("", "id"));
  if (const auto* org = detail::member(item, "organization_id"); org != nullptr && !org->is_null()) {
    ticket.organization_id = zendesk_id(*org);
    if (ticket.organization_id.empty()) return tl::unexpected(bad(ticket.id, "organization_id"));
  }
  if (const auto* assignee = detail::member(item, "assignee_id"); assignee != nullptr && !assignee->is_null()) {
    ticket.assignee_id = zendesk_id(*assignee);
    if (ticket.assignee_id.empty()) return tl::unexpected(bad(ticket.id, "assignee_id"));
  }
  ticket.external_id = text_of(item, "external_id");
  ticket.subject = text_of(item, "subject");
  ticket.status = text_of(item, "status");
  if (ticket.status.empty()) return tl::unexpected(bad(ticket.id, "status"));
  ticket.priority = text_of(item, "priority");
  ticket.type = text_of(item, "type");
  auto created = parse_zendesk_time(text_of(item, "created_at"));
  if (!created) return tl::unexpected(bad(ticket.id, "created_at"));
  ticket.created = *created;
  ticket.updated_text = text_of(item, "updated_at");
  auto updated = parse_zendesk_time(ticket.updated_text);
  if (!updated) return tl::unexpected(bad(ticket.id, "updated_at"));
  ticket.updated = *updated;
  if (auto due = text_of(item, "due_at"); !due.empty()) {
    auto parsed = parse_zendesk_time(due);
    if (!parsed) return tl::unexpected(bad(ticket.id, "due_at"));
    ticket.due_at = *parsed;
  }
  if (!total_field.empty()) {
    for (const auto& field : detail::array_of(item, "custom_fields")) {
      const auto* field_id = detail::member(field, "id");
      if (field_id == nullptr || zendesk_id(*field_id) != total_field) continue;
      const auto* value = detail::member(field, "value");
      auto seconds = parse_zendesk_seconds(value != nullptr ? *value : nlohmann::json());
      if (!seconds) return tl::unexpected(bad(ticket.id, fmt::format("custom field {}", total_field)));
      ticket.time_total = *seconds;
    }
  }
  return ticket;
}

request::Status map_zendesk_status(std::string_view status) {
  if (status == "new") return request::Status::fresh;
  if (status == "pending") return request::Status::waiting_client;
  if (status == "solved") return request::Status::resolved;
  if (status == "closed") return request::Status::closed;
  return request::Status::in_progress; // open, hold (waiting for a third party), custom statuses
}

request::Priority map_zendesk_priority(std::string_view priority) {
  if (priority == "urgent") return request::Priority::urgent;
  if (priority == "high") return request::Priority::high;
  if (priority == "low") return request::Priority::low;
  return request::Priority::normal;
}

request::Category map_zendesk_category(const inventory::Connector& connector, std::string_view type) {
  if (auto it = connector.categories.find(std::string(type)); it != connector.categories.end()) {
    if (auto category = request::parse_category(it->second)) return *category;
  }
  const auto n = lower(type);
  if (n == "problem" || n == "incident") return request::Category::bug;
  if (n == "task") return request::Category::change;
  return request::Category::question;
}

std::string zendesk_ticket_url(const inventory::Connector& connector, const std::string& id) {
  return connector.url + "/agent/tickets/" + id;
}

request::ImportedRequest to_request(const ZendeskTicket& ticket, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project, std::string assignee,
                                    const core::TimeZone& zone) {
  request::ImportedRequest out;
  out.external = {connector.name, ticket.id, zendesk_ticket_url(connector, ticket.id), ticket.updated_text};
  out.client = project.client;
  out.site = project.site;
  out.title = ticket.subject.empty() ? fmt::format("Zendesk ticket #{}", ticket.id) : ticket.subject;
  out.priority = map_zendesk_priority(ticket.priority);
  out.category = map_zendesk_category(connector, ticket.type);
  out.status = map_zendesk_status(ticket.status);
  out.assignee = std::move(assignee);
  if (ticket.due_at) out.due = zone.local_date(*ticket.due_at);
  out.opened = ticket.created;
  out.updated = ticket.updated;
  return out;
}

std::string zendesk_entry_prefix(const inventory::Connector& connector, const std::string& ticket_id) {
  return connector.name + ":" + ticket_id + "@";
}

contract::TimeEntry zendesk_time_model(const ZendeskTicket& ticket, const inventory::Connector& connector,
                                       const inventory::ConnectorProject& project, std::optional<std::string> request,
                                       const core::TimeZone& zone) {
  contract::TimeEntry out;
  out.external_updated = ticket.updated_text;
  out.client = project.client;
  if (!project.site.empty()) out.site = project.site;
  out.date = zone.local_date(ticket.updated);
  out.description = ticket.subject.empty()
                        ? fmt::format("time tracked on ticket #{} ({})", ticket.id, connector.name)
                        : fmt::format("time tracked on ticket #{}: {} ({})", ticket.id, ticket.subject, connector.name);
  out.category = contract::Category::support;
  out.ticket = fmt::format("{}#{}", connector.name, ticket.id);
  out.request = std::move(request);
  out.billable = contract::Billable::yes;
  out.origin = contract::Origin::manual;
  return out;
}

std::vector<contract::TimeEntry> reconcile_ticket_time(const std::vector<contract::TimeEntry>& known,
                                                       core::Seconds total, const contract::TimeEntry& model,
                                                       const std::string& prefix, std::int64_t stamp) {
  std::vector<contract::TimeEntry> out;
  std::vector<const contract::TimeEntry*> active;
  core::Seconds sum{0};
  for (const auto& e : known) {
    if (e.withdrawn) continue;
    active.push_back(&e);
    sum += e.duration;
  }
  auto find = [&](const std::string& key) -> const contract::TimeEntry* {
    for (const auto& e : known) {
      if (e.external == key) return &e;
    }
    return nullptr;
  };
  if (total > sum) {
    // The difference was tracked since the last sync: dated on the ticket's last update, in parts of
    // at most 24 h (the longest entry tma takes), each under a key of its own.
    auto remainder = total - sum;
    for (int part = 1; remainder.count() > 0; ++part) {
      auto key = part == 1 ? fmt::format("{}{}", prefix, stamp) : fmt::format("{}{}.{}", prefix, stamp, part);
      const auto* previous = find(key);
      if (previous != nullptr && !previous->withdrawn) continue; // the same stamp seen before: the next part
      auto entry = model;
      entry.external = key;
      entry.duration = std::min(remainder, core::Seconds(contract::k_max_entry));
      entry.external_version = previous == nullptr ? 1 : previous->external_version + 1;
      remainder -= entry.duration;
      out.push_back(std::move(entry));
    }
    return out;
  }
  if (total < sum) {
    // Time taken back in Zendesk (a correction): the newest entries give it back first.
    std::sort(active.begin(), active.end(), [&](const contract::TimeEntry* a, const contract::TimeEntry* b) {
      return key_order(*a->external, prefix) > key_order(*b->external, prefix);
    });
    auto excess = sum - total;
    for (const auto* e : active) {
      if (excess.count() <= 0) break;
      auto entry = *e;
      entry.external_version = e->external_version + 1;
      entry.external_updated = model.external_updated;
      if (e->duration <= excess) {
        entry.withdrawn = true;
        entry.actor.clear();
        excess -= e->duration;
      } else {
        entry.duration = e->duration - excess;
        excess = core::Seconds{0};
      }
      out.push_back(std::move(entry));
    }
  }
  return out;
}

std::string zendesk_external_id(std::string_view event_id) { return fmt::format("tma-{}", event_id); }

bool is_tma_external_id(std::string_view external_id) {
  // The journal's event ids: hex run id, a dash, a sequence number (as Jira's labels).
  static const std::regex shape("tma-[0-9a-f]{8,32}-[0-9]{1,18}");
  return std::regex_match(external_id.begin(), external_id.end(), shape);
}

std::string zendesk_idempotency_key(std::string_view event_id) { return fmt::format("tma-{}-create", event_id); }

std::string zendesk_priority_for(const inventory::Connector& connector, inventory::Criticality severity) {
  if (auto it = connector.priorities.find(std::string(inventory::to_string(severity))); it != connector.priorities.end()) {
    return it->second;
  }
  switch (severity) {
  case inventory::Criticality::critical: return "urgent";
  case inventory::Criticality::major: return "high";
  default: return "normal";
  }
}

nlohmann::json zendesk_custom_field(const nlohmann::json& ticket, const std::string& field) {
  for (const auto& item : detail::array_of(ticket, "custom_fields")) {
    const auto* id = detail::member(item, "id");
    if (id == nullptr || zendesk_id(*id) != field) continue;
    const auto* value = detail::member(item, "value");
    return value != nullptr ? *value : nlohmann::json();
  }
  return nlohmann::json();
}

tl::expected<std::string, std::string> zendesk_added_seconds(const nlohmann::json& current, core::Seconds added) {
  auto seconds = parse_zendesk_seconds(current);
  if (!seconds) return tl::unexpected(seconds.error());
  const auto before = seconds->value_or(core::Seconds{0});
  return std::to_string((before + added).count());
}

} // namespace tma::connectors
