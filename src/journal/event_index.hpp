#pragma once
// PRIVATE to src/journal: the event index, a local cache of the journal's events of the types
// whole-history readers ask for (`time.logged`: hours summaries replay an hour bank from its first
// pack), so that they do not read and inflate every run file of the year (docs/journal.md, "The
// index"). Pure data and logic here (no libgit2): building it from run files, (de)serializing it,
// and scanning it with a Filter exactly like the tree reader would.

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/journal/journal.hpp>

namespace tma::journal::index {

/// The event types the index holds. A scan is served from the index only when every type it asks
/// for is one of these, exactly (`covers`).
inline const std::vector<std::string>& indexed_types() {
  static const std::vector<std::string> types{"time.logged"};
  return types;
}
bool covers(const Filter& filter);

/// Bumped whenever the file layout or what is indexed changes: an index of another version is
/// rebuilt, never read.
inline constexpr std::uint32_t k_version = 1;

/// One indexed event; strings repeated across events (actor, type, site, env, client) are ids into
/// the string table, `data` is the event's data as MessagePack. Views point into the loaded file or
/// into strings the index owns (so an index is movable, never copied).
struct Record {
  std::int64_t at = 0;
  std::uint32_t file = 0; ///< into the file table
  std::uint32_t line = 0; ///< from 1
  std::string_view id;
  std::string_view run;
  std::uint32_t actor = 0, type = 0, site = 0, env = 0, client = 0;
  std::string_view data;
};

/// A line that may be of an indexed type but is not a valid event: kept as written, so that a scan
/// warns about it exactly when the tree reader would.
struct BadLine {
  std::uint32_t file = 0;
  std::uint32_t line = 0;
  std::string_view text;
};

struct RunFile {
  std::string_view path; ///< `journal/YYYY/MM/DD/<name>.jsonl`
  long long day = 0;     ///< days since 1970-01-01 of its directory
};

/// The index of the journal at commit `tip` (40 hex digits) of `ref`.
class EventIndex {
public:
  EventIndex() = default;
  EventIndex(EventIndex&&) = default;
  EventIndex& operator=(EventIndex&&) = default;
  EventIndex(const EventIndex&) = delete;
  EventIndex& operator=(const EventIndex&) = delete;

  std::string ref;
  std::string tip;

  /// Index the lines of the run file `path` (under day `day`). The file must not be indexed yet.
  void add_file(const std::string& path, long long day, std::string_view content);
  /// Forget everything indexed from `path` (no-op when unknown).
  void remove_file(const std::string& path);
  /// Put records newest first (the scan order); call after adding files, before scanning or saving.
  void sort();

  /// Visit the indexed events matching `filter`, newest first (by `at`, then file and line, later
  /// first), warning about bad lines as the tree reader does. `covers(filter)` must hold.
  core::Result<void> scan(const Filter& filter, const Visitor& visit) const;
  /// The same; with `decode` false each payload is passed as its MessagePack bytes, undecoded.
  core::Result<void> scan(const Filter& filter, const EncodedVisitor& visit, bool decode) const;

  /// The file's bytes: a header (magic, version, SHA-256 of the rest) and the payload.
  std::string serialize() const;
  /// The same bytes handed to `sink` in pieces, except the checksum at `k_digest_offset`, left
  /// zero and returned (empty if hashing failed): the caller writes it there last.
  using Sink = std::function<void(std::string_view)>;
  std::string write(const Sink& sink) const;
  static constexpr std::size_t k_digest_offset = 12;
  /// Parse `bytes` (kept by the index: records point into it); fails on a wrong magic or version, a checksum mismatch or any inconsistency.
  static core::Result<EventIndex> deserialize(std::string bytes);

  std::size_t event_count() const { return m_records.size(); }
  std::size_t bad_line_count() const { return m_bad.size(); }
  std::size_t file_count() const { return m_files.size(); }

private:
  std::uint32_t intern(const std::string& text);
  std::uint32_t file_id(const std::string& path, long long day);
  std::string_view own(std::string_view text);

  std::string m_loaded;            ///< the file the index was read from
  std::deque<std::string> m_owned; ///< text added since (a deque never moves its elements)
  std::vector<std::string> m_strings{""}; ///< id 0 is the empty string (JSON null)
  std::unordered_map<std::string, std::uint32_t> m_string_ids; ///< built on first add
  std::vector<RunFile> m_files;
  std::vector<Record> m_records;
  std::vector<BadLine> m_bad;
  std::size_t m_sorted = 0; ///< m_records[0, m_sorted) are in scan order
};

/// Raw 32-byte SHA-256 of `bytes` (the checksum of index and delta files); empty on a libcrypto error.
std::string sha256_raw(std::string_view bytes);

} // namespace tma::journal::index
