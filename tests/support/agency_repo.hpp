#pragma once
// An agency directory for the journal sync tests: made by `tma init`, its inventory committed, and
// `remote` added as origin (a path, `file://`, `git://` or `ssh://` URL).

#include <string>

#include <catch2/catch.hpp>

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

} // namespace tma::test
