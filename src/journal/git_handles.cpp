#include "journal/git_handles.hpp"

#include <mutex>
#include <optional>

#include <fmt/format.h>

#include <tma/core/log.hpp>

#include "journal/ssh_subtransport.hpp"

namespace tma::journal::git {

void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init(); // never shut down: handles may live in statics until exit
    // Durability: a journal event acknowledged must survive a power cut.
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
    // SSH remotes through the OpenSSH client (time-outs, Ctrl-C, known_hosts), before any remote.
    if (auto registered = ssh::register_transport(); !registered) core::log::warning("{}", registered.error().message);
  });
}

std::string last_error_text() {
  const git_error* e = git_error_last();
  if (e == nullptr || e->message == nullptr) return "unknown error";
  return e->message;
}

core::Error error(int rc, std::string_view what) {
  auto kind = rc == GIT_ELOCKED ? core::ErrorKind::locked : core::ErrorKind::git;
  return core::Error{kind, fmt::format("{}: {}", what, last_error_text())};
}

core::Result<Repository> open_repository(const std::string& path) {
  ensure_initialised();
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, path.c_str(), 0, nullptr);
  Repository repo(raw);
  if (rc == GIT_ENOTFOUND) {
    return core::fail(core::ErrorKind::git, fmt::format("{}: not in a git repository (run 'tma init')", path));
  }
  if (rc < 0) return failure(rc, fmt::format("cannot open git repository {}", path));
  return repo;
}

core::Result<std::optional<git_oid>> resolve_ref(git_repository* repo, const std::string& ref_name) {
  git_oid oid;
  int rc = git_reference_name_to_id(&oid, repo, ref_name.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<git_oid>{};
  if (rc < 0) return failure(rc, fmt::format("cannot read {}", ref_name));
  return std::optional<git_oid>{oid};
}

std::string to_hex(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

core::Result<Tree> commit_tree(git_repository* repo, const git_oid& commit_id) {
  git_commit* raw_commit = nullptr;
  int rc = git_commit_lookup(&raw_commit, repo, &commit_id);
  Commit commit(raw_commit);
  if (rc < 0) return failure(rc, "cannot read journal commit");
  git_tree* raw = nullptr;
  rc = git_commit_tree(&raw, commit.get());
  if (rc < 0) return failure(rc, "cannot read journal tree");
  return Tree(raw);
}

} // namespace tma::journal::git
