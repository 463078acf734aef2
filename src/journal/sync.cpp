#include <tma/journal/sync.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/core/log.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/signals.hpp>

#include "journal/git_handles.hpp"
#include "journal/git_store.hpp"
#include "journal/ssh_subtransport.hpp"

namespace tma::journal {

namespace {

struct CallbackState {
  int credential_calls = 0;
  bool tried_token = false;
  std::vector<std::string> rejected; ///< "ref: reason" from push_update_reference
  std::vector<std::string> accepted;
};

// HTTPS remotes only: SSH remotes go through the OpenSSH client (ssh_subtransport.hpp), which
// authenticates itself (agent, ~/.ssh/config identities) and never asks libgit2 for credentials.
int acquire_credentials(git_credential** out, const char* url, const char* user_from_url, unsigned int allowed,
                        void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  ++state->credential_calls;
  const char* token = std::getenv("TMA_GIT_TOKEN");
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && token != nullptr && *token != '\0' &&
      !state->tried_token) {
    state->tried_token = true;
    core::register_secret(token);
    const char* user = std::getenv("TMA_GIT_USERNAME");
    if (user == nullptr || *user == '\0') user = user_from_url != nullptr ? user_from_url : "x-access-token";
    return git_credential_userpass_plaintext_new(out, user, token);
  }
  std::string message =
      fmt::format("authentication to {} failed: set TMA_GIT_TOKEN (and TMA_GIT_USERNAME if needed)", url);
  git_error_set_str(GIT_ERROR_NET, core::redact(message).c_str());
  return GIT_EAUTH;
}

int push_update_reference(const char* refname, const char* status, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  if (status != nullptr) state->rejected.push_back(fmt::format("{}: {}", refname, status));
  else state->accepted.emplace_back(refname);
  return 0;
}

git_remote_callbacks callbacks(CallbackState& state) {
  git_remote_callbacks cb;
  git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
  cb.credentials = acquire_credentials;
  cb.push_update_reference = push_update_reference;
  cb.payload = &state;
  return cb;
}

std::string hex_or_empty(const std::optional<git_oid>& oid) { return oid ? git::to_hex(*oid) : std::string(); }

// A remote in memory for `url`, without the configured one's fetch refspecs: libgit2 1.5 then
// writes no remote-tracking ref (refs/remotes/<remote>/...) on fetch or push. Those writes take a
// ref lock in the clone outside the machine lock; a sync killed while holding it left
// `<ref>.lock` behind, and every later fetch of that clone failed ("failed to lock file") until
// someone deleted it by hand. The sync needs none of it: the remote's tip comes from the
// advertisement (git_remote_ls) and the merge goes straight into the journal ref.
core::Result<git::Remote> detached_remote(git_repository* repo, const char* url) {
  git_remote_create_options options;
  git_remote_create_options_init(&options, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  options.repository = repo;
  // The named remote's URL already had url.<base>.insteadOf applied when it was looked up.
  options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  int rc = git_remote_create_with_opts(&raw, url, &options);
  git::Remote remote(raw);
  if (rc < 0) return git::failure(rc, "cannot open the journal's remote");
  return remote;
}

// Runs the ref write `update` again while the ref is locked, for longer than k_stale_lock_after, so
// that a lock left by a process killed while it wrote that ref is seen to outlive it and removed
// (StaleLockDetector) rather than failing every later sync of this clone. Call under the machine lock.
int update_past_stale_lock(git_repository* repo, const std::string& ref, const std::function<int()>& update) {
  git::StaleLockDetector stale(git::common_dir(repo), ref);
  auto give_up = std::chrono::steady_clock::now() + 2 * git::k_stale_lock_after;
  for (int tries = 0;; ++tries) {
    int rc = update();
    if (rc != GIT_ELOCKED || std::chrono::steady_clock::now() >= give_up) return rc;
    if (!stale.check()) git::backoff(std::min(tries, 3));
  }
}

// The remote's journal tip as this clone last saw it, in a ref of tma's own. A git server walks the
// clone's history to leave out what it has; libgit2's transport for a path remote only leaves out
// what the clone's refs point at. The journal ref is always ahead of the remote when a sync starts
// (the run just recorded), so without this ref nothing was left out and every fetch from a path
// remote copied the whole journal history again (the soak's month: 12,000 objects per fetch at day
// 5, 400 MB per clone, health steps 23 s instead of 3).
std::string seen_ref(const std::string& remote) { return "refs/tma/seen/" + remote; }

// A hint only (it saves transfer, it decides nothing): a failure is logged and the sync goes on.
// Under the machine lock, like every other ref tma writes.
void remember_remote_tip(git_repository* repo, const std::string& remote, const git_oid& tip) {
  auto ref = seen_ref(remote);
  int rc = update_past_stale_lock(repo, ref, [&] {
    git_reference* raw = nullptr;
    int created = git_reference_create(&raw, repo, ref.c_str(), &tip, 1, "tma sync: remote tip");
    git::Reference handle(raw);
    return created;
  });
  if (rc < 0) core::log::debug("sync: {}", git::error(rc, "cannot record the remote's tip in " + ref).message);
}

core::Result<git::Tree> commit_tree(git_repository* repo, const git_oid& id, git::Commit* keep = nullptr) {
  git_commit* raw = nullptr;
  int rc = git_commit_lookup(&raw, repo, &id);
  git::Commit commit(raw);
  if (rc < 0) return git::failure(rc, "cannot read commit " + git::to_hex(id));
  git_tree* tree = nullptr;
  rc = git_commit_tree(&tree, commit.get());
  if (rc < 0) return git::failure(rc, "cannot read tree of " + git::to_hex(id));
  if (keep != nullptr) *keep = std::move(commit);
  return git::Tree(tree);
}

// Merge `remote` into `local` in memory; returns the merge commit. Fails on any conflict.
core::Result<git_oid> merge_commit(git_repository* repo, const git_oid& local, const git_oid& remote,
                                   const std::optional<git_oid>& base, const std::string& remote_name) {
  git::Commit local_commit, remote_commit;
  auto local_tree = commit_tree(repo, local, &local_commit);
  if (!local_tree) return tl::unexpected(local_tree.error());
  auto remote_tree = commit_tree(repo, remote, &remote_commit);
  if (!remote_tree) return tl::unexpected(remote_tree.error());
  git::Tree base_tree;
  if (base) {
    auto t = commit_tree(repo, *base);
    if (!t) return tl::unexpected(t.error());
    base_tree = std::move(*t);
  }
  git_merge_options merge_options;
  git_merge_options_init(&merge_options, GIT_MERGE_OPTIONS_VERSION);
  merge_options.flags = GIT_MERGE_FAIL_ON_CONFLICT;
  git_index* raw_index = nullptr;
  int rc = git_merge_trees(&raw_index, repo, base_tree.get(), local_tree->get(), remote_tree->get(), &merge_options);
  git::Index index(raw_index);
  if (rc == GIT_EMERGECONFLICT || (rc == 0 && git_index_has_conflicts(index.get()))) {
    // Find the paths to name them: redo the merge without failing fast.
    merge_options.flags = 0;
    git_index* full = nullptr;
    std::vector<std::string> paths;
    if (git_merge_trees(&full, repo, base_tree.get(), local_tree->get(), remote_tree->get(), &merge_options) == 0) {
      git::Index conflicted(full);
      std::size_t count = git_index_entrycount(conflicted.get());
      for (std::size_t i = 0; i < count; ++i) {
        const git_index_entry* e = git_index_get_byindex(conflicted.get(), i);
        if (git_index_entry_is_conflict(e) && (paths.empty() || paths.back() != e->path)) paths.emplace_back(e->path);
      }
    }
    return core::fail(core::ErrorKind::git,
                      fmt::format("the journal on '{}' conflicts with the local one in {}; nothing was changed. "
                                  "Journal files are only ever added by tma, so a file changed on both sides was "
                                  "edited by hand: resolve it with git on the tma-journal ref",
                                  remote_name, paths.empty() ? std::string("some files") : fmt::format("{}", fmt::join(paths, ", "))));
  }
  if (rc < 0) return git::failure(rc, "cannot merge journals");
  git_oid tree_id;
  rc = git_index_write_tree_to(&tree_id, index.get(), repo);
  if (rc < 0) return git::failure(rc, "cannot write merged journal tree");
  git_tree* raw_tree = nullptr;
  rc = git_tree_lookup(&raw_tree, repo, &tree_id);
  git::Tree tree(raw_tree);
  if (rc < 0) return git::failure(rc, "cannot read merged journal tree");
  auto signature = git::commit_signature(repo);
  if (!signature) return tl::unexpected(signature.error());
  const git_commit* parents[2] = {local_commit.get(), remote_commit.get()};
  git_oid out;
  rc = git_commit_create(&out, repo, nullptr, signature->get(), signature->get(), nullptr,
                         fmt::format("journal: merge from {}", remote_name).c_str(), tree.get(), 2, parents);
  if (rc < 0) return git::failure(rc, "cannot write merge commit");
  return out;
}

bool non_fast_forward(const std::string& reason) {
  return reason.find("fast-forward") != std::string::npos || reason.find("fast forward") != std::string::npos ||
         reason.find("fetch first") != std::string::npos || reason.find("stale") != std::string::npos;
}

// A remote that refuses because its ref is locked by a concurrent update (`cannot lock ref`,
// `failed to lock`, `failed to update ref`).
bool ref_locked(const std::string& reason) {
  return reason.find("lock") != std::string::npos || reason.find("failed to update ref") != std::string::npos;
}

// The git directory of a remote given as a path (`/srv/agency.git`, `../remote.git`,
// `file:///srv/agency.git`); nullopt for a URL or `host:path`.
std::optional<std::filesystem::path> local_remote_dir(std::string url, const std::filesystem::path& repository) {
  if (url.rfind("file://", 0) == 0) url = url.substr(7);
  else if (url.find("://") != std::string::npos) return std::nullopt;
  auto colon = url.find(':');
  if (colon != std::string::npos && url.find('/') > colon) return std::nullopt; // scp-like host:path
  std::filesystem::path path(url);
  if (path.is_relative()) path = repository / path;
  std::error_code ec;
  if (std::filesystem::is_directory(path / ".git", ec)) path /= ".git";
  if (!std::filesystem::is_directory(path, ec)) return std::nullopt;
  return path;
}

// A failed fetch or push: the ssh transport's own kind (timeout, interrupted, unreachable) when it
// was the cause, else a git error.
tl::unexpected<core::Error> network_failure(int rc, std::string_view what) {
  core::Error error = git::error(rc, what);
  if (auto kind = ssh::take_failure_kind()) error.kind = *kind;
  else if (core::interrupted()) error.kind = core::ErrorKind::interrupted;
  return tl::unexpected(std::move(error));
}

} // namespace

struct RepositoryLock::Held {
  git::MachineLock lock;
};

RepositoryLock::RepositoryLock(std::unique_ptr<Held> held) : m_held(std::move(held)) {}
RepositoryLock::RepositoryLock(RepositoryLock&&) noexcept = default;
RepositoryLock::~RepositoryLock() = default;

core::Result<RepositoryLock> RepositoryLock::acquire(const std::filesystem::path& repository, const std::string& name,
                                                     std::chrono::milliseconds timeout) {
  auto repo = git::open_repository(repository.string());
  if (!repo) return tl::unexpected(repo.error());
  auto lock = git::MachineLock::acquire(git::common_dir(repo->get()), timeout, name + ".flock");
  if (!lock) return tl::unexpected(lock.error());
  return RepositoryLock(std::make_unique<Held>(Held{std::move(*lock)}));
}

std::string_view to_string(SyncReport::Merge merge) {
  switch (merge) {
  case SyncReport::Merge::fast_forward: return "fast-forward";
  case SyncReport::Merge::merge_commit: return "merge commit";
  case SyncReport::Merge::none:
  default: return "none";
  }
}

core::Result<SyncReport> sync_journal(const SyncOptions& options) {
  auto repo = git::open_repository(options.repository.string());
  if (!repo) return tl::unexpected(repo.error());
  git_repository* r = repo->get();
  git_remote* raw_remote = nullptr;
  int rc = git_remote_lookup(&raw_remote, r, options.remote.c_str());
  git::Remote remote(raw_remote);
  if (rc == GIT_ENOTFOUND) {
    return core::fail(core::ErrorKind::config,
                      fmt::format("no git remote '{}' in {} (add one with 'git remote add {} URL', or set "
                                  "journal.remote)",
                                  options.remote, options.repository.string(), options.remote));
  }
  if (rc < 0) return git::failure(rc, fmt::format("cannot read remote '{}'", options.remote));
  SyncReport report;
  const char* url = git_remote_url(remote.get()) ? git_remote_url(remote.get()) : "";
  const char* push_url = git_remote_pushurl(remote.get()) ? git_remote_pushurl(remote.get()) : url;
  report.remote_url = core::redact(url);
  auto push_remote = detached_remote(r, push_url);
  if (!push_remote) return tl::unexpected(push_remote.error());
  // A push to a path (a bare repository on this machine or a shared file system) writes the remote
  // ref without comparing it to the tip the push was computed from, unlike a git server, so two
  // pushes at once could drop one another's commits: rounds on such a remote take turns.
  std::optional<git::MachineLock> remote_turn;
  auto remote_dir = local_remote_dir(push_url, options.repository);
  if (remote_dir) {
    auto turn = git::MachineLock::acquire(*remote_dir, std::chrono::minutes(2), "tma-push.flock");
    if (!turn) return tl::unexpected(turn.error());
    remote_turn.emplace(std::move(*turn));
  }
  // The push race's seam (SyncOptions::between_fetch_and_push): a test's hook, else the test build's
  // pause from the environment (nullopt in normal builds, which compile the reading out).
  std::function<void()> pause = options.between_fetch_and_push;
  if (!pause) {
    if (auto ms = core::simulated_pause_before_push(); ms && ms->count() > 0) {
      pause = [ms = *ms] {
        core::log::info("sync: TMA_SIMULATED_PAUSE_BEFORE_PUSH: pausing {} ms between fetch and push", ms.count());
        std::this_thread::sleep_for(ms);
      };
    }
  }
  ssh::Scope ssh_scope(options.inactivity_limit);
  // The ref alone, stored nowhere but in the object database until the merge (detached_remote).
  const std::string& fetch_spec = options.ref;
  std::string push_spec = fmt::format("{}:{}", options.ref, options.ref);
  bool first_round = true;

  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    report.attempts = attempt + 1;
    CallbackState state;
    // Fetch. A remote without the ref yet is fine: the first push creates it.
    git_fetch_options fetch_options;
    git_fetch_options_init(&fetch_options, GIT_FETCH_OPTIONS_VERSION);
    fetch_options.callbacks = callbacks(state);
    fetch_options.update_fetchhead = 0;
    const char* fetch_specs[] = {fetch_spec.c_str()};
    git_strarray fetch_array{const_cast<char**>(fetch_specs), 1};
    // A remote per round: its transfer statistics then count this round's fetch alone (a round
    // whose remote had nothing new downloads nothing and would leave the last round's figures).
    auto fetch_remote = detached_remote(r, url);
    if (!fetch_remote) return tl::unexpected(fetch_remote.error());
    rc = git_remote_fetch(fetch_remote->get(), &fetch_array, &fetch_options, "tma sync: fetch");
    if (rc < 0) return network_failure(rc, fmt::format("fetch from '{}' ({}) failed", options.remote, report.remote_url));
    if (const auto* stats = git_remote_stats(fetch_remote->get())) report.fetched_objects += stats->received_objects;
    std::optional<git_oid> remote_tip;
    const git_remote_head** heads = nullptr;
    std::size_t head_count = 0;
    if (git_remote_ls(&heads, &head_count, fetch_remote->get()) == 0) {
      for (std::size_t i = 0; i < head_count; ++i) {
        if (options.ref == heads[i]->name) remote_tip = heads[i]->oid;
      }
    }

    // Merge, under the machine lock so no local writer moves the ref meanwhile.
    std::optional<git_oid> target;
    {
      auto machine = git::MachineLock::acquire(git::common_dir(r));
      if (!machine) return tl::unexpected(machine.error());
      auto local_tip = git::resolve_ref(r, options.ref);
      if (!local_tip) return tl::unexpected(local_tip.error());
      if (remote_tip) remember_remote_tip(r, options.remote, *remote_tip);
      if (first_round) {
        report.local_before = hex_or_empty(*local_tip);
        report.remote_before = hex_or_empty(remote_tip);
        first_round = false;
      }
      target = *local_tip;
      std::optional<git_oid> new_local;
      if (remote_tip && !*local_tip) {
        new_local = *remote_tip;
        report.merge = SyncReport::Merge::fast_forward;
      } else if (remote_tip && git_oid_cmp(&**local_tip, &*remote_tip) != 0) {
        git_oid base_id;
        rc = git_merge_base(&base_id, r, &**local_tip, &*remote_tip);
        std::optional<git_oid> base;
        if (rc == 0) base = base_id;
        else if (rc != GIT_ENOTFOUND) return git::failure(rc, "cannot find the journals' common ancestor");
        if (base && git_oid_cmp(&*base, &*remote_tip) == 0) {
          // The remote is behind us: nothing to merge.
        } else if (base && git_oid_cmp(&*base, &**local_tip) == 0) {
          new_local = *remote_tip;
          report.merge = SyncReport::Merge::fast_forward;
        } else {
          auto merged = merge_commit(r, **local_tip, *remote_tip, base, options.remote);
          if (!merged) return tl::unexpected(merged.error());
          new_local = *merged;
          report.merge = SyncReport::Merge::merge_commit;
        }
      }
      if (new_local) {
        rc = update_past_stale_lock(r, options.ref, [&] {
          return git::compare_and_swap(r, options.ref, *local_tip, *new_local, "tma sync: merge");
        });
        if (rc < 0) return git::failure(rc, fmt::format("cannot update {}", options.ref));
        target = new_local;
      }
    }
    if (options.before_push) {
      if (auto hooked = options.before_push(); !hooked) return tl::unexpected(hooked.error());
      auto tip = git::resolve_ref(r, options.ref);
      if (!tip) return tl::unexpected(tip.error());
      target = *tip;
    }
    report.local_after = hex_or_empty(target);
    if (!target || (remote_tip && git_oid_cmp(&*target, &*remote_tip) == 0)) return report; // up to date

    if (pause && attempt == 0) {
      // Without the turn, as a git server holds none between a client's fetch and its push.
      remote_turn.reset();
      pause();
      if (remote_dir) {
        auto turn = git::MachineLock::acquire(*remote_dir, std::chrono::minutes(2), "tma-push.flock");
        if (!turn) return tl::unexpected(turn.error());
        remote_turn.emplace(std::move(*turn));
      }
    }

    // Push, then read the remote's verdict on the ref: a rejection is an error, never success.
    git_push_options push_options;
    git_push_options_init(&push_options, GIT_PUSH_OPTIONS_VERSION);
    push_options.callbacks = callbacks(state);
    const char* push_specs[] = {push_spec.c_str()};
    git_strarray push_array{const_cast<char**>(push_specs), 1};
    rc = git_remote_push(push_remote->get(), &push_array, &push_options);
    if (rc == GIT_ENONFASTFORWARD ||
        (rc == 0 && !state.rejected.empty() && non_fast_forward(state.rejected.front()))) {
      core::log::info("sync: '{}' moved during the sync; fetching again", options.remote);
      git::backoff(attempt);
      continue;
    }
    // Another runner pushing at the same moment holds the remote's ref lock: try the round again
    // (its push moves the remote, so the next round fetches and merges it first).
    const git_error* last = rc < 0 ? git_error_last() : nullptr;
    bool remote_busy = rc == GIT_ELOCKED || (last && last->message && ref_locked(last->message)) ||
                       (rc == 0 && !state.rejected.empty() && ref_locked(state.rejected.front()));
    if (remote_busy && attempt + 1 < options.max_attempts) {
      core::log::info("sync: '{}' is being updated by another push; trying again", options.remote);
      git::backoff(attempt);
      continue;
    }
    if (rc < 0) return network_failure(rc, fmt::format("push to '{}' ({}) failed", options.remote, report.remote_url));
    if (!state.rejected.empty()) {
      return core::fail(core::ErrorKind::git, fmt::format("push to '{}' ({}) rejected: {}", options.remote,
                                                          report.remote_url, fmt::join(state.rejected, "; ")));
    }
    if (state.accepted.empty()) {
      return core::fail(core::ErrorKind::git,
                        fmt::format("push to '{}' ({}): the remote did not confirm {}", options.remote,
                                    report.remote_url, options.ref));
    }
    report.pushed = true;
    // The remote now has `target`: the next fetch leaves out everything up to it.
    if (auto machine = git::MachineLock::acquire(git::common_dir(r))) remember_remote_tip(r, options.remote, *target);
    return report;
  }
  return core::fail(core::ErrorKind::git, fmt::format("'{}' kept moving: gave up after {} fetch-merge-push rounds",
                                                      options.remote, options.max_attempts));
}

} // namespace tma::journal
