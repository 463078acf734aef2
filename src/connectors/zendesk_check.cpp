// The read-only mapping check of a Zendesk connector (zendesk_check.hpp; docs/connectors.md,
// "Zendesk"): the ids the inventory names are asked of Zendesk before a sync relies on them.
#include "connectors/zendesk_check.hpp"

#include <map>

#include <fmt/format.h>

#include <tma/connectors/zendesk_mapping.hpp>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

constexpr const char* k_page_size = "100";

/// Every organization id of the account, page by page (cursor pagination, §3.2 B).
core::Result<std::map<std::string, std::string>> organizations(ZendeskApi& api) {
  std::map<std::string, std::string> out;
  Query query{{"page[size]", k_page_size}};
  for (;;) {
    auto page = api.get("/organizations", query);
    if (!page) return tl::unexpected(page.error());
    const auto& listed = detail::array_of(*page, "organizations");
    for (const auto& org : listed) {
      const auto* id = detail::member(org, "id");
      if (id != nullptr) out[zendesk_id(*id)] = detail::text_of(org, "name");
    }
    const auto& meta = detail::object_of(*page, "meta");
    const auto after = detail::text_of(meta, "after_cursor");
    if (listed.empty() || !detail::bool_of(meta, "has_more") || after.empty()) return out;
    query = {{"page[size]", k_page_size}, {"page[after]", after}};
  }
}

} // namespace

core::Result<void> check_zendesk(const inventory::Connector& connector, ZendeskApi& api, MappingCheck& out) {
  auto problem = [&](const inventory::Mark& mark, const std::string& key, std::string message) {
    out.problems.push_back({mark, fmt::format("connectors.{}.{}", connector.name, key), std::move(message)});
  };
  // The token first: a refused one says so once, rather than once per organization.
  if (auto me = api.get("/users/me"); !me) return tl::unexpected(me.error());
  auto orgs = organizations(api);
  if (!orgs) return tl::unexpected(orgs.error());
  for (const auto& project : connector.projects) {
    if (!orgs->count(project.project)) {
      problem(project.mark, "projects." + project.project,
              fmt::format("Zendesk has no organization {}, or the token's agent cannot see it", project.project));
    }
  }
  if (connector.time_total_field.empty() && connector.time_last_update_field.empty()) return {};
  auto fields = api.get("/ticket_fields");
  if (!fields) return tl::unexpected(fields.error());
  std::map<std::string, std::string> types; // field id -> type, active fields only
  for (const auto& field : detail::array_of(*fields, "ticket_fields")) {
    const auto* id = detail::member(field, "id");
    const auto* active = detail::member(field, "active");
    if (id == nullptr || (active != nullptr && active->is_boolean() && !active->get<bool>())) continue;
    types[zendesk_id(*id)] = detail::text_of(field, "type");
  }
  for (const auto& [key, id] : {std::pair<const char*, const std::string&>{"time_fields.total", connector.time_total_field},
                                std::pair<const char*, const std::string&>{"time_fields.last_update",
                                                                           connector.time_last_update_field}}) {
    if (id.empty()) continue;
    auto it = types.find(id);
    if (it == types.end()) {
      problem(connector.mark, key, fmt::format("Zendesk has no active ticket field {} (is the Time Tracking app installed?)", id));
    } else if (it->second != "integer" && it->second != "decimal") {
      problem(connector.mark, key, fmt::format("Zendesk's ticket field {} is of type '{}', not a number of seconds", id, it->second));
    }
  }
  return {};
}

} // namespace tma::connectors
