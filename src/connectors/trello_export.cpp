// Trello's side of the export (outbox.hpp runs the loop; docs/connectors.md, "Trello"): an incident
// becomes a card in the board's `incident_list` whose description ends with the marker; a note or an
// acknowledgement a comment ending with the marker; a resolution the comment then a move to
// `done_list`, a reopening the comment then a move back. Trello has no idempotency key and no time
// tracking: cards and comments are found again by their marker, and hours stay in tma.
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp> // marker
#include <tma/connectors/trello_mapping.hpp>

#include "connectors/outbox.hpp"
#include "connectors/trello_context.hpp"

namespace tma::connectors::detail {
namespace {

/// Trello's limits on a card's name and description and on a comment (16,384 characters).
constexpr std::size_t k_max_text = 16384;
constexpr std::size_t k_actions_page = 1000; // Trello's most per page

/// What tma needs of one board: the lists incidents' cards go to, and its labels.
struct BoardLists {
  std::string incident_list; ///< id
  std::string done_list;     ///< id
  std::vector<TrelloNamed> labels;
};

/// The list and label names of a Trello answer (`[{id, name, closed}]`), the ids checked.
std::vector<TrelloNamed> named_items(const nlohmann::json& listed) {
  std::vector<TrelloNamed> out;
  if (!listed.is_array()) return out;
  for (const auto& item : listed) {
    auto id = text_of(item, "id");
    if (is_trello_id(id)) out.push_back({id, text_of(item, "name"), bool_of(item, "closed")});
  }
  return out;
}

class TrelloIncidents final : public IncidentTarget {
public:
  explicit TrelloIncidents(TrelloContext& c) : m_c(c) {}

  core::Result<void> prepare() override {
    // The kind of each follow-up event (a resolution is done only once its card has moved too):
    // has_follow_up is given the event's id alone.
    journal::Filter filter;
    filter.types = {"incident."};
    for (const auto& p : m_c.connector.projects) filter.clients.push_back(p.client);
    filter.since = m_c.run.now() - k_export_lookback;
    auto events = journal::read_events(m_c.journal, filter);
    if (!events) return tl::unexpected(events.error());
    for (const auto& e : *events) {
      if (auto follow_up = follow_up_of(e)) m_kinds[e.id] = follow_up->kind;
    }
    return {};
  }

  core::Result<Lookup> find_created(const inventory::ConnectorProject& project, const std::string& event_id,
                                    core::SysSeconds) override {
    // The board's cards, archived ones too, listed at once: Trello's search index lags behind
    // writes, a board's card list does not, so a card not listed was not created.
    auto cards = m_c.api.get("/boards/" + project.project + "/cards/all", {{"fields", "desc"}});
    if (!cards) return tl::unexpected(cards.error());
    Lookup out;
    const auto mark = marker(event_id);
    if (!cards->is_array()) return out;
    for (const auto& card : *cards) {
      auto id = text_of(card, "id");
      if (is_trello_id(id) && carries_marker(text_of(card, "desc"), mark)) {
        out.id = id;
        break;
      }
    }
    return out;
  }

  core::Result<std::string> create(const inventory::ConnectorProject& project, const incident::Incident& incident,
                                   const std::string& event_id) override {
    auto board = board_of(project.project);
    if (!board) return tl::unexpected(board.error());
    auto description =
        fmt::format("Incident {} opened by tma ({}) on {}{}.\n\nSite: {} ({})\nSeverity: {}", incident.id,
                    incident::to_string(incident.source), core::format_rfc3339_utc(incident.opened),
                    incident.opened_by.empty() ? "" : " by " + incident.opened_by, incident.site,
                    incident.env.empty() ? "-" : incident.env, inventory::to_string(incident.severity));
    nlohmann::json card{{"idList", (*board)->incident_list},
                        {"name", with_marker_within(fmt::format("[{}] {}", incident.id, incident.title), "", k_max_text)},
                        {"desc", with_marker_within(description, "\n\n" + marker(event_id), k_max_text)},
                        {"pos", "top"}};
    if (auto label = trello_label_for(m_c.connector, trello_priority_for(incident.severity), (*board)->labels);
        !label.empty()) {
      card["idLabels"] = nlohmann::json::array({label});
    }
    auto created = m_c.api.post("/cards", card);
    if (!created) return tl::unexpected(created.error());
    auto id = text_of(*created, "id");
    if (!is_trello_id(id)) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /cards: no card id in the answer", m_c.connector.name));
    }
    return id;
  }

  core::Result<bool> has_follow_up(const std::string& card, const std::string& event_id) override {
    if (auto checked = check_card(card); !checked) return tl::unexpected(checked.error());
    auto commented = has_comment(card, marker(event_id));
    if (!commented) return tl::unexpected(commented.error());
    if (!*commented) return false;
    const auto kind = kind_of(event_id);
    if (kind == FollowUp::note) return true;
    // The comment is there; the move may not be (stopped in between): done only once the card is
    // where the follow-up puts it, else the move alone is made by push_follow_up.
    auto placed = placement(card, kind);
    if (!placed) return tl::unexpected(placed.error());
    if (placed->gone || placed->in_place) return true;
    m_commented.insert(event_id);
    return false;
  }

  core::Result<bool> push_follow_up(const std::string& card, const FollowUpText& follow_up,
                                    const std::string& event_id) override {
    if (auto checked = check_card(card); !checked) return tl::unexpected(checked.error());
    const auto path = "/cards/" + card;
    bool gone = false;
    if (m_commented.count(event_id) == 0) {
      const nlohmann::json comment{{"text", with_marker_within(follow_up.text, "\n\n" + marker(event_id), k_max_text)}};
      auto added = m_c.api.post(path + "/actions/comments", comment, &gone);
      if (!added) return tl::unexpected(added.error());
      if (gone) return false;
    }
    if (follow_up.kind == FollowUp::note) return true;
    auto placed = placement(card, follow_up.kind);
    if (!placed) return tl::unexpected(placed.error());
    if (placed->gone) return false;
    if (placed->in_place) return true;
    nlohmann::json move{{"idList", placed->target}};
    // A reopened incident's card comes back from the archive too.
    if (follow_up.kind == FollowUp::reopen && placed->closed) move["closed"] = false;
    auto moved = m_c.api.put(path, move, &gone);
    if (!moved) return tl::unexpected(moved.error());
    return !gone;
  }

  const char* tool() const override { return "Trello"; }

private:
  /// Where a card is against where a follow-up puts it.
  struct Placement {
    bool gone = false;     ///< deleted in Trello
    bool in_place = false; ///< already in `target` (and not archived, for a reopening)
    bool closed = false;   ///< archived
    std::string target;    ///< the list id it goes to
  };

  /// The card id from the outbox (the journal travels: checked before it reaches a URL).
  core::Result<void> check_card(const std::string& card) const {
    if (is_trello_id(card)) return {};
    return core::fail(core::ErrorKind::config,
                      fmt::format("connector {}: the journal's card id '{}' is not a Trello card id", m_c.connector.name,
                                  card));
  }

  FollowUp kind_of(const std::string& event_id) const {
    auto it = m_kinds.find(event_id);
    return it == m_kinds.end() ? FollowUp::note : it->second;
  }

  /// The lists and labels of `board`, read once per sync.
  core::Result<const BoardLists*> board_of(const std::string& board) {
    if (auto it = m_boards.find(board); it != m_boards.end()) return &it->second;
    if (!is_trello_id(board)) {
      return core::fail(core::ErrorKind::http, fmt::format("connector {}: '{}' is not a Trello board id", m_c.connector.name, board));
    }
    auto lists = m_c.api.get("/boards/" + board + "/lists", {{"filter", "all"}, {"fields", "name,closed"}});
    if (!lists) return tl::unexpected(lists.error());
    auto labels = m_c.api.get("/boards/" + board + "/labels", {{"fields", "name"}, {"limit", "1000"}});
    if (!labels) return tl::unexpected(labels.error());
    const auto named = named_items(*lists);
    BoardLists out;
    for (auto [key, wanted, id] : {std::tuple{"incident_list", &m_c.connector.incident_list, &out.incident_list},
                                   std::tuple{"done_list", &m_c.connector.done_list, &out.done_list}}) {
      auto resolved = resolve_trello_list(named, *wanted, board);
      if (!resolved) {
        auto error = resolved.error();
        error.message = fmt::format("connector {}: connectors.{}.{}: {}", m_c.connector.name, m_c.connector.name, key,
                                    error.message);
        return tl::unexpected(std::move(error));
      }
      *id = *resolved;
    }
    out.labels = named_items(*labels);
    return &m_boards.emplace(board, std::move(out)).first->second;
  }

  /// Whether a comment of `card` carries `mark`, page after page (newest first, back with `before`).
  core::Result<bool> has_comment(const std::string& card, const std::string& mark) {
    std::string before;
    for (;;) {
      Query query{{"filter", "commentCard"}, {"fields", "data"}, {"limit", std::to_string(k_actions_page)},
                  {"memberCreator", "false"}};
      if (!before.empty()) query.emplace_back("before", before);
      auto page = m_c.api.find("/cards/" + card + "/actions", query);
      if (!page) return tl::unexpected(page.error());
      if (!*page || !(*page)->is_array()) return false; // deleted: push_follow_up says so
      std::string oldest;
      for (const auto& action : **page) {
        if (carries_marker(text_of(object_of(action, "data"), "text"), mark)) return true;
        auto id = text_of(action, "id");
        if (is_trello_id(id)) oldest = oldest.empty() ? id : std::min(oldest, id);
      }
      if ((*page)->size() < k_actions_page || oldest.empty() || oldest == before) return false;
      before = oldest;
    }
  }

  core::Result<Placement> placement(const std::string& card, FollowUp kind) {
    auto found = m_c.api.find("/cards/" + card, {{"fields", "idBoard,idList,closed"}});
    if (!found) return tl::unexpected(found.error());
    Placement out;
    if (!*found) {
      out.gone = true;
      return out;
    }
    auto board = board_of(text_of(**found, "idBoard"));
    if (!board) return tl::unexpected(board.error());
    out.target = kind == FollowUp::resolve ? (*board)->done_list : (*board)->incident_list;
    out.closed = bool_of(**found, "closed");
    out.in_place = text_of(**found, "idList") == out.target && (kind == FollowUp::resolve || !out.closed);
    return out;
  }

  TrelloContext& m_c;
  std::map<std::string, FollowUp> m_kinds;   ///< journal event id -> what it becomes
  std::map<std::string, BoardLists> m_boards; ///< board id -> its lists and labels
  std::set<std::string> m_commented;         ///< follow-ups whose comment is there, not their move
};

} // namespace

core::Result<void> export_trello(TrelloContext& c) {
  // Hours: Trello has no time tracking (export_hours is refused at load).
  TrelloIncidents incidents(c);
  return export_incidents(c, incidents);
}

} // namespace tma::connectors::detail
