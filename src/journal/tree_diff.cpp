#include "journal/tree_diff.hpp"

namespace tma::journal {
namespace {

core::Result<git::Tree> subtree(git_repository* repo, const git_tree_entry* entry) {
  git_tree* raw = nullptr;
  int rc = git_tree_lookup(&raw, repo, git_tree_entry_id(entry));
  if (rc < 0) return git::failure(rc, "cannot read journal tree");
  return git::Tree(raw);
}

core::Result<void> diff_trees(git_repository* repo, const git_tree* before, const git_tree* after,
                              const std::string& prefix, std::vector<TreeChange>& out);

// One name on either side (null: absent there).
core::Result<void> diff_entries(git_repository* repo, const git_tree_entry* before, const git_tree_entry* after,
                                const std::string& path, std::vector<TreeChange>& out) {
  bool tree_before = before != nullptr && git_tree_entry_type(before) == GIT_OBJECT_TREE;
  bool tree_after = after != nullptr && git_tree_entry_type(after) == GIT_OBJECT_TREE;
  git::Tree old_tree, new_tree;
  if (tree_before) {
    auto t = subtree(repo, before);
    if (!t) return tl::unexpected(t.error());
    old_tree = std::move(*t);
  } else if (before != nullptr) {
    out.push_back({path, true, std::nullopt});
  }
  if (tree_after) {
    auto t = subtree(repo, after);
    if (!t) return tl::unexpected(t.error());
    new_tree = std::move(*t);
  }
  if (tree_before || tree_after) {
    auto done = diff_trees(repo, old_tree.get(), new_tree.get(), path + "/", out);
    if (!done) return done;
  }
  if (after != nullptr && !tree_after && git_tree_entry_type(after) == GIT_OBJECT_BLOB) {
    out.push_back({path, false, *git_tree_entry_id(after)});
  }
  return {};
}

core::Result<void> diff_trees(git_repository* repo, const git_tree* before, const git_tree* after,
                              const std::string& prefix, std::vector<TreeChange>& out) {
  if (before != nullptr) {
    for (std::size_t i = 0; i < git_tree_entrycount(before); ++i) {
      const git_tree_entry* old_entry = git_tree_entry_byindex(before, i);
      const char* name = git_tree_entry_name(old_entry);
      const git_tree_entry* new_entry = after != nullptr ? git_tree_entry_byname(after, name) : nullptr;
      if (new_entry != nullptr && git_tree_entry_filemode(old_entry) == git_tree_entry_filemode(new_entry) &&
          git_oid_equal(git_tree_entry_id(old_entry), git_tree_entry_id(new_entry))) {
        continue;
      }
      auto done = diff_entries(repo, old_entry, new_entry, prefix + name, out);
      if (!done) return done;
    }
  }
  if (after != nullptr) {
    for (std::size_t i = 0; i < git_tree_entrycount(after); ++i) {
      const git_tree_entry* new_entry = git_tree_entry_byindex(after, i);
      const char* name = git_tree_entry_name(new_entry);
      if (before != nullptr && git_tree_entry_byname(before, name) != nullptr) continue;
      auto done = diff_entries(repo, nullptr, new_entry, prefix + name, out);
      if (!done) return done;
    }
  }
  return {};
}

} // namespace

core::Result<std::vector<TreeChange>> diff_journal(git_repository* repo, const git_oid& before, const git_oid& after) {
  auto old_tree = git::commit_tree(repo, before);
  if (!old_tree) return tl::unexpected(old_tree.error());
  auto new_tree = git::commit_tree(repo, after);
  if (!new_tree) return tl::unexpected(new_tree.error());
  std::vector<TreeChange> changes;
  auto diffed = diff_entries(repo, git_tree_entry_byname(old_tree->get(), "journal"),
                             git_tree_entry_byname(new_tree->get(), "journal"), "journal", changes);
  if (!diffed) return tl::unexpected(diffed.error());
  return changes;
}

} // namespace tma::journal
