#pragma once
// Machine-local state kept next to the journal: `<git common dir>/tma-cache/<name>`, beside the
// event index. For figures that are not events yet, such as the response times of the health
// checks of a day still running (docs/incidents.md, "Daily aggregates"): they become journal events
// once complete, so only this machine's open day lives here, and losing the file loses no event.

#include <filesystem>
#include <functional>
#include <string>

#include <tma/core/error.hpp>
#include <tma/journal/git_journal.hpp>

namespace tma::journal {

/// `<git common dir>/tma-cache` of the journal's repository.
core::Result<std::filesystem::path> local_state_directory(const GitJournalOptions& options);

/// Read `directory/name` ("" when it does not exist), pass it to `update` and write what it returns
/// in its place, atomically (a crash leaves the old file or the new one), all under an exclusive
/// flock of `directory/name.flock` so that two tma processes never interleave their updates.
/// An error from `update` leaves the file as it was and is returned.
core::Result<void> update_local_state(const std::filesystem::path& directory, const std::string& name,
                                      const std::function<core::Result<std::string>(const std::string&)>& update);

} // namespace tma::journal
