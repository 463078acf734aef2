#pragma once
// PRIVATE to src/journal: reading the journal tree of a ref.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/journal/journal.hpp>

#include "journal/git_handles.hpp"

namespace tma::journal {

/// Visit the events under `journal/` at `ref_name` matching `filter`, newest first. Day
/// directories outside the filter's time range are skipped before any file in them is read.
core::Result<void> scan_tree(git_repository* repo, const std::string& ref_name, const Filter& filter,
                             const Visitor& visit);

/// Whether `line` may be an event of one of `types` (exact, `x.*` or `x.` prefixes): reads the
/// `"type"` that ends a line as tma writes it (keys sorted, compact); true for every line that is
/// one, and for any line written otherwise (the parser then decides).
bool may_match_type(std::string_view line, const std::vector<std::string>& types);

/// The days (days since 1970-01-01, UTC) whose run files may hold events matching `filter`'s
/// time range: a run file under day D holds events of D and D + 1 (k_max_segment_span).
struct DayWindow {
  std::optional<long long> min_day;
  std::optional<long long> max_day;
  bool excludes(long long day) const { return (min_day && day < *min_day) || (max_day && day > *max_day); }
};
DayWindow day_window(const Filter& filter);

/// Parse one run file; events failing `filter` are dropped; bad lines are reported as warnings
/// naming `path`:line and skipped. Appends to `out` with the file name and line for ordering.
struct Located {
  Event event;
  std::string file;
  std::size_t line = 0;
};
void parse_run_file(std::string_view content, const std::string& path, const Filter& filter,
                    std::vector<Located>& out);
/// The same for one line (line number `line_no`, from 1) of the run file `path`.
void parse_line(std::string_view line, const std::string& path, std::size_t line_no, const Filter& filter,
                std::vector<Located>& out);

} // namespace tma::journal
