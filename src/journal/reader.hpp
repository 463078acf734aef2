#pragma once
// PRIVATE to src/journal: reading the journal tree of a ref.

#include <string>

#include <tma/journal/journal.hpp>

#include "journal/git_handles.hpp"

namespace tma::journal {

/// Visit the events under `journal/` at `ref_name` matching `filter`, newest first. Day
/// directories outside the filter's time range are skipped before any file in them is read.
core::Result<void> scan_tree(git_repository* repo, const std::string& ref_name, const Filter& filter,
                             const Visitor& visit);

/// Parse one run file; events failing `filter` are dropped; bad lines are reported as warnings
/// naming `path`:line and skipped. Appends to `out` with the file name and line for ordering.
struct Located {
  Event event;
  std::string file;
  std::size_t line = 0;
};
void parse_run_file(std::string_view content, const std::string& path, const Filter& filter,
                    std::vector<Located>& out);

} // namespace tma::journal
