#include <tma/request/request.hpp>

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/core/json.hpp>
#include <tma/incident/numbering.hpp>

namespace tma::request {

namespace {

constexpr std::array<std::string_view, 4> k_priorities{"low", "normal", "high", "urgent"};
constexpr std::array<std::string_view, 5> k_categories{"bug", "change", "question", "security", "performance"};
constexpr std::array<std::string_view, 5> k_statuses{"new", "in_progress", "waiting_client", "resolved", "closed"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) {
  auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : names[0];
}

template <std::size_t N>
std::vector<std::string> all_names(const std::array<std::string_view, N>& names) {
  return {names.begin(), names.end()};
}

std::optional<SysSeconds> time_field(const nlohmann::json& data, const char* key) {
  auto text = core::json_string(data, key);
  if (text.empty()) return std::nullopt;
  auto parsed = core::parse_rfc3339(text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

core::Error usage(std::string message) { return core::Error{core::ErrorKind::usage, std::move(message)}; }

nlohmann::json follow_up(const Request& request) {
  return {{"request", request.number}, {"opened_event", request.opened_event}};
}

journal::Subject subject_of(const Request& request) { return {request.site, "", request.client}; }

// A follow-up recorded at `at` (default now). `--at` before the opening would make a negative
// response time, so it is refused with both instants.
core::Result<nlohmann::json> follow_up_at(const journal::Run& run, const Request& request,
                                          std::optional<SysSeconds> at) {
  auto when = at.value_or(run.now());
  if (when < request.opened) {
    return tl::unexpected(usage(fmt::format("{}: {} is before the request was opened at {}", request.id,
                                            core::format_rfc3339_utc(when),
                                            core::format_rfc3339_utc(request.opened))));
  }
  if (when > run.now()) return tl::unexpected(usage("--at: the time is in the future"));
  auto data = follow_up(request);
  if (at) data["at"] = core::format_rfc3339_utc(*at);
  return data;
}

Request opened_from(const journal::Event& e) {
  Request request;
  request.number = core::json_string(e.data, "request");
  request.opened_event = e.id;
  request.client = e.client;
  request.site = e.site;
  request.title = core::json_string(e.data, "title");
  request.priority = parse_priority(core::json_string(e.data, "priority")).value_or(Priority::normal);
  request.category = parse_category(core::json_string(e.data, "category")).value_or(Category::question);
  request.assignee = core::json_string(e.data, "assignee");
  if (auto due = core::parse_date(core::json_string(e.data, "due")); due) request.due = *due;
  request.opened = time_field(e.data, "opened_at").value_or(e.at);
  request.opened_by = e.actor;
  request.history.push_back({request.opened, e.actor, "opened", request.title});
  if (const auto it = e.data.find("external"); it != e.data.end() && it->is_object()) {
    External external{core::json_string(*it, "connector"), core::json_string(*it, "id"), core::json_string(*it, "url"),
                      core::json_string(e.data, "external_updated_on")};
    if (!external.connector.empty() && !external.id.empty()) request.external = std::move(external);
  }
  return request;
}

// A `request.updated` event: the fields the other tool changed.
std::string apply_update(Request& request, const nlohmann::json& data) {
  std::vector<std::string> what;
  if (auto title = core::json_string(data, "title"); !title.empty()) {
    request.title = title;
    what.push_back("title: " + title);
  }
  if (auto priority = parse_priority(core::json_string(data, "priority"))) {
    request.priority = *priority;
    what.push_back(fmt::format("priority {}", to_string(*priority)));
  }
  if (auto category = parse_category(core::json_string(data, "category"))) {
    request.category = *category;
    what.push_back(fmt::format("category {}", to_string(*category)));
  }
  if (data.contains("due")) {
    auto due = core::parse_date(core::json_string(data, "due"));
    request.due = due ? std::optional<core::Date>(*due) : std::nullopt;
    what.push_back(due ? "due " + core::format_date(*due) : "no due date");
  }
  return fmt::format("{}", fmt::join(what, ", "));
}

void apply(Request& request, const journal::Event& e) {
  auto at = time_field(e.data, "at").value_or(e.at);
  Change change{at, e.actor, "", ""};
  if (e.type == k_noted) {
    change.what = "note";
    change.text = core::json_string(e.data, "text");
  } else if (e.type == k_assigned) {
    change.what = "assigned";
    change.text = core::json_string(e.data, "assignee");
    request.assignee = change.text;
  } else if (e.type == k_updated) {
    change.what = "updated";
    change.text = apply_update(request, e.data);
    if (auto stamp = core::json_string(e.data, "external_updated_on"); !stamp.empty() && request.external) {
      request.external->updated_on = stamp;
    }
    // An edit of the tool's fields is not an answer to the client.
    request.history.push_back(std::move(change));
    return;
  } else if (e.type == k_status) {
    auto status = parse_status(core::json_string(e.data, "status"));
    if (!status) return;
    change.what = "status";
    change.text = std::string(to_string(*status));
    request.status = *status;
    bool done = !request.is_open();
    if (!done) request.resolved.reset();
    else if (!request.resolved) request.resolved = at;
  } else {
    return;
  }
  if (auto stamp = core::json_string(e.data, "external_updated_on"); !stamp.empty() && request.external) {
    request.external->updated_on = stamp;
  }
  if (!request.first_response || at < *request.first_response) request.first_response = at;
  request.history.push_back(std::move(change));
}

} // namespace

std::string_view to_string(Priority priority) { return name_of(k_priorities, priority); }
std::string_view to_string(Category category) { return name_of(k_categories, category); }
std::string_view to_string(Status status) { return name_of(k_statuses, status); }
std::optional<Priority> parse_priority(std::string_view text) { return parse_name<Priority>(k_priorities, text); }
std::optional<Category> parse_category(std::string_view text) { return parse_name<Category>(k_categories, text); }
std::optional<Status> parse_status(std::string_view text) { return parse_name<Status>(k_statuses, text); }

const std::vector<std::string>& priority_names() {
  static const auto names = all_names(k_priorities);
  return names;
}
const std::vector<std::string>& category_names() {
  static const auto names = all_names(k_categories);
  return names;
}
const std::vector<std::string>& status_names() {
  static const auto names = all_names(k_statuses);
  return names;
}

std::vector<Request> fold(const std::vector<journal::Event>& events) {
  std::vector<const journal::Event*> sorted;
  for (const auto& e : events) {
    if (e.type.rfind("request.", 0) == 0) sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return incident::event_before(*a, *b); });

  std::vector<Request> requests;
  std::map<std::string, std::size_t> by_event;
  std::map<std::string, std::vector<std::size_t>> by_number;
  for (const auto* e : sorted) {
    if (e->type != k_opened) continue;
    auto request = opened_from(*e);
    if (request.number.empty()) continue;
    auto& same = by_number[request.number];
    request.id = incident::display_id(request.number, same.empty(), e->run);
    same.push_back(requests.size());
    by_event[e->id] = requests.size();
    requests.push_back(std::move(request));
  }
  // Follow-ups apply in the order they happened: their `--at` time when given, then the journal's
  // order. Two status changes recorded in the same second with `--at` must not depend on run ids.
  std::vector<const journal::Event*> follow_ups;
  for (const auto* e : sorted) {
    if (e->type != k_opened) follow_ups.push_back(e);
  }
  std::stable_sort(follow_ups.begin(), follow_ups.end(), [](const auto* a, const auto* b) {
    return time_field(a->data, "at").value_or(a->at) < time_field(b->data, "at").value_or(b->at);
  });
  for (const auto* e : follow_ups) {
    std::optional<std::size_t> index;
    if (auto it = by_event.find(core::json_string(e->data, "opened_event")); it != by_event.end()) {
      index = it->second;
    } else if (auto n = by_number.find(core::json_string(e->data, "request")); n != by_number.end() && n->second.size() == 1) {
      index = n->second.front();
    }
    if (index) apply(requests[*index], *e);
  }
  for (auto& request : requests) {
    // `--at` times may be out of the recording order: the history reads in the order things happened.
    std::stable_sort(request.history.begin(), request.history.end(),
                     [](const Change& a, const Change& b) { return a.at < b.at; });
  }
  std::stable_sort(requests.begin(), requests.end(),
                   [](const Request& a, const Request& b) { return a.opened < b.opened; });
  return requests;
}

core::Result<std::vector<Request>> load_all(const journal::Journal& journal) {
  journal::Filter filter;
  filter.types = {"request."};
  auto events = journal::read_events(journal, filter);
  if (!events) return tl::unexpected(events.error());
  return fold(*events);
}

core::Result<Request> find(const std::vector<Request>& requests, std::string_view id) {
  std::vector<const Request*> numbered;
  for (const auto& request : requests) {
    if (request.id == id) return request;
    if (request.number == id) numbered.push_back(&request);
  }
  if (numbered.size() == 1) return *numbered.front();
  if (numbered.empty()) return tl::unexpected(usage(fmt::format("no request '{}' in the journal", id)));
  std::string names;
  for (const auto* r : numbered) names += (names.empty() ? "" : ", ") + r->id;
  return tl::unexpected(usage(fmt::format("'{}' names several requests after a journal sync: {}", id, names)));
}

std::string next_number(const std::vector<Request>& requests, SysSeconds opened, const core::TimeZone& zone) {
  std::vector<std::string> taken;
  taken.reserve(requests.size());
  for (const auto& request : requests) taken.push_back(request.number);
  return incident::next_number("REQ", taken, opened, zone);
}

core::Result<Request> open(journal::Journal& journal, journal::Run& run, const NewRequest& request,
                           const core::TimeZone& zone) {
  if (request.title.empty()) return tl::unexpected(usage("a request needs a title"));
  if (request.client.empty()) return tl::unexpected(usage("a request needs a client"));
  auto now = journal.now();
  auto opened = request.at.value_or(now);
  if (opened > now) return tl::unexpected(usage("--at: the request cannot be opened in the future"));
  auto existing = load_all(journal);
  if (!existing) return tl::unexpected(existing.error());
  nlohmann::json data{{"request", next_number(*existing, opened, zone)},
                      {"title", request.title},
                      {"priority", std::string(to_string(request.priority))},
                      {"category", std::string(to_string(request.category))},
                      {"opened_at", core::format_rfc3339_utc(opened)}};
  if (!request.assignee.empty()) data["assignee"] = request.assignee;
  if (request.due) data["due"] = core::format_date(*request.due);
  auto event = run.record(std::string(k_opened), {request.site, "", request.client}, data);
  // Commit now: the number is taken in the journal before anything else happens.
  if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
  return fold({event}).front();
}

core::Result<journal::Event> note(journal::Run& run, const Request& request, const std::string& text,
                                  std::optional<SysSeconds> at) {
  if (text.empty()) return tl::unexpected(usage("a note needs some text"));
  auto data = follow_up_at(run, request, at);
  if (!data) return tl::unexpected(data.error());
  (*data)["text"] = text;
  return run.record(std::string(k_noted), subject_of(request), *data);
}

core::Result<journal::Event> assign(journal::Run& run, const Request& request, const std::string& assignee,
                                    std::optional<SysSeconds> at) {
  if (assignee.empty()) return tl::unexpected(usage("say who the request is assigned to"));
  if (assignee == request.assignee) {
    return tl::unexpected(usage(fmt::format("{} is already assigned to {}", request.id, assignee)));
  }
  auto data = follow_up_at(run, request, at);
  if (!data) return tl::unexpected(data.error());
  (*data)["assignee"] = assignee;
  return run.record(std::string(k_assigned), subject_of(request), *data);
}

core::Result<journal::Event> set_status(journal::Run& run, const Request& request, Status status,
                                        std::optional<SysSeconds> at) {
  if (status == request.status) {
    return tl::unexpected(usage(fmt::format("{} is already {}", request.id, to_string(status))));
  }
  auto data = follow_up_at(run, request, at);
  if (!data) return tl::unexpected(data.error());
  (*data)["status"] = std::string(to_string(status));
  (*data)["previous"] = std::string(to_string(request.status));
  return run.record(std::string(k_status), subject_of(request), *data);
}

NumberAllocator::NumberAllocator(const std::vector<Request>& requests) {
  for (const auto& request : requests) {
    auto dash = request.number.rfind('-');
    if (dash == std::string::npos) continue;
    auto year = request.number.substr(0, dash + 1);
    auto& highest = m_highest[year];
    // Same prefix and width: the longer, then the greater string is the greater number.
    if (highest.size() < request.number.size() ||
        (highest.size() == request.number.size() && highest < request.number)) {
      highest = request.number;
    }
  }
}

std::string NumberAllocator::next(SysSeconds opened, const core::TimeZone& zone) {
  auto year = fmt::format("REQ-{}-", zone.local_date(opened).year);
  auto& highest = m_highest[year];
  std::vector<std::string> taken;
  if (!highest.empty()) taken.push_back(highest);
  highest = incident::next_number("REQ", taken, opened, zone);
  return highest;
}

ImportChange record_import(journal::Run& run, std::optional<Request>& state, const ImportedRequest& imported,
                           NumberAllocator& numbers, const core::TimeZone& zone) {
  const Request* known = state ? &*state : nullptr;
  const journal::Subject subject{imported.site, "", imported.client};
  const auto stamp = imported.external.updated_on;
  const auto at = std::max(imported.updated, imported.opened);
  Request current;
  ImportChange change = ImportChange::updated;
  if (known == nullptr) {
    nlohmann::json data{{"request", numbers.next(imported.opened, zone)},
                        {"title", imported.title},
                        {"priority", std::string(to_string(imported.priority))},
                        {"category", std::string(to_string(imported.category))},
                        {"opened_at", core::format_rfc3339_utc(imported.opened)},
                        {"external",
                         {{"connector", imported.external.connector},
                          {"id", imported.external.id},
                          {"url", imported.external.url}}},
                        {"external_updated_on", stamp}};
    if (imported.due) data["due"] = core::format_date(*imported.due);
    current = fold({run.record(std::string(k_opened), subject, data)}).front();
    change = ImportChange::opened;
  } else {
    current = *known;
    nlohmann::json data = follow_up(current);
    if (imported.title != current.title) data["title"] = imported.title;
    if (imported.priority != current.priority) data["priority"] = std::string(to_string(imported.priority));
    if (imported.category != current.category) data["category"] = std::string(to_string(imported.category));
    if (imported.due != current.due) data["due"] = imported.due ? nlohmann::json(core::format_date(*imported.due)) : nlohmann::json(nullptr);
    bool fields_changed = data.size() > 2;
    if (fields_changed) {
      data["at"] = core::format_rfc3339_utc(at);
      data["external_updated_on"] = stamp;
      run.record(std::string(k_updated), subject_of(current), data);
    }
    if (!fields_changed && imported.status == current.status && imported.assignee == current.assignee) {
      return ImportChange::none;
    }
  }
  if (imported.status != current.status) {
    auto data = follow_up(current);
    data["status"] = std::string(to_string(imported.status));
    data["previous"] = std::string(to_string(current.status));
    data["at"] = core::format_rfc3339_utc(at);
    data["external_updated_on"] = stamp;
    run.record(std::string(k_status), subject_of(current), data);
  }
  if (imported.assignee != current.assignee) { // "": unassigned in the tool
    auto data = follow_up(current);
    data["assignee"] = imported.assignee;
    data["at"] = core::format_rfc3339_utc(at);
    data["external_updated_on"] = stamp;
    run.record(std::string(k_assigned), subject_of(current), data);
  }
  current.title = imported.title;
  current.priority = imported.priority;
  current.category = imported.category;
  current.due = imported.due;
  current.status = imported.status;
  current.assignee = imported.assignee;
  current.external = imported.external;
  state = std::move(current);
  return change;
}

bool ListFilter::matches(const Request& request) const {
  if (client && request.client != *client) return false;
  if (site && request.site != *site) return false;
  if (status && request.status != *status) return false;
  if (priority && request.priority != *priority) return false;
  if (assignee && request.assignee != *assignee) return false;
  return true;
}

} // namespace tma::request
