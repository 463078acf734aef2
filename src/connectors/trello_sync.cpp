// A Trello connector's sync (docs/connectors.md, "Trello"): cards of the mapped boards -> requests.
// The first sync lists every card of a board (archived ones too); later ones read the board's
// actions since the newest action seen (the cursor, an action id), newest first and paged back with
// `before`, and fetch only the cards those actions name. A deleteCard action closes the request.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <tma/connectors/trello_api.hpp>
#include <tma/connectors/redmine_mapping.hpp> // is_tma_created
#include <tma/connectors/trello_mapping.hpp>
#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

#include "connectors/trello_context.hpp"

namespace tma::connectors::detail {
namespace {

constexpr std::size_t k_actions_page = 1000; // Trello's most per page
/// Beyond this many changed cards, the board's cards are listed once instead of fetched one by one
/// (Trello allows 100 requests per 10 s per token).
constexpr std::size_t k_card_fetch_max = 40;
// `desc`: a card tma created carries its marker there, and is not imported back as a request.
const char* const k_card_fields = "name,desc,closed,idBoard,idList,labels,due,dateLastActivity,shortUrl";

/// The board's lists: id -> name (archived lists too: their cards are still the board's).
using Lists = std::map<std::string, std::string>;

/// The newest action id imported for `board` ("" before the first sync, or with --full).
core::Result<std::string> read_cursor(const TrelloContext& c, const std::string& board) {
  journal::Filter filter;
  filter.types = {std::string(k_synced)};
  std::string cursor;
  // The furthest, as for Redmine and Jira; ObjectIds of one length compare as text like numbers.
  auto scanned = c.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != c.connector.name || text_of(e.data, "project") != board) return true;
    auto since = text_of(e.data, "actions_since");
    if (is_trello_id(since)) cursor = std::max(cursor, since); // journals are synced: checked, not trusted
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  if (c.options.full) cursor.clear();
  return cursor;
}

core::Result<Lists> board_lists(TrelloContext& c, const std::string& board) {
  auto listed = c.api.get("/boards/" + board + "/lists", {{"filter", "all"}, {"fields", "name"}});
  if (!listed) return tl::unexpected(listed.error());
  Lists out;
  for (const auto& list : *listed) out[text_of(list, "id")] = text_of(list, "name");
  return out;
}

core::Result<void> import_card(TrelloContext& c, const inventory::ConnectorProject& project, const Lists& lists,
                               const TrelloCard& card) {
  ++c.result.counts.issues_read;
  std::optional<request::Request> state;
  if (auto it = c.requests.find(card.id); it != c.requests.end()) state = it->second;
  const auto list = lists.find(card.list);
  auto imported = to_request(card, list == lists.end() ? std::string_view{} : list->second, c.connector, project, c.zone);
  auto change = request::record_import(c.import_run(), state, imported, c.numbers, c.zone);
  if (change == request::ImportChange::none) return {};
  if (change == request::ImportChange::opened) ++c.result.counts.requests_opened;
  else ++c.result.counts.requests_updated;
  c.requests[card.id] = std::move(*state);
  return c.recorded(1);
}

/// A card deleted in Trello: its request, if imported and still open, is closed (a request is never
/// removed from the journal).
core::Result<void> close_deleted(TrelloContext& c, const std::string& card_id, const std::string& at_text) {
  auto it = c.requests.find(card_id);
  if (it == c.requests.end() || it->second.status == request::Status::closed) return {};
  const auto& known = it->second;
  request::ImportedRequest imported;
  imported.external = known.external.value_or(request::External{c.connector.name, card_id, "", ""});
  imported.external.updated_on = at_text;
  imported.client = known.client;
  imported.site = known.site;
  imported.title = known.title;
  imported.priority = known.priority;
  imported.category = known.category;
  imported.status = request::Status::closed;
  imported.assignee = known.assignee;
  imported.due = known.due;
  imported.opened = known.opened;
  imported.updated = core::parse_rfc3339(at_text).value_or(c.run.now());
  std::optional<request::Request> state = known;
  if (request::record_import(c.import_run(), state, imported, c.numbers, c.zone) == request::ImportChange::none) {
    return {};
  }
  ++c.result.counts.requests_updated;
  it->second = std::move(*state);
  return c.recorded(1);
}

/// Parse and import `items` (cards) of `board`; `keep` decides which (by id).
core::Result<void> import_cards(TrelloContext& c, const inventory::ConnectorProject& project, const Lists& lists,
                                const nlohmann::json& items, const std::function<bool(const TrelloCard&)>& keep) {
  for (const auto& item : items) {
    auto card = parse_trello_card(item);
    if (!card) {
      c.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", c.connector.name, card.error().message));
      continue;
    }
    // A card moved to another board is that board's (imported there when it is mapped); a card tma
    // created for an incident is the incident's, not a client's request.
    if (card->board != project.project || is_tma_created(card->desc) || !keep(*card)) continue;
    if (auto imported = import_card(c, project, lists, *card); !imported) return imported;
  }
  return {};
}

core::Result<nlohmann::json> all_cards(TrelloContext& c, const std::string& board) {
  // `all`: archived cards and cards of archived lists too (their requests become closed).
  return c.api.get("/boards/" + board + "/cards/all", {{"fields", k_card_fields}, {"members", "true"}});
}

/// First sync (or --full): every card of the board. Returns the cursor: the newest action, read
/// before the cards so that a change made meanwhile is read again next time.
core::Result<std::string> import_board(TrelloContext& c, const inventory::ConnectorProject& project,
                                       const Lists& lists) {
  auto newest = c.api.get("/boards/" + project.project + "/actions",
                          {{"limit", "1"}, {"fields", "type"}, {"memberCreator", "false"}});
  if (!newest) return tl::unexpected(newest.error());
  std::string cursor;
  if (newest->is_array() && !newest->empty() && is_trello_id(text_of(newest->front(), "id"))) {
    cursor = text_of(newest->front(), "id");
  }
  auto cards = all_cards(c, project.project);
  if (!cards) return tl::unexpected(cards.error());
  std::optional<core::SysSeconds> since;
  if (c.connector.import_since) since = c.zone.start_of_day(*c.connector.import_since);
  auto imported = import_cards(c, project, lists, *cards, [&](const TrelloCard& card) {
    return !since || card.last_activity >= *since || c.requests.count(card.id) > 0;
  });
  if (!imported) return tl::unexpected(imported.error());
  return cursor;
}

/// What the board's actions since the cursor say.
struct Changes {
  std::vector<std::string> changed;           ///< card ids, newest change first, each once
  std::map<std::string, std::string> deleted; ///< card id -> when (Trello's text)
  std::string newest;                         ///< the newest action id ("" when none)
};

core::Result<Changes> read_changes(TrelloContext& c, const std::string& board, const std::string& since) {
  Changes out;
  std::set<std::string> seen;
  std::string before;
  for (;;) {
    Query query{{"since", since},
                {"limit", std::to_string(k_actions_page)},
                {"fields", "type,date,data"},
                {"memberCreator", "false"}};
    if (!before.empty()) query.emplace_back("before", before);
    auto page = c.api.get("/boards/" + board + "/actions", query);
    if (!page) return tl::unexpected(page.error());
    if (!page->is_array()) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: GET /boards/{}/actions: the answer is not a list", c.connector.name, board));
    }
    std::string oldest;
    for (const auto& action : *page) {
      const auto id = text_of(action, "id");
      if (!is_trello_id(id)) continue;
      out.newest = std::max(out.newest, id);
      oldest = oldest.empty() ? id : std::min(oldest, id);
      const auto type = text_of(action, "type");
      const auto card = text_of(object_of(object_of(action, "data"), "card"), "id");
      // Comments change nothing tma imports; actions about lists or the board name no card.
      if (!is_trello_id(card) || type == "commentCard") continue;
      if (type == "deleteCard") {
        out.deleted.emplace(card, text_of(action, "date"));
        continue;
      }
      if (seen.insert(card).second) out.changed.push_back(card);
    }
    if (page->size() < k_actions_page || oldest.empty() || oldest == before) break;
    before = oldest; // newest first: page back from the oldest received
  }
  return out;
}

/// Later syncs: the cards the board's actions since `cursor` name. Returns the new cursor.
core::Result<std::string> import_changes(TrelloContext& c, const inventory::ConnectorProject& project,
                                         const Lists& lists, const std::string& cursor) {
  auto changes = read_changes(c, project.project, cursor);
  if (!changes) return tl::unexpected(changes.error());
  std::vector<std::string> wanted;
  for (const auto& id : changes->changed) {
    if (!changes->deleted.count(id)) wanted.push_back(id);
  }
  if (wanted.size() > k_card_fetch_max) {
    auto cards = all_cards(c, project.project);
    if (!cards) return tl::unexpected(cards.error());
    const std::set<std::string> set(wanted.begin(), wanted.end());
    auto imported = import_cards(c, project, lists, *cards, [&](const TrelloCard& card) { return set.count(card.id) > 0; });
    if (!imported) return tl::unexpected(imported.error());
  } else {
    for (const auto& id : wanted) {
      auto found = c.api.find("/cards/" + id, {{"fields", k_card_fields}, {"members", "true"}});
      if (!found) return tl::unexpected(found.error());
      if (!*found) { // deleted since its action was listed: the deleteCard comes next time
        continue;
      }
      auto imported = import_cards(c, project, lists, nlohmann::json::array({**found}), [](const TrelloCard&) { return true; });
      if (!imported) return tl::unexpected(imported.error());
    }
  }
  for (const auto& [id, at] : changes->deleted) {
    if (auto closed = close_deleted(c, id, at); !closed) return tl::unexpected(closed.error());
  }
  return changes->newest.empty() ? cursor : std::max(cursor, changes->newest);
}

core::Result<void> sync_board(TrelloContext& c, const inventory::ConnectorProject& project) {
  auto cursor = read_cursor(c, project.project);
  if (!cursor) return tl::unexpected(cursor.error());
  auto lists = board_lists(c, project.project);
  if (!lists) return tl::unexpected(lists.error());
  auto next = cursor->empty() ? import_board(c, project, *lists) : import_changes(c, project, *lists, *cursor);
  if (!next) return tl::unexpected(next.error());
  // The cursor moves only once everything before it is committed.
  if (auto committed = c.commit(); !committed) return committed;
  if (*next == *cursor && !c.options.full) return {};
  c.run.record(std::string(k_synced), {project.site, "", project.client},
               {{"connector", c.connector.name}, {"project", project.project}, {"actions_since", *next}});
  return c.run.flush();
}

/// The key and token, resolved and checked: they go into a header.

} // namespace

SyncResult sync_trello(SyncState state, const std::string& token, transport::HttpClient& http) {
  auto key = resolve_trello_key(state.connector, token);
  if (!key) {
    auto error = key.error();
    error.message = core::redact(error.message);
    state.result.error = std::move(error);
    return state.result;
  }
  TrelloApi api(state.connector, *key, token, http);
  TrelloContext c(std::move(state), api);
  auto done = [&]() -> core::Result<void> {
    // Proves the key and the token before any board (their errors say which is wrong).
    if (auto me = c.api.get("/members/me", {{"fields", "username"}}); !me) return tl::unexpected(me.error());
    if (auto loaded = load_imported_requests(c); !loaded) return loaded;
    std::optional<core::Error> first;
    if (c.connector.import_issues) {
      for (const auto& project : c.connector.projects) {
        if (auto synced = sync_board(c, project); !synced) {
          // One board failing (deleted, not shared) does not hold back the others.
          if (!first) first = synced.error();
          else c.result.warnings.push_back(synced.error().message);
        }
      }
    }
    if (first) return tl::unexpected(*first);
    return export_trello(c);
  }();
  return finish_sync(c, api.requests(), done);
}

} // namespace tma::connectors::detail
