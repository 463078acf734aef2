#pragma once
// Client requests as journal events (docs/requests.md): a bug to fix, a change to make, a question.
// Nothing is stored besides the events `request.opened|noted|assigned|status`; a request's state and
// history are folded from them, so two machines that sync their journals agree on every request.
//
// Ids are `REQ-YYYY-NNNN`, allocated and disambiguated exactly as incidents' (incident/numbering.hpp):
// the number is one more than the highest of the year in the journal just before the opening event
// is committed; every follow-up names the opening event's journal id (`data.opened_event`), and after
// a clash the later opening is shown as `REQ-YYYY-NNNN-<4 hex of its run>`.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/core/units.hpp>
#include <tma/journal/journal.hpp>

namespace tma::request {

using core::Seconds;
using core::SysSeconds;

/// Journal event types.
inline constexpr std::string_view k_opened = "request.opened";
inline constexpr std::string_view k_noted = "request.noted";
inline constexpr std::string_view k_assigned = "request.assigned";
inline constexpr std::string_view k_status = "request.status";
/// Title, priority, category or due date changed in the tool a request was imported from.
inline constexpr std::string_view k_updated = "request.updated";

enum class Priority { low, normal, high, urgent };
enum class Category { bug, change, question, security, performance };
enum class Status { fresh, in_progress, waiting_client, resolved, closed }; ///< `fresh` is written `new`

std::string_view to_string(Priority priority);
std::string_view to_string(Category category);
std::string_view to_string(Status status);
std::optional<Priority> parse_priority(std::string_view text);
std::optional<Category> parse_category(std::string_view text);
std::optional<Status> parse_status(std::string_view text);
/// Every name, in declaration order (help texts, messages, did-you-mean).
const std::vector<std::string>& priority_names();
const std::vector<std::string>& category_names();
const std::vector<std::string>& status_names();

/// One line of a request's history: who did what, when (the journal event's actor and time, or the
/// `--at` time recorded in the event).
struct Change {
  SysSeconds at{};
  std::string actor;
  std::string what; ///< `opened`, `note`, `assigned`, `status`, `updated`
  std::string text; ///< the note, the assignee, or the new status
};

/// Where an imported request lives in another tool (docs/connectors.md): the connector's name, the
/// tool's id for it, a link, and the tool's last-update stamp as of the latest import.
struct External {
  std::string connector;
  std::string id;
  std::string url;
  std::string updated_on;
  bool operator==(const External&) const = default;
};

/// A request as derived from its events.
struct Request {
  std::string id;           ///< display id, `REQ-2026-0007` (suffixed on a clash)
  std::string number;       ///< the allocated `REQ-YYYY-NNNN`, as written in the events
  std::string opened_event; ///< journal id of the `request.opened` event: the true key
  std::string client;
  std::string site;         ///< empty for a request about the client as a whole
  std::string title;
  Priority priority = Priority::normal;
  Category category = Category::question;
  Status status = Status::fresh;
  std::string assignee;     ///< empty when nobody is assigned
  std::optional<core::Date> due;
  SysSeconds opened{};
  std::string opened_by;
  /// The first note, assignment or status change after the opening, whoever recorded it.
  std::optional<SysSeconds> first_response;
  /// When it last became resolved or closed; unset while it is not (a reopening clears it).
  std::optional<SysSeconds> resolved;
  std::vector<Change> history; ///< oldest first, the opening included
  std::optional<External> external; ///< set for a request imported by a connector
  bool is_open() const { return status != Status::resolved && status != Status::closed; }
};

/// Fold `events` (any order, any types; others than `request.*` are ignored) into requests, oldest
/// opening first. Follow-ups that name no known request are skipped.
std::vector<Request> fold(const std::vector<journal::Event>& events);

/// Every request in `journal`.
core::Result<std::vector<Request>> load_all(const journal::Journal& journal);

/// The request `id`: an exact display id, or an allocated number naming one request. Fails (usage)
/// with "no request 'X' in the journal", or naming the candidates after a clash.
core::Result<Request> find(const std::vector<Request>& requests, std::string_view id);

/// The next `REQ-YYYY-NNNN` for a request opened at `opened` in `zone`.
std::string next_number(const std::vector<Request>& requests, SysSeconds opened, const core::TimeZone& zone);

/// What `open` needs. The client (and the site's client) are checked by the caller against the
/// inventory.
struct NewRequest {
  std::string client;
  std::string site;
  std::string title;
  Priority priority = Priority::normal;
  Category category = Category::question;
  std::string assignee;
  std::optional<core::Date> due;
  std::optional<SysSeconds> at; ///< when the client asked; default now
};

/// Open a request: allocate its number from `journal`, record `request.opened` in `run` and flush
/// it at once so that the number is taken. Fails (usage) on an empty title or a time in the future.
core::Result<Request> open(journal::Journal& journal, journal::Run& run, const NewRequest& request,
                           const core::TimeZone& zone);

/// Record a note on `request` at `at` (default now). Fails (usage) on empty text or a time before
/// the opening.
core::Result<journal::Event> note(journal::Run& run, const Request& request, const std::string& text,
                                  std::optional<SysSeconds> at);

/// Record that `request` is assigned to `assignee`. Fails (usage) on an empty name, the same
/// assignee again, or a time before the opening.
core::Result<journal::Event> assign(journal::Run& run, const Request& request, const std::string& assignee,
                                    std::optional<SysSeconds> at);

/// Record a status change of `request`. Fails (usage) when it already has that status or on a time
/// before the opening. Any status may follow any other (a closed request can be reopened).
core::Result<journal::Event> set_status(journal::Run& run, const Request& request, Status status,
                                        std::optional<SysSeconds> at);

/// Allocates `REQ-YYYY-NNNN` numbers for many openings in one run (a connector's import): one more
/// than the highest of the year among the journal's requests and the numbers given out so far.
class NumberAllocator {
public:
  explicit NumberAllocator(const std::vector<Request>& requests);
  std::string next(SysSeconds opened, const core::TimeZone& zone);

private:
  std::map<std::string, std::string> m_highest; ///< `REQ-YYYY-` -> highest number of that year
};

/// A request as another tool has it, mapped to tma's vocabulary by the connector.
struct ImportedRequest {
  External external;
  std::string client;
  std::string site;
  std::string title;
  Priority priority = Priority::normal;
  Category category = Category::question;
  Status status = Status::fresh;
  std::string assignee;
  std::optional<core::Date> due;
  SysSeconds opened{}; ///< when it was created in the tool
  SysSeconds updated{}; ///< when it last changed there (the time of the follow-ups recorded now)
};

/// What `record_import` recorded.
enum class ImportChange { none, opened, updated };

/// Record in `run` what makes the journal's request agree with `imported`: for a request not known
/// yet (`known` null) a `request.opened` numbered by `numbers`, then its status and assignee; for a
/// known one, `request.updated`, `request.status` and `request.assigned` events for what differs.
/// Every event carries `external_updated_on`. Nothing is flushed: the caller commits in batches.
/// `state` is the request as known before (nullopt: not imported yet) and, on return, as the journal
/// now has it.
ImportChange record_import(journal::Run& run, std::optional<Request>& state, const ImportedRequest& imported,
                           NumberAllocator& numbers, const core::TimeZone& zone);

/// Which requests `request list` shows: every set field must match.
struct ListFilter {
  std::optional<std::string> client;
  std::optional<std::string> site;
  std::optional<Status> status;
  std::optional<Priority> priority;
  std::optional<std::string> assignee;
  bool matches(const Request& request) const;
};

} // namespace tma::request
