#pragma once
// Trello's cards in tma's vocabulary (docs/connectors.md, "Trello"). Pure: parsing of the REST API's
// JSON, the creation time an ObjectId carries, and the mappings: a card's list gives the request's
// status, its labels the priority and category, its members the assignee.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/request/request.hpp>

namespace tma::connectors {

/// A card as `GET /boards/{id}/cards` or `GET /cards/{id}` gives it, with the fields tma asks for.
struct TrelloCard {
  std::string id;       ///< 24 hex digits
  std::string board;    ///< idBoard
  std::string list;     ///< idList
  std::string name;
  bool closed = false;  ///< archived
  std::vector<std::string> labels;  ///< label names, in the card's order (unnamed labels left out)
  std::vector<std::string> members; ///< members' full names (`members=true`)
  std::optional<core::SysSeconds> due;
  core::SysSeconds created{};       ///< from the id
  core::SysSeconds last_activity{};
  std::string last_activity_text;   ///< as Trello wrote it
  std::string short_url;            ///< `https://trello.com/c/<shortLink>`
  std::string desc;                 ///< the description (`[tma:…]` in it: a card tma created)
};

/// Whether `text` is a Trello ObjectId: 24 lowercase hexadecimal digits.
bool is_trello_id(std::string_view text);
/// The creation time an ObjectId carries in its first 8 hex digits (UNIX seconds).
std::optional<core::SysSeconds> trello_id_time(std::string_view id);

/// Parse one card. Errors (ErrorKind::http) name the card and the field.
core::Result<TrelloCard> parse_trello_card(const nlohmann::json& item);

/// A card's status: archived -> closed; else `connector.lists[list name]`; else by the list's name
/// (done, closed, complete, resolved -> resolved; doing, progress, review -> in_progress; waiting,
/// pending, blocked, feedback -> waiting_client; anything else -> new).
request::Status map_trello_status(const inventory::Connector& connector, std::string_view list_name, bool closed);

/// What a card's labels say: the highest priority among them (normal when none) and the first
/// category (question when none). A label counts through `connector.labels[name]`, else when its
/// name is a priority or category name itself (`urgent`, `bug`, case-insensitive).
struct TrelloLabelMeaning {
  request::Priority priority = request::Priority::normal;
  request::Category category = request::Category::question;
};
TrelloLabelMeaning map_trello_labels(const inventory::Connector& connector, const std::vector<std::string>& labels);

/// The request a card becomes; `list_name` is its list's, dates are the agency's `zone`'s.
request::ImportedRequest to_request(const TrelloCard& card, std::string_view list_name,
                                    const inventory::Connector& connector, const inventory::ConnectorProject& project,
                                    const core::TimeZone& zone);

// --- export (tma's incidents -> cards) ----------------------------------------------------------

/// A list or label of a board, as `GET /boards/{id}/lists` or `/labels` gives it.
struct TrelloNamed {
  std::string id;
  std::string name;
  bool closed = false; ///< an archived list
};

/// The id of the list `wanted` names on a board whose lists are `lists`: `wanted` is a list id of
/// that board, else the name of exactly one of its open lists. Errors (config) say which.
core::Result<std::string> resolve_trello_list(const std::vector<TrelloNamed>& lists, const std::string& wanted,
                                              const std::string& board);

/// The request priority an incident's severity reads as: critical -> urgent, major -> high, minor
/// -> normal.
request::Priority trello_priority_for(inventory::Criticality severity);

/// The id of the board label that says `priority`: one `connector.labels` maps to it, else one named
/// like it (`urgent`, case-insensitive, as the import reads them); "" when none.
std::string trello_label_for(const inventory::Connector& connector, request::Priority priority,
                             const std::vector<TrelloNamed>& labels);

/// Whether the text of a card's description or comment carries `mark` as tma wrote it.
bool carries_marker(std::string_view text, std::string_view mark);

} // namespace tma::connectors
