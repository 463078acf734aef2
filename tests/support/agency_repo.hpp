#pragma once
// An agency directory for the journal sync tests: made by `tma init`, its inventory committed, and
// `remote` added as origin (a path, `file://`, `git://` or `ssh://` URL); the test events in one.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>

#include "support/process.hpp"
#include "support/run_tma.hpp"

namespace tma::test {

inline void make_agency(const std::string& dir, const std::string& remote) {
  auto init = run_tma({"init", dir});
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  REQUIRE(git(dir, {"add", "sites.yaml", ".gitignore"}).exit_code == 0);
  REQUIRE(git(dir, {"commit", "-q", "-m", "agency"}).exit_code == 0);
  REQUIRE(git(dir, {"remote", "add", "origin", remote}).exit_code == 0);
}

/// The `test.event` events (written by the "journal test helper: writer") of the journal in `repo`.
inline std::vector<journal::Event> test_events(const std::string& repo) {
  auto store = journal::open_git_journal({repo, "refs/heads/tma-journal"});
  REQUIRE(store);
  journal::Filter filter;
  filter.types = {"test.event"};
  auto events = journal::read_events(**store, filter);
  REQUIRE(events);
  return *events;
}

} // namespace tma::test
