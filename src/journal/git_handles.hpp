#pragma once
// PRIVATE to src/journal: move-only owners for libgit2 handles, the library init guard and
// error text. Only the journal folder includes git2.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <git2.h>

#include <tma/core/error.hpp>

namespace tma::journal::git {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* handle) const noexcept {
    if (handle != nullptr) Free(handle);
  }
};

template <class T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using Repository = Handle<git_repository, git_repository_free>;
using Reference = Handle<git_reference, git_reference_free>;
using Commit = Handle<git_commit, git_commit_free>;
using Tree = Handle<git_tree, git_tree_free>;
using TreeEntry = Handle<git_tree_entry, git_tree_entry_free>;
using TreeBuilder = Handle<git_treebuilder, git_treebuilder_free>;
using Blob = Handle<git_blob, git_blob_free>;
using Signature = Handle<git_signature, git_signature_free>;
using Config = Handle<git_config, git_config_free>;
using Remote = Handle<git_remote, git_remote_free>;
using Index = Handle<git_index, git_index_free>;
using Object = Handle<git_object, git_object_free>;
using RevWalk = Handle<git_revwalk, git_revwalk_free>;

/// A git_buf disposed at scope exit.
class Buf {
public:
  Buf() = default;
  ~Buf() { git_buf_dispose(&m_buf); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  git_buf* get() { return &m_buf; }
  std::string str() const { return m_buf.ptr ? std::string(m_buf.ptr, m_buf.size) : std::string(); }

private:
  git_buf m_buf = GIT_BUF_INIT;
};

/// Initialise libgit2 once per process (with fsync of objects and refs on) and keep it for the
/// process lifetime; every entry point of the journal calls this first.
void ensure_initialised();

/// The last libgit2 error message of this thread, or "unknown error" (git_error_last may be NULL).
std::string last_error_text();

/// An ErrorKind::git error "`what`: <libgit2 message>" for return code `rc`.
core::Error error(int rc, std::string_view what);

/// `fail(...)` shorthand for functions returning Result.
inline tl::unexpected<core::Error> failure(int rc, std::string_view what) {
  return tl::unexpected<core::Error>(error(rc, what));
}

/// Open the repository containing `path` (searching upwards like git does).
core::Result<Repository> open_repository(const std::string& path);

/// The oid `ref_name` points to (peeled to a commit), or nullopt when the ref does not exist.
core::Result<std::optional<git_oid>> resolve_ref(git_repository* repo, const std::string& ref_name);

/// The 40-hex text of `oid`.
std::string to_hex(const git_oid& oid);

/// The root tree of commit `commit_id`.
core::Result<Tree> commit_tree(git_repository* repo, const git_oid& commit_id);

} // namespace tma::journal::git
