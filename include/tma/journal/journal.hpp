#pragma once
// The journal: tma's memory of every action, one JSON event per line. The real store keeps each
// run's events in one file `journal/YYYY/MM/DD/<utc time>-<run id>.jsonl` on a git ref
// (docs/journal.md); `MemoryJournal` is the fake other modules' tests use.
//
// Writing: open a `Run`, `record()` events as things happen, and `finish()` it (its destructor
// finishes it too, so a failed or interrupted command still records what happened so far).
// Reading: `scan()` visits events newest first, pruned by day before any file is read.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>

namespace tma::journal {

using core::SysSeconds;

/// One journal event (one line of a run file). `site`, `env`, `client` are empty when the event is
/// not about one (they are written as JSON null).
struct Event {
  std::string id;     ///< `<run id>-<sequence>`, unique in the journal
  SysSeconds at{};    ///< when it happened (written as UTC RFC 3339)
  std::string actor;  ///< `Name <email>` or $TMA_ACTOR
  std::string run;    ///< run id, shared by the events of one tma invocation
  std::string type;   ///< `run.started`, `backup.finished`, `hours.logged`... (docs/journal.md)
  std::string site;
  std::string env;
  std::string client;
  nlohmann::json data = nlohmann::json::object(); ///< type-specific payload, schema per type
};

/// Event <-> JSON object (the line format). `from_json` fails with a message naming the bad field.
nlohmann::json to_json(const Event& event);
core::Result<Event> event_from_json(const nlohmann::json& object);
/// The same, moving `data` out of `object` instead of copying it (the reader's hot path).
core::Result<Event> event_from_json(nlohmann::json&& object);

/// What `record()` needs to know besides the type and data.
struct Subject {
  std::string site;
  std::string env;
  std::string client;
};

/// Which events to read. Every set field must match; the vectors are OR-ed within themselves.
struct Filter {
  std::optional<SysSeconds> since;  ///< at >= since
  std::optional<SysSeconds> until;  ///< at < until
  std::vector<std::string> types;   ///< exact type, or a prefix ending in `.` or `.*` (`backup.*`)
  std::vector<std::string> sites;   ///< exact site names (expand globs before)
  std::vector<std::string> clients; ///< exact client ids
  std::vector<std::string> envs;    ///< exact environment names
  std::vector<std::string> runs;    ///< exact run ids
  bool matches(const Event& event) const;
};

/// Called with each matching event; return false to stop the scan.
using Visitor = std::function<bool(const Event&)>;
/// The same, with the event's payload as the store keeps it: MessagePack bytes, valid during the
/// call, with `Event::data` null; or empty bytes when `Event::data` holds the payload.
using EncodedVisitor = std::function<bool(const Event&, std::string_view data_msgpack)>;

/// What Journal::scan_changed read: the commit (or other token) it read up to, and whether it
/// visited every matching event rather than only the changes since the caller's token.
struct ChangedScan {
  std::string tip;
  bool whole = true;
};

/// The journal store. Implementations are safe to use from several threads.
class Journal {
public:
  virtual ~Journal() = default;

  /// Write the file of run `run_id` started at `started` holding `events`, atomically: after a
  /// crash the store has the previous version of the file or this one. `events` is the run's full
  /// list so far; a later call for the same run and start must extend it (the store refuses to
  /// drop events). Events must already be redacted and carry their ids (`Run` does both).
  virtual core::Result<void> write_run(const std::string& run_id, SysSeconds started,
                                       const std::vector<Event>& events) = 0;

  /// Visit the events matching `filter`, newest first (by `at`; ties: later in its run first).
  virtual core::Result<void> scan(const Filter& filter, const Visitor& visit) const = 0;

  /// As `scan`, for a reader that decodes the few payload fields it needs itself: a store that
  /// keeps payloads encoded (the event index) then skips building a JSON object per event. This
  /// default passes every event decoded.
  virtual core::Result<void> scan_encoded(const Filter& filter, const EncodedVisitor& visit) const;

  /// An incremental read, for a caller that keeps its own fold of the journal between commands
  /// (the scheduler's job history, docs/journal.md "Incremental reads"): visit the events matching
  /// `filter` in the run files added or rewritten since `since`, a `tip` an earlier call returned.
  /// When `since` cannot be used (empty, unknown, not an ancestor of the current tip, a run file
  /// removed), every matching event is visited and `whole` is set. A rewritten run file (a run
  /// flushed again) is visited whole, its earlier events too, and a file committed while this
  /// reads may be visited again by the next call: the fold must ignore repeats (by event id).
  /// Events come in no promised order. This default always visits everything, with an empty tip.
  virtual core::Result<ChangedScan> scan_changed(const std::string& since, const Filter& filter,
                                                 const Visitor& visit) const;

  /// Where caches derived from this journal may be kept (never committed, never pushed), or
  /// nullopt: then readers keep none. The git store's is `<git dir>/tma-cache/<ref, / as _>`.
  virtual std::optional<std::filesystem::path> cache_directory() const { return std::nullopt; }

  /// The actor recorded on events of this process (`Name <email>` / $TMA_ACTOR).
  virtual std::string actor() const = 0;

  /// The current time; the real store uses the system clock, the fake a settable one.
  virtual SysSeconds now() const = 0;
};

/// All matching events, newest first, at most `limit` of them.
core::Result<std::vector<Event>> read_events(const Journal& journal, const Filter& filter,
                                             std::optional<std::size_t> limit = std::nullopt);

/// A run's events are committed under its start day; a run still recording this long after it
/// started commits what it has and continues in a new file, so readers can prune by day safely.
inline constexpr std::chrono::hours k_max_segment_span{24};

/// Parse a `--since`/`--until` value: `YYYY-MM-DD` (local midnight in `zone`), `YYYY-MM` (start
/// of that month in `zone`), an RFC 3339 time, or a duration back from `now` (`7d`, `12h`, `1h30m`).
/// Returns a message naming the accepted forms on anything else.
tl::expected<SysSeconds, std::string> parse_time_arg(std::string_view text, SysSeconds now,
                                                     const core::TimeZone& zone);

/// A fresh run id: 16 lowercase hex digits, the wall clock's milliseconds (11 digits) then 20
/// random bits. Events of one second sort by run id after their time (`incident::event_before`,
/// the journal's files), so ids that grow with time keep the order of runs made one after the
/// other within a second, where random ids would make it a coin toss.
std::string new_run_id();

/// One tma invocation's events, committed once at the end (RAII). Not copyable; movable.
class Run {
public:
  /// Start a run recording to `journal` (which must outlive it). `command` (`backup`, `hours log`)
  /// goes into the `run.started` event's data with `argv` (redacted).
  Run(Journal& journal, std::string command, std::vector<std::string> argv = {});
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  Run(Run&&) noexcept;
  Run& operator=(Run&&) = delete;

  /// Record an event of `type` about `subject` with `data`; every string in `data` and the subject
  /// is passed through core::redact(). Returns the event as stored (with its id and time).
  /// Thread-safe.
  Event record(const std::string& type, const Subject& subject, nlohmann::json data = nlohmann::json::object());

  /// Commit the events recorded so far now, e.g. before a risky side effect ("journal before
  /// acting"); the run's file is rewritten with the longer list at the next flush or at finish.
  core::Result<void> flush();

  /// Record `run.finished` with `exit_code` and the duration, then commit everything. Idempotent:
  /// later calls return the first result. A run that recorded nothing besides `run.started` and
  /// finishes with exit code 0 writes nothing (commands that only read leave no trace). The destructor calls it with exit code 130 when the
  /// process was interrupted, 70 otherwise, and logs (never throws) an error.
  core::Result<void> finish(int exit_code);

  const std::string& id() const { return m_id; }
  SysSeconds started() const { return m_started; }
  /// The journal's clock: the time an event recorded now would carry.
  SysSeconds now() const { return m_journal->now(); }

private:
  core::Result<void> flush_locked();

  Journal* m_journal;
  std::string m_id;
  std::string m_command;
  SysSeconds m_started;
  SysSeconds m_segment_started;
  std::vector<Event> m_pending;  ///< events of the current file (segment), stored or not
  std::size_t m_stored = 0;      ///< how many of m_pending the journal already has
  std::size_t m_sequence = 0;
  std::size_t m_own_events = 0; ///< events other than run.started
  std::optional<core::Result<void>> m_finished;
  std::unique_ptr<std::mutex> m_mutex;
};

/// In-memory journal for tests: events kept in a vector, clock settable, writes counted.
class MemoryJournal final : public Journal {
public:
  explicit MemoryJournal(std::string actor = "Test <test@tma.invalid>",
                         SysSeconds now = SysSeconds{std::chrono::seconds{1'780'000'000}});
  core::Result<void> write_run(const std::string& run_id, SysSeconds started,
                               const std::vector<Event>& events) override;
  core::Result<void> scan(const Filter& filter, const Visitor& visit) const override;
  std::string actor() const override { return m_actor; }
  SysSeconds now() const override;

  /// Move the fake clock.
  void set_now(SysSeconds now);
  void advance(std::chrono::seconds by);
  /// Make the next `write_run` fail with `error` (to test error paths).
  void fail_next_write(core::Error error);
  /// Every event stored, in the order first written.
  std::vector<Event> events() const;
  /// Number of successful `write_run` calls.
  std::size_t writes() const;

private:
  mutable std::mutex m_mutex;
  std::string m_actor;
  SysSeconds m_now;
  std::vector<Event> m_events;
  std::size_t m_writes = 0;
  std::optional<core::Error> m_fail_next;
};

} // namespace tma::journal
