#include "journal/index_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/core/timezone.hpp>

#include "journal/git_store.hpp"
#include "journal/index_delta.hpp"
#include "journal/tree_diff.hpp"

namespace tma::journal::index {
namespace {

std::optional<unsigned> digits(std::string_view text, std::size_t count) {
  if (text.size() != count) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

// `added` (when given) gets a copy of the file for the delta segment.
core::Result<void> add_blob(git_repository* repo, EventIndex& index, const git_oid& id, const std::string& path,
                            long long day, std::vector<DeltaFile>* added = nullptr) {
  git_blob* raw = nullptr;
  int rc = git_blob_lookup(&raw, repo, &id);
  git::Blob blob(raw);
  if (rc < 0) return git::failure(rc, fmt::format("cannot read {}", path));
  std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                           static_cast<std::size_t>(git_blob_rawsize(blob.get())));
  index.add_file(path, day, content);
  if (added != nullptr) added->push_back({path, day, std::string(content)});
  return {};
}

struct WalkState {
  git_repository* repo;
  EventIndex* index;
  core::Result<void> result;
};

// Every run file of the tree, in the tree's order (records are sorted afterwards).
core::Result<EventIndex> rebuild(git_repository* repo, const std::string& ref, const git_oid& tip) {
  EventIndex index;
  index.ref = ref;
  index.tip = git::to_hex(tip);
  auto tree = git::commit_tree(repo, tip);
  if (!tree) return tl::unexpected(tree.error());
  const git_tree_entry* journal = git_tree_entry_byname(tree->get(), "journal");
  if (journal != nullptr && git_tree_entry_type(journal) == GIT_OBJECT_TREE) {
    git_tree* raw = nullptr;
    int rc = git_tree_lookup(&raw, repo, git_tree_entry_id(journal));
    git::Tree journal_tree(raw);
    if (rc < 0) return git::failure(rc, "cannot read journal tree");
    WalkState state{repo, &index, {}};
    rc = git_tree_walk(
        journal_tree.get(), GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* entry, void* payload) -> int {
          auto& s = *static_cast<WalkState*>(payload);
          if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return 0;
          std::string path = fmt::format("journal/{}{}", root, git_tree_entry_name(entry));
          auto day = run_file_day(path);
          if (!day) return 0;
          s.result = add_blob(s.repo, *s.index, *git_tree_entry_id(entry), path, *day);
          return s.result ? 0 : -1;
        },
        &state);
    if (!state.result) return tl::unexpected(state.result.error());
    if (rc < 0) return git::failure(rc, "cannot walk journal tree");
  }
  index.sort();
  return index;
}

// Bring `index` (at an ancestor of `tip`) to `tip` from the changes between the two trees: run
// files are written once at a unique path, a flushed run's file is replaced by a longer version of
// itself (forgotten, read again), a file removed by hand is forgotten. `delta` gets the files
// added; false when something was removed (then only a whole new base describes the index).
core::Result<bool> update(git_repository* repo, EventIndex& index, const git_oid& old_commit, const git_oid& tip,
                          Delta& delta) {
  auto changes = diff_journal(repo, old_commit, tip);
  if (!changes) return tl::unexpected(changes.error());
  bool append_only = true;
  delta.ref = index.ref;
  delta.prev = index.tip;
  for (const auto& change : *changes) {
    if (change.removed) {
      index.remove_file(change.path);
      append_only = false;
    }
    if (!change.added) continue;
    auto day = run_file_day(change.path);
    if (!day) continue;
    auto added = add_blob(repo, index, *change.added, change.path, *day, &delta.files);
    if (!added) return tl::unexpected(added.error());
  }
  index.sort();
  index.tip = git::to_hex(tip);
  delta.tip = index.tip;
  return append_only;
}

std::optional<EventIndex> load(const std::filesystem::path& path, const std::string& ref) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return std::nullopt;
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  auto index = EventIndex::deserialize(std::move(bytes));
  if (!index) {
    core::log::info("{}: {}; rebuilding it", path.string(), index.error().message);
    return std::nullopt;
  }
  if (index->ref != ref) return std::nullopt;
  return std::move(*index);
}

// Temporary file in the same directory, fsync, rename over the old one, fsync the directory:
// readers see the old index or the new one, never a mix; concurrent savers each rename a whole
// file of their own (the last one wins, both are valid).
core::Result<void> save_file(const std::filesystem::path& path,
                             const std::function<std::string(const std::function<void(std::string_view)>&)>& write,
                             std::size_t digest_offset) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  auto temp = path;
  temp += fmt::format(".{}.{:08x}.tmp", ::getpid(), std::random_device{}());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  bool ok = true;
  auto write_all = [&](std::string_view bytes, std::optional<off_t> at) {
    std::size_t done = 0;
    while (ok && done < bytes.size()) {
      auto n = at ? ::pwrite(fd, bytes.data() + done, bytes.size() - done, *at + static_cast<off_t>(done))
                  : ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) done += static_cast<std::size_t>(n);
    }
  };
  auto digest = write([&](std::string_view piece) { write_all(piece, std::nullopt); });
  ok = ok && !digest.empty();
  if (!digest.empty()) write_all(digest, static_cast<off_t>(digest_offset)); // last: a file cut short fails the check
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    auto why = std::strerror(errno);
    std::filesystem::remove(temp, ec);
    return core::fail(core::ErrorKind::io, fmt::format("cannot write {}: {}", path.string(), why));
  }
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}


core::Result<void> save_base(const std::filesystem::path& path, const EventIndex& index) {
  return save_file(path, [&](const auto& sink) { return index.write(sink); }, EventIndex::k_digest_offset);
}

// `<base stem>.delta-<tip>.bin` next to the base: named by the commit it brings the index to, so
// two processes saving the same step write the same bytes to the same name.
std::filesystem::path delta_path(const std::filesystem::path& base, const std::string& tip) {
  auto name = base.stem().string() + ".delta-" + tip + ".bin";
  return base.parent_path() / name;
}

std::vector<std::filesystem::path> delta_files(const std::filesystem::path& base) {
  std::vector<std::filesystem::path> out;
  auto prefix = base.stem().string() + ".delta-";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(base.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name.size() > prefix.size() + 4 && name.compare(0, prefix.size(), prefix) == 0 &&
        name.compare(name.size() - 4, 4, ".bin") == 0) {
      out.push_back(it->path());
    }
  }
  return out;
}

void remove_deltas(const std::filesystem::path& base) {
  std::error_code ec;
  for (const auto& file : delta_files(base)) std::filesystem::remove(file, ec);
}

core::Result<void> save_delta(const std::filesystem::path& base, const Delta& delta) {
  std::error_code ec;
  std::filesystem::create_directories(base.parent_path(), ec);
  return save_file(
      delta_path(base, delta.tip),
      [&](const auto& sink) {
        auto bytes = delta.serialize();
        auto digest = bytes.substr(EventIndex::k_digest_offset, 32);
        std::fill_n(bytes.begin() + EventIndex::k_digest_offset, 32, '\0');
        sink(bytes);
        return digest;
      },
      EventIndex::k_digest_offset);
}

std::optional<std::string> read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!in || ec) return std::nullopt;
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return bytes;
}

struct Chain {
  std::size_t files = 0; ///< delta files present (chained or not): the compaction threshold counts them
  std::size_t bytes = 0;
};

// Apply to `index` (the base) the delta segments chained from its tip (each one's `prev` is the
// tip reached so far) towards `target`. A segment that cannot be read or checked makes the whole
// index untrusted (false: rebuild). Segments off the chain (a concurrent process's step from an
// older tip, one whose predecessor is gone) are ignored: the index then stops at an ancestor and
// the tree diff from there brings it up to date, so they never change a result.
bool apply_deltas(git_repository* repo, const std::filesystem::path& base, EventIndex& index, const git_oid& target,
                  Chain& chain) {
  std::vector<Delta> deltas;
  for (const auto& file : delta_files(base)) {
    auto bytes = read_all(file);
    if (!bytes) continue; // removed meanwhile by a compaction
    auto delta = Delta::deserialize(*bytes);
    if (!delta || delta->ref != index.ref || file.filename() != delta_path(base, delta->tip).filename()) {
      core::log::info("{}: {}; rebuilding the journal index", file.string(),
                      delta ? "not the delta its name says" : delta.error().message);
      return false;
    }
    ++chain.files;
    chain.bytes += bytes->size();
    deltas.push_back(std::move(*delta));
  }
  bool moved = false;
  for (std::size_t step = 0; step < deltas.size(); ++step) {
    Delta* next = nullptr;
    for (auto& delta : deltas) {
      git_oid id;
      if (delta.prev != index.tip || git_oid_fromstr(&id, delta.tip.c_str()) != 0) continue;
      if (git_oid_equal(&id, &target) || git_graph_descendant_of(repo, &target, &id) == 1) {
        next = &delta;
        break;
      }
    }
    if (next == nullptr) break;
    for (const auto& file : next->files) index.add_file(file.path, file.day, file.content);
    index.tip = next->tip;
    next->files.clear();
    next->prev.clear();
    moved = true;
  }
  if (moved) index.sort();
  return true;
}

} // namespace

std::optional<long long> run_file_day(std::string_view path) {
  // journal/YYYY/MM/DD/<name>.jsonl
  constexpr std::string_view k_root = "journal/";
  if (path.substr(0, k_root.size()) != k_root || path.size() < 6 || path.substr(path.size() - 6) != ".jsonl") {
    return std::nullopt;
  }
  auto rest = path.substr(k_root.size());
  if (rest.size() < 11 || rest[4] != '/' || rest[7] != '/' || rest[10] != '/') return std::nullopt;
  auto year = digits(rest.substr(0, 4), 4);
  auto month = digits(rest.substr(5, 2), 2);
  auto day = digits(rest.substr(8, 2), 2);
  auto name = rest.substr(11);
  if (!year || !month || !day || *month < 1 || *month > 12 || name.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return core::days_from_civil({static_cast<int>(*year), *month, 1}) + *day - 1;
}

std::filesystem::path index_path(git_repository* repo, const std::string& ref) {
  std::string name = ref;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return git::common_dir(repo) / "tma-cache" / ("journal-index-" + name + ".bin");
}

core::Result<EventIndex> up_to_date(git_repository* repo, const std::string& ref, const git_oid& tip,
                                    std::optional<EventIndex> cached, Outcome* outcome) {
  auto path = index_path(repo, ref);
  std::optional<EventIndex> found;
  Chain chain;
  if (cached && cached->ref == ref) {
    found = std::move(cached);
  } else {
    found = load(path, ref);
    if (found && !apply_deltas(repo, path, *found, tip, chain)) found.reset();
  }
  auto tip_hex = git::to_hex(tip);
  auto set = [&](Outcome o) {
    if (outcome != nullptr) *outcome = o;
  };
  if (found && found->tip == tip_hex) {
    set(Outcome::loaded);
    return std::move(*found);
  }
  std::optional<EventIndex> result;
  Delta delta;
  bool append_only = false;
  if (found) {
    git_oid old;
    // The indexed commit must still exist and be an ancestor: after a rewritten history (or a
    // corrupt tip text) files may have vanished in ways a diff from there would not show.
    if (git_oid_fromstr(&old, found->tip.c_str()) == 0 && git_graph_descendant_of(repo, &tip, &old) == 1) {
      auto updated = update(repo, *found, old, tip, delta);
      if (!updated) return tl::unexpected(updated.error());
      append_only = *updated;
      set(Outcome::updated);
      result = std::move(*found);
    }
  }
  if (!result) {
    auto built = rebuild(repo, ref, tip);
    if (!built) return built;
    set(Outcome::rebuilt);
    result = std::move(*built);
  }
  // Only new run files: one small segment next to the base. Anything else, or segments grown
  // past the threshold: a new base, and the segments (now all behind it) go.
  if (cached) chain.files = delta_files(path).size();
  std::size_t delta_bytes = 0;
  for (const auto& file : delta.files) delta_bytes += file.content.size();
  core::Result<void> saved;
  if (append_only && std::filesystem::exists(path) && chain.files + 1 <= k_max_deltas &&
      chain.bytes + delta_bytes <= k_max_delta_bytes) {
    saved = save_delta(path, delta);
  } else {
    saved = save_base(path, *result);
    if (saved) remove_deltas(path);
  }
  if (!saved) {
    core::log::warning("journal index not saved (the next command reads the journal again): {}", saved.error().message);
  }
  return std::move(*result);
}

} // namespace tma::journal::index
