// `tma inventory check --connectors` for Trello (trello_check.hpp): only GETs, nothing written.
#include "connectors/trello_check.hpp"

#include <set>
#include <utility>

#include <fmt/format.h>

#include <tma/connectors/trello_mapping.hpp>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

std::vector<TrelloNamed> named(const nlohmann::json& listed) {
  std::vector<TrelloNamed> out;
  if (!listed.is_array()) return out;
  for (const auto& item : listed) {
    out.push_back({detail::text_of(item, "id"), detail::text_of(item, "name"), detail::bool_of(item, "closed")});
  }
  return out;
}

} // namespace

core::Result<void> check_trello(const inventory::Connector& connector, TrelloApi& api, MappingCheck& out) {
  auto problem = [&](const inventory::Mark& mark, const std::string& key, std::string message) {
    out.problems.push_back({mark, fmt::format("connectors.{}.{}", connector.name, key), std::move(message)});
  };
  // The key and token first: refused, they are one error rather than one per board.
  if (auto me = api.get("/members/me", {{"fields", "username"}}); !me) return tl::unexpected(me.error());
  std::set<std::string> list_names;
  std::set<std::string> label_names;
  for (const auto& project : connector.projects) {
    const auto key = "projects." + project.project;
    if (!is_trello_id(project.project)) { // the load refuses it; checked again before it reaches a URL
      problem(project.mark, key, fmt::format("'{}' is not a Trello board id", project.project));
      continue;
    }
    const auto path = "/boards/" + project.project;
    auto board = api.find(path, {{"fields", "name"}});
    if (!board) {
      // The token is good (above): a refusal here is this board's (Trello answers 401 for a board
      // not shared with the token's member).
      if (board.error().kind != core::ErrorKind::config) return tl::unexpected(board.error());
      board = std::optional<nlohmann::json>{};
    }
    if (!*board) {
      problem(project.mark, key,
              fmt::format("Trello has no board {}, or it is not shared with the token's member", project.project));
      continue;
    }
    auto lists = api.get(path + "/lists", {{"filter", "all"}, {"fields", "name,closed"}});
    if (!lists) return tl::unexpected(lists.error());
    auto labels = api.get(path + "/labels", {{"fields", "name"}, {"limit", "1000"}});
    if (!labels) return tl::unexpected(labels.error());
    const auto board_lists = named(*lists);
    for (const auto& list : board_lists) list_names.insert(list.name);
    for (const auto& label : named(*labels)) label_names.insert(label.name);
    if (!connector.export_incidents) continue;
    for (const auto& [name, wanted] : {std::pair{"incident_list", &connector.incident_list},
                                       std::pair{"done_list", &connector.done_list}}) {
      if (wanted->empty()) continue;
      if (auto resolved = resolve_trello_list(board_lists, *wanted, project.project); !resolved) {
        problem(project.mark, name, resolved.error().message);
      }
    }
  }
  for (const auto& [name, status] : connector.lists) {
    if (!list_names.count(name)) problem(connector.mark, "lists." + name, fmt::format("no mapped board has a list '{}'", name));
  }
  for (const auto& [name, meaning] : connector.labels) {
    if (!label_names.count(name)) {
      problem(connector.mark, "labels." + name, fmt::format("no mapped board has a label '{}'", name));
    }
  }
  return {};
}

} // namespace tma::connectors
