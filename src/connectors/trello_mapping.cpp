#include <tma/connectors/trello_mapping.hpp>

#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

using detail::lower;
using detail::text_of;

core::Error bad(std::string_view id, std::string_view field) {
  return {core::ErrorKind::http, fmt::format("Trello card {}: '{}' is missing or malformed", id.empty() ? "?" : id, field)};
}

bool contains_any(const std::string& text, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return text.find(w) != std::string::npos; });
}

} // namespace

bool is_trello_id(std::string_view text) {
  return text.size() == 24 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<core::SysSeconds> trello_id_time(std::string_view id) {
  if (!is_trello_id(id)) return std::nullopt;
  long long seconds = 0;
  for (char c : id.substr(0, 8)) seconds = seconds * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
  return core::SysSeconds(core::Seconds(seconds));
}

core::Result<TrelloCard> parse_trello_card(const nlohmann::json& item) {
  if (!item.is_object()) return tl::unexpected(bad("", "card"));
  TrelloCard card;
  card.id = text_of(item, "id");
  auto created = trello_id_time(card.id);
  if (!created) return tl::unexpected(bad("", "id"));
  card.created = *created;
  card.board = text_of(item, "idBoard");
  if (!is_trello_id(card.board)) return tl::unexpected(bad(card.id, "idBoard"));
  card.list = text_of(item, "idList");
  if (!is_trello_id(card.list)) return tl::unexpected(bad(card.id, "idList"));
  card.name = text_of(item, "name");
  card.desc = text_of(item, "desc");
  card.closed = detail::bool_of(item, "closed");
  for (const auto& label : detail::array_of(item, "labels")) {
    if (auto name = text_of(label, "name"); !name.empty()) card.labels.push_back(std::move(name));
  }
  for (const auto& member : detail::array_of(item, "members")) {
    auto name = text_of(member, "fullName");
    if (name.empty()) name = text_of(member, "username");
    if (!name.empty()) card.members.push_back(std::move(name));
  }
  if (auto due = text_of(item, "due"); !due.empty()) {
    auto parsed = core::parse_rfc3339(due);
    if (!parsed) return tl::unexpected(bad(card.id, "due"));
    card.due = *parsed;
  }
  card.last_activity_text = text_of(item, "dateLastActivity");
  auto activity = core::parse_rfc3339(card.last_activity_text);
  if (!activity) return tl::unexpected(bad(card.id, "dateLastActivity"));
  card.last_activity = *activity;
  // The link goes into the journal and in front of people: Trello's own shape, else one built from
  // the id (Trello opens `/c/<card id>` too).
  card.short_url = text_of(item, "shortUrl");
  static const std::regex link_shape("https://trello\\.com/c/[A-Za-z0-9]{1,32}");
  if (!std::regex_match(card.short_url, link_shape)) card.short_url = "https://trello.com/c/" + card.id;
  return card;
}

request::Status map_trello_status(const inventory::Connector& connector, std::string_view list_name, bool closed) {
  if (closed) return request::Status::closed;
  if (auto it = connector.lists.find(std::string(list_name)); it != connector.lists.end()) {
    if (auto status = request::parse_status(it->second)) return *status;
  }
  const auto n = lower(list_name);
  if (contains_any(n, {"done", "closed", "complete", "resolved", "finished"})) return request::Status::resolved;
  if (contains_any(n, {"waiting", "pending", "blocked", "feedback"})) return request::Status::waiting_client;
  if (contains_any(n, {"doing", "progress", "review", "testing"})) return request::Status::in_progress;
  return request::Status::fresh;
}

TrelloLabelMeaning map_trello_labels(const inventory::Connector& connector, const std::vector<std::string>& labels) {
  TrelloLabelMeaning out;
  bool has_category = false;
  for (const auto& label : labels) {
    auto meaning = lower(label);
    if (auto it = connector.labels.find(label); it != connector.labels.end()) meaning = it->second;
    if (auto priority = request::parse_priority(meaning)) {
      out.priority = std::max(out.priority, *priority); // declared low .. urgent
    } else if (auto category = request::parse_category(meaning); category && !has_category) {
      out.category = *category;
      has_category = true;
    }
  }
  return out;
}

request::ImportedRequest to_request(const TrelloCard& card, std::string_view list_name,
                                    const inventory::Connector& connector, const inventory::ConnectorProject& project,
                                    const core::TimeZone& zone) {
  request::ImportedRequest out;
  out.external = {connector.name, card.id, card.short_url, card.last_activity_text};
  out.client = project.client;
  out.site = project.site;
  out.title = card.name;
  const auto meaning = map_trello_labels(connector, card.labels);
  out.priority = meaning.priority;
  out.category = meaning.category;
  out.status = map_trello_status(connector, list_name, card.closed);
  out.assignee = fmt::format("{}", fmt::join(card.members, ", "));
  if (card.due) out.due = zone.local_date(*card.due);
  out.opened = card.created;
  out.updated = std::max(card.last_activity, card.created);
  return out;
}

core::Result<std::string> resolve_trello_list(const std::vector<TrelloNamed>& lists, const std::string& wanted,
                                              const std::string& board) {
  if (is_trello_id(wanted)) {
    for (const auto& list : lists) {
      if (list.id == wanted) return list.id;
    }
    return core::fail(core::ErrorKind::config, fmt::format("the list {} is not a list of board {}", wanted, board));
  }
  std::string found;
  for (const auto& list : lists) {
    if (list.closed || list.name != wanted) continue;
    if (!found.empty()) {
      return core::fail(core::ErrorKind::config,
                        fmt::format("board {} has several open lists named '{}': give the list's id", board, wanted));
    }
    found = list.id;
  }
  if (found.empty()) {
    return core::fail(core::ErrorKind::config, fmt::format("board {} has no open list named '{}'", board, wanted));
  }
  return found;
}

request::Priority trello_priority_for(inventory::Criticality severity) {
  switch (severity) {
  case inventory::Criticality::critical: return request::Priority::urgent;
  case inventory::Criticality::major: return request::Priority::high;
  default: return request::Priority::normal;
  }
}

std::string trello_label_for(const inventory::Connector& connector, request::Priority priority,
                             const std::vector<TrelloNamed>& labels) {
  const auto wanted = std::string(request::to_string(priority));
  for (const auto& label : labels) {
    if (auto it = connector.labels.find(label.name); it != connector.labels.end() && it->second == wanted) return label.id;
  }
  for (const auto& label : labels) {
    // A label the mapping gives another meaning does not count by its name.
    if (connector.labels.count(label.name) == 0 && lower(label.name) == wanted) return label.id;
  }
  return "";
}

bool carries_marker(std::string_view text, std::string_view mark) {
  return !mark.empty() && text.find(mark) != std::string_view::npos;
}

} // namespace tma::connectors
