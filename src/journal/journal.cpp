#include <tma/journal/journal.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <random>

#include <fmt/format.h>

#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/units.hpp>

namespace tma::journal {

namespace {

nlohmann::json optional_text(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

// Redact every string inside `value`, keys included (a secret could hide in a map key).
nlohmann::json redact_json(const nlohmann::json& value) {
  if (value.is_string()) return core::redact(value.get_ref<const std::string&>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(redact_json(item));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) out[core::redact(key)] = redact_json(item);
    return out;
  }
  return value;
}

core::Result<std::string> text_field(nlohmann::json& object, const char* key, bool required) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return core::fail(core::ErrorKind::io, fmt::format("event has no '{}'", key));
    return std::string();
  }
  if (!it->is_string()) return core::fail(core::ErrorKind::io, fmt::format("event field '{}' is not a string", key));
  return std::move(it->get_ref<std::string&>());
}

bool type_matches(const std::string& pattern, const std::string& type) {
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    return type.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  }
  if (!pattern.empty() && pattern.back() == '.') return type.compare(0, pattern.size(), pattern) == 0;
  return pattern == type;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

} // namespace

nlohmann::json to_json(const Event& event) {
  return nlohmann::json{{"id", event.id},
                        {"at", core::format_rfc3339_utc(event.at)},
                        {"actor", event.actor},
                        {"run", event.run},
                        {"type", event.type},
                        {"site", optional_text(event.site)},
                        {"env", optional_text(event.env)},
                        {"client", optional_text(event.client)},
                        {"data", event.data}};
}

core::Result<Event> event_from_json(const nlohmann::json& object) { return event_from_json(nlohmann::json(object)); }

core::Result<Event> event_from_json(nlohmann::json&& object) {
  if (!object.is_object()) return core::fail(core::ErrorKind::io, "event is not a JSON object");
  Event event;
  struct Field {
    const char* key;
    std::string* target;
    bool required;
  };
  std::string at;
  for (const Field& f : {Field{"id", &event.id, true}, Field{"at", &at, true}, Field{"actor", &event.actor, false},
                         Field{"run", &event.run, true}, Field{"type", &event.type, true},
                         Field{"site", &event.site, false}, Field{"env", &event.env, false},
                         Field{"client", &event.client, false}}) {
    auto value = text_field(object, f.key, f.required);
    if (!value) return tl::unexpected(value.error());
    *f.target = std::move(*value);
  }
  auto parsed = core::parse_rfc3339(at);
  if (!parsed) return core::fail(core::ErrorKind::io, "event field 'at': " + parsed.error());
  event.at = *parsed;
  if (auto it = object.find("data"); it != object.end() && !it->is_null()) event.data = std::move(*it);
  return event;
}

core::Result<void> Journal::scan_encoded(const Filter& filter, const EncodedVisitor& visit) const {
  return scan(filter, [&visit](const Event& event) { return visit(event, {}); });
}

core::Result<ChangedScan> Journal::scan_changed(const std::string& /*since*/, const Filter& filter,
                                               const Visitor& visit) const {
  auto scanned = scan(filter, visit);
  if (!scanned) return tl::unexpected(scanned.error());
  return ChangedScan{};
}

bool Filter::matches(const Event& event) const {
  if (since && event.at < *since) return false;
  if (until && event.at >= *until) return false;
  if (!types.empty() &&
      std::none_of(types.begin(), types.end(), [&](const std::string& p) { return type_matches(p, event.type); })) {
    return false;
  }
  if (!sites.empty() && !contains(sites, event.site)) return false;
  if (!clients.empty() && !contains(clients, event.client)) return false;
  if (!envs.empty() && !contains(envs, event.env)) return false;
  if (!runs.empty() && !contains(runs, event.run)) return false;
  return true;
}

core::Result<std::vector<Event>> read_events(const Journal& journal, const Filter& filter,
                                             std::optional<std::size_t> limit) {
  std::vector<Event> out;
  if (limit && *limit == 0) return out;
  auto scanned = journal.scan(filter, [&](const Event& event) {
    out.push_back(event);
    return !limit || out.size() < *limit;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return out;
}

tl::expected<SysSeconds, std::string> parse_time_arg(std::string_view text, SysSeconds now,
                                                     const core::TimeZone& zone) {
  if (text.size() == 10) {
    if (auto date = core::parse_date(text)) return zone.start_of_day(*date);
  }
  if (text.size() == 7) {
    if (auto date = core::parse_date(std::string(text) + "-01")) return zone.start_of_month(date->year, date->month);
  }
  if (auto instant = core::parse_rfc3339(text)) return *instant;
  if (auto duration = core::parse_duration(text)) return now - *duration;
  return tl::unexpected(fmt::format("'{}' is not a time: use YYYY-MM-DD, YYYY-MM, an RFC 3339 time "
                                    "(2026-11-29T10:00:00Z) or a duration back from now (7d, 12h)",
                                    text));
}

std::string new_run_id() {
  // The system clock, not the journal's (which tests and the soak may set): what matters is the
  // real order in which runs started. 11 hex digits of milliseconds last until the year 2527.
  // Strictly increasing within the process: runs started in the same millisecond (the import
  // batches of one sync) take the next ones.
  static std::atomic<std::uint64_t> last{0};
  const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
  auto previous = last.load();
  std::uint64_t ms = 0;
  do {
    ms = std::max(now, previous + 1);
  } while (!last.compare_exchange_weak(previous, ms));
  std::random_device device;
  const std::uint32_t random = device() & 0xfffffu;
  return fmt::format("{:011x}{:05x}", ms & 0xfffffffffffULL, random);
}

Run::Run(Journal& journal, std::string command, std::vector<std::string> argv)
    : m_journal(&journal), m_id(new_run_id()), m_command(std::move(command)), m_started(journal.now()),
      m_segment_started(m_started), m_mutex(std::make_unique<std::mutex>()) {
  nlohmann::json data{{"command", m_command}};
  if (!argv.empty()) data["argv"] = argv;
  record("run.started", {}, std::move(data));
}

Run::Run(Run&& other) noexcept
    : m_journal(other.m_journal), m_id(std::move(other.m_id)), m_command(std::move(other.m_command)),
      m_started(other.m_started), m_segment_started(other.m_segment_started), m_pending(std::move(other.m_pending)), m_stored(other.m_stored),
      m_sequence(other.m_sequence), m_own_events(other.m_own_events), m_finished(std::move(other.m_finished)),
      m_mutex(std::move(other.m_mutex)) {
  other.m_journal = nullptr;
}

Run::~Run() {
  if (m_journal == nullptr || m_finished) return;
  // Never throw from here: this runs while a failed or interrupted command unwinds.
  try {
    int code = core::interrupted() ? core::exit_code::interrupted : 70;
    auto result = finish(code);
    if (!result) core::log::error("journal: run {} not recorded: {}", m_id, result.error().message);
  } catch (const std::exception& e) {
    core::log::error("journal: run {} not recorded: {}", m_id, e.what());
  }
}

Event Run::record(const std::string& type, const Subject& subject, nlohmann::json data) {
  std::lock_guard lock(*m_mutex);
  Event event;
  event.at = m_journal->now();
  if (event.at - m_segment_started >= k_max_segment_span && !m_pending.empty()) {
    // Keep each file's events within a day of its name so readers may prune by day.
    if (flush_locked()) {
      m_pending.clear();
      m_stored = 0;
      m_segment_started = event.at;
    }
  }
  event.id = fmt::format("{}-{}", m_id, ++m_sequence);
  event.actor = core::redact(m_journal->actor());
  event.run = m_id;
  event.type = type;
  event.site = core::redact(subject.site);
  event.env = core::redact(subject.env);
  event.client = core::redact(subject.client);
  event.data = redact_json(data.is_null() ? nlohmann::json::object() : data);
  if (type != "run.started") ++m_own_events;
  m_pending.push_back(event);
  return event;
}

core::Result<void> Run::flush_locked() {
  if (m_pending.size() == m_stored) return {};
  auto result = m_journal->write_run(m_id, m_segment_started, m_pending);
  if (result) m_stored = m_pending.size();
  return result;
}

core::Result<void> Run::flush() {
  if (m_journal == nullptr) return core::fail(core::ErrorKind::internal, "journal run used after move");
  std::lock_guard lock(*m_mutex);
  return flush_locked();
}

core::Result<void> Run::finish(int exit_code) {
  if (m_journal == nullptr) return core::fail(core::ErrorKind::internal, "journal run used after move");
  if (m_finished) return *m_finished;
  // A run that did nothing and succeeded leaves no trace; anything else is recorded.
  if (m_own_events == 0 && exit_code == 0) {
    m_finished = core::Result<void>{};
    return *m_finished;
  }
  auto now = m_journal->now();
  record("run.finished", {},
         {{"command", m_command},
          {"exit_code", exit_code},
          {"duration_s", std::chrono::duration_cast<std::chrono::seconds>(now - m_started).count()}});
  std::lock_guard lock(*m_mutex);
  m_finished = flush_locked();
  return *m_finished;
}

MemoryJournal::MemoryJournal(std::string actor, SysSeconds now) : m_actor(std::move(actor)), m_now(now) {}

core::Result<void> MemoryJournal::write_run(const std::string& run_id, SysSeconds started,
                                            const std::vector<Event>& events) {
  (void)started;
  std::lock_guard lock(m_mutex);
  if (m_fail_next) {
    auto error = *m_fail_next;
    m_fail_next.reset();
    return tl::unexpected(error);
  }
  for (const auto& e : events) {
    if (e.run != run_id) return core::fail(core::ErrorKind::internal, "event of another run written");
    // Rewrites of a run's file repeat the events already stored: keep each id once.
    bool known = std::any_of(m_events.begin(), m_events.end(), [&](const Event& old) { return old.id == e.id; });
    if (!known) m_events.push_back(e);
  }
  ++m_writes;
  return {};
}

core::Result<void> MemoryJournal::scan(const Filter& filter, const Visitor& visit) const {
  std::vector<std::pair<std::size_t, Event>> matching;
  {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_events.size(); ++i) {
      if (filter.matches(m_events[i])) matching.emplace_back(i, m_events[i]);
    }
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
    return a.second.at != b.second.at ? a.second.at > b.second.at : a.first > b.first;
  });
  for (const auto& [index, event] : matching) {
    if (!visit(event)) break;
  }
  return {};
}

SysSeconds MemoryJournal::now() const {
  std::lock_guard lock(m_mutex);
  return m_now;
}

void MemoryJournal::set_now(SysSeconds now) {
  std::lock_guard lock(m_mutex);
  m_now = now;
}

void MemoryJournal::advance(std::chrono::seconds by) {
  std::lock_guard lock(m_mutex);
  m_now += by;
}

void MemoryJournal::fail_next_write(core::Error error) {
  std::lock_guard lock(m_mutex);
  m_fail_next = std::move(error);
}

std::vector<Event> MemoryJournal::events() const {
  std::lock_guard lock(m_mutex);
  return m_events;
}

std::size_t MemoryJournal::writes() const {
  std::lock_guard lock(m_mutex);
  return m_writes;
}

} // namespace tma::journal
