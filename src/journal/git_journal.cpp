#include <tma/journal/git_journal.hpp>

#include <tma/core/clock.hpp>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <span>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/journal/line.hpp>

#include "journal/git_handles.hpp"
#include "journal/git_store.hpp"
#include "journal/index_store.hpp"
#include "journal/reader.hpp"
#include "journal/tree_diff.hpp"

namespace tma::journal {

namespace {

constexpr int k_max_attempts = 12;
constexpr std::string_view k_readme =
    "This ref is tma's journal: one file per tma run under journal/YYYY/MM/DD/,\n"
    "one JSON event per line. Written by tma only; see docs/journal.md.\n";

// `journal/YYYY/MM/DD/YYYYMMDDTHHMMSSZ-<run>.jsonl`, split in path components.
std::vector<std::string> run_file_path(const std::string& run_id, SysSeconds started) {
  auto civil = core::TimeZone::utc().to_local(started).local;
  const auto& d = civil.date;
  return {"journal", fmt::format("{:04}", d.year), fmt::format("{:02}", d.month), fmt::format("{:02}", d.day),
          fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}.jsonl", d.year, d.month, d.day, civil.hour, civil.minute,
                      civil.second, run_id)};
}

// Whether replacing the file `existing` by `content` keeps every line it had (a run's file only grows).
core::Result<bool> extends(git_repository* repo, const git_oid& existing, std::string_view content) {
  git_blob* raw = nullptr;
  int rc = git_blob_lookup(&raw, repo, &existing);
  git::Blob blob(raw);
  if (rc < 0) return git::failure(rc, "cannot read existing journal file");
  std::string_view old(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                       static_cast<std::size_t>(git_blob_rawsize(blob.get())));
  return content.substr(0, old.size()) == old;
}

// A new tree: `base` (may be null) with `blob` (holding `content`) at `path`. An existing file
// there is replaced only by a longer version of itself.
core::Result<git_oid> insert_path(git_repository* repo, const git_tree* base, std::span<const std::string> path,
                                  const git_oid& blob, std::string_view content) {
  git_treebuilder* raw = nullptr;
  int rc = git_treebuilder_new(&raw, repo, base);
  git::TreeBuilder builder(raw);
  if (rc < 0) return git::failure(rc, "cannot build journal tree");
  const std::string& name = path.front();
  if (path.size() == 1) {
    if (const git_tree_entry* old = git_treebuilder_get(builder.get(), name.c_str())) {
      auto ok = extends(repo, *git_tree_entry_id(old), content);
      if (!ok) return tl::unexpected(ok.error());
      if (!*ok) {
        return core::fail(core::ErrorKind::internal,
                          fmt::format("journal file {} already exists with other events; not overwritten", name));
      }
    }
    rc = git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &blob, GIT_FILEMODE_BLOB);
  } else {
    git::Tree subtree;
    if (base != nullptr) {
      const git_tree_entry* entry = git_tree_entry_byname(base, name.c_str());
      if (entry != nullptr && git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
        git_tree* sub = nullptr;
        rc = git_tree_lookup(&sub, repo, git_tree_entry_id(entry));
        subtree.reset(sub);
        if (rc < 0) return git::failure(rc, "cannot read journal tree");
      }
    }
    auto child = insert_path(repo, subtree.get(), path.subspan(1), blob, content);
    if (!child) return child;
    rc = git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &*child, GIT_FILEMODE_TREE);
  }
  if (rc < 0) return git::failure(rc, fmt::format("cannot add {} to the journal tree", name));
  git_oid out;
  rc = git_treebuilder_write(&out, builder.get());
  if (rc < 0) return git::failure(rc, "cannot write journal tree");
  return out;
}

// Commit `blob` at `path` on top of the ref's current tip, compare-and-swap the ref, retry.
core::Result<void> commit_file(git_repository* repo, const std::string& ref_name, const std::vector<std::string>& path,
                               std::string_view content, const std::string& message) {
  git_oid blob;
  int blob_rc = git_blob_create_from_buffer(&blob, repo, content.data(), content.size());
  if (blob_rc < 0) return git::failure(blob_rc, "cannot write journal file");
  auto signature = git::commit_signature(repo);
  if (!signature) return tl::unexpected(signature.error());
  git::StaleLockDetector stale(git::common_dir(repo), ref_name);
  for (int attempt = 0; attempt < k_max_attempts; ++attempt) {
    auto tip = git::resolve_ref(repo, ref_name);
    if (!tip) return tl::unexpected(tip.error());
    git::Tree base;
    git::Commit parent;
    if (*tip) {
      auto tree = git::commit_tree(repo, **tip);
      if (!tree) return tl::unexpected(tree.error());
      base = std::move(*tree);
      git_commit* raw = nullptr;
      int rc = git_commit_lookup(&raw, repo, &**tip);
      parent.reset(raw);
      if (rc < 0) return git::failure(rc, "cannot read journal tip");
    }
    auto tree_id = insert_path(repo, base.get(), path, blob, content);
    if (!tree_id) return tl::unexpected(tree_id.error());
    if (base && git_oid_equal(&*tree_id, git_tree_id(base.get()))) return {}; // already stored as is
    git_tree* raw_tree = nullptr;
    int rc = git_tree_lookup(&raw_tree, repo, &*tree_id);
    git::Tree tree(raw_tree);
    if (rc < 0) return git::failure(rc, "cannot read new journal tree");
    const git_commit* parents[1] = {parent.get()};
    git_oid commit_id;
    rc = git_commit_create(&commit_id, repo, nullptr, signature->get(), signature->get(), nullptr, message.c_str(),
                           tree.get(), parent ? 1 : 0, parents);
    if (rc < 0) return git::failure(rc, "cannot write journal commit");
    rc = git::compare_and_swap(repo, ref_name, *tip, commit_id, "tma: " + message);
    if (rc == 0) return {};
    if (rc != GIT_EMODIFIED && rc != GIT_EEXISTS && rc != GIT_ELOCKED) {
      return git::failure(rc, fmt::format("cannot update {}", ref_name));
    }
    if (rc == GIT_ELOCKED && stale.check()) continue;
    git::backoff(attempt);
  }
  return core::fail(core::ErrorKind::locked,
                    fmt::format("{} kept moving or stayed locked after {} attempts; journal not updated (is another "
                                "program rewriting it?)",
                                ref_name, k_max_attempts));
}

class GitJournal final : public Journal {
public:
  GitJournal(git::Repository repo, std::string ref, std::string actor, bool use_index)
      : m_repo(std::move(repo)), m_ref(std::move(ref)), m_actor(std::move(actor)), m_use_index(use_index) {}

  core::Result<void> write_run(const std::string& run_id, SysSeconds started,
                               const std::vector<Event>& events) override {
    if (events.empty()) return {};
    std::string content;
    for (const auto& e : events) {
      append_line(content, e);
      content += '\n';
    }
    auto path = run_file_path(run_id, started);
    std::lock_guard lock(m_mutex);
    auto machine = git::MachineLock::acquire(git::common_dir(m_repo.get()));
    if (!machine) return tl::unexpected(machine.error());
    auto message = fmt::format("journal: run {} ({} event{})", run_id, events.size(), events.size() == 1 ? "" : "s");
    auto done = commit_file(m_repo.get(), m_ref, path, content, message);
    if (!done) return tl::unexpected(core::with_context(done.error(), "journal"));
    return {};
  }

  core::Result<void> scan(const Filter& filter, const Visitor& visit) const override {
    return scan_encoded(filter, [&visit](const Event& event, std::string_view) { return visit(event); }, true);
  }

  core::Result<void> scan_encoded(const Filter& filter, const EncodedVisitor& visit) const override {
    return scan_encoded(filter, visit, false);
  }

  core::Result<ChangedScan> scan_changed(const std::string& since, const Filter& filter,
                                         const Visitor& visit) const override {
    std::lock_guard lock(m_mutex);
    auto tip = git::resolve_ref(m_repo.get(), m_ref);
    if (!tip) return tl::unexpected(tip.error());
    if (!*tip) return ChangedScan{};
    auto tip_hex = git::to_hex(**tip);
    if (m_use_index && !since.empty()) {
      if (since == tip_hex) return ChangedScan{tip_hex, false};
      auto changed = scan_changes(since, **tip, filter, visit);
      if (!changed) return tl::unexpected(changed.error());
      if (*changed) return ChangedScan{tip_hex, false};
    }
    // A commit made after the tip was resolved may be read here too: the next call then visits
    // its files again, which a fold ignores (repeats are expected, never losses).
    auto scanned = scan_tree(m_repo.get(), m_ref, filter, visit);
    if (!scanned) return tl::unexpected(scanned.error());
    return ChangedScan{tip_hex, true};
  }

  std::optional<std::filesystem::path> cache_directory() const override {
    if (!m_use_index) return std::nullopt;
    std::string name = m_ref;
    std::replace(name.begin(), name.end(), '/', '_');
    std::lock_guard lock(m_mutex);
    return git::common_dir(m_repo.get()) / "tma-cache" / name;
  }

  std::string actor() const override { return m_actor; }

  SysSeconds now() const override {
    return core::wall_now();
  }

private:
  // `decode`: the index decodes each payload into `Event::data` (and passes no bytes).
  core::Result<void> scan_encoded(const Filter& filter, const EncodedVisitor& visit, bool decode) const {
    std::lock_guard lock(m_mutex);
    if (m_use_index && index::covers(filter)) {
      if (auto served = scan_index(filter, visit, decode)) return *served;
    }
    return scan_tree(m_repo.get(), m_ref, filter, [&visit](const Event& event) { return visit(event, {}); });
  }

  // The matching events of the run files added or rewritten from `since` to `tip`; false when
  // that cannot be told (`since` unknown or not an ancestor, a run file removed): then the caller
  // reads everything.
  core::Result<bool> scan_changes(const std::string& since, const git_oid& tip, const Filter& filter,
                                  const Visitor& visit) const {
    git_oid old;
    if (git_oid_fromstr(&old, since.c_str()) != 0 || git_graph_descendant_of(m_repo.get(), &tip, &old) != 1) {
      return false;
    }
    auto changes = diff_journal(m_repo.get(), old, tip);
    if (!changes) return tl::unexpected(changes.error());
    // A rewritten file comes as its removal and its new blob: only a path removed for good means
    // events are gone, which no fold can take back.
    std::set<std::string> rewritten;
    for (const auto& change : *changes) {
      if (change.added) rewritten.insert(change.path);
    }
    for (const auto& change : *changes) {
      if (change.removed && !rewritten.count(change.path)) return false;
    }
    auto window = day_window(filter);
    std::vector<Located> found;
    for (const auto& change : *changes) {
      if (!change.added) continue;
      auto day = index::run_file_day(change.path);
      if (!day || window.excludes(*day)) continue;
      git_blob* raw = nullptr;
      int rc = git_blob_lookup(&raw, m_repo.get(), &*change.added);
      git::Blob blob(raw);
      if (rc < 0) return git::failure(rc, fmt::format("cannot read {}", change.path));
      std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                               static_cast<std::size_t>(git_blob_rawsize(blob.get())));
      parse_run_file(content, change.path, filter, found);
    }
    for (const auto& located : found) {
      if (!visit(located.event)) break;
    }
    return true;
  }

  // The scan served from the index, or nullopt when the index cannot be had (then the caller
  // reads the tree: the index only ever saves time).
  std::optional<core::Result<void>> scan_index(const Filter& filter, const EncodedVisitor& visit, bool decode) const {
    auto tip = git::resolve_ref(m_repo.get(), m_ref);
    if (!tip) return core::Result<void>(tl::unexpected(tip.error()));
    if (!*tip) return core::Result<void>();
    if (m_index && m_index->tip == git::to_hex(**tip)) return m_index->scan(filter, visit, decode);
    auto current = index::up_to_date(m_repo.get(), m_ref, **tip, std::move(m_index));
    m_index.reset();
    if (!current) {
      core::log::warning("journal index unavailable, reading the journal: {}", current.error().message);
      return std::nullopt;
    }
    m_index = std::move(*current);
    return m_index->scan(filter, visit, decode);
  }

  mutable std::mutex m_mutex; // a git_repository must not be used by two threads at once
  git::Repository m_repo;
  std::string m_ref;
  std::string m_actor;
  bool m_use_index;
  mutable std::optional<index::EventIndex> m_index; ///< the last index used, to update from
};

} // namespace

core::Result<void> init_journal_ref(const GitJournalOptions& options) {
  auto repo = git::open_repository(options.repository.string());
  if (!repo) return tl::unexpected(repo.error());
  auto machine = git::MachineLock::acquire(git::common_dir(repo->get()));
  if (!machine) return tl::unexpected(machine.error());
  auto tip = git::resolve_ref(repo->get(), options.ref);
  if (!tip) return tl::unexpected(tip.error());
  if (*tip) return {};
  return commit_file(repo->get(), options.ref, {"journal", "README"}, k_readme, "journal: start");
}

core::Result<std::unique_ptr<Journal>> open_git_journal(const GitJournalOptions& options) {
  auto repo = git::open_repository(options.repository.string());
  if (!repo) return tl::unexpected(repo.error());
  if (git_reference_is_valid_name(options.ref.c_str()) == 0 || options.ref.rfind("refs/", 0) != 0) {
    return core::fail(core::ErrorKind::config, fmt::format("journal ref '{}' is not a valid git ref name", options.ref));
  }
  auto actor = resolve_actor(options.repository);
  const char* no_index = std::getenv("TMA_JOURNAL_INDEX");
  bool use_index = options.use_index && !(no_index != nullptr && std::string_view(no_index) == "off");
  return std::unique_ptr<Journal>(
      std::make_unique<GitJournal>(std::move(*repo), options.ref, std::move(actor), use_index));
}

std::string resolve_actor(const std::filesystem::path& repository) {
  if (const char* env = std::getenv("TMA_ACTOR"); env != nullptr && *env != '\0') return env;
  git::ensure_initialised();
  git_config* raw = nullptr;
  git::Repository repo;
  if (auto opened = git::open_repository(repository.string())) repo = std::move(*opened);
  int rc = 0;
  if (repo) {
    rc = git_repository_config_snapshot(&raw, repo.get());
  } else {
    git_config* live = nullptr;
    rc = git_config_open_default(&live);
    git::Config owner(live);
    if (rc == 0) rc = git_config_snapshot(&raw, live); // get_string needs a snapshot
  }
  git::Config config(raw);
  if (rc < 0) return "unknown";
  auto get = [&](const char* key) -> std::string {
    const char* value = nullptr;
    if (git_config_get_string(&value, config.get(), key) == 0 && value != nullptr) return value;
    return {};
  };
  std::string name = get("user.name");
  std::string email = get("user.email");
  if (name.empty() && email.empty()) return "unknown";
  if (email.empty()) return name;
  if (name.empty()) return "<" + email + ">";
  return fmt::format("{} <{}>", name, email);
}

} // namespace tma::journal
