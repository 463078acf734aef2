#pragma once
// Where the journal of the loaded inventory lives, for every command that records or reads it.

#include <memory>

#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>

#include "cli/common.hpp"

namespace tma::cli {

/// The journal location from the inventory's `journal:` settings; a relative `repository` is
/// resolved against the inventory's directory.
journal::GitJournalOptions journal_options(Context& context);

/// Open the inventory's journal; throws ConfigError when its repository cannot be opened.
std::unique_ptr<journal::Journal> open_journal(Context& context);

/// Start a journal run of `command` for a command whose results are worth keeping but not required:
/// without a journal repository (a plain inventory directory) it prints one warning naming `what`
/// and returns nullptr, and the command goes on unrecorded.
journal::Run* start_run_or_warn(Context& context, std::string command, std::string_view what);

/// The agency's time zone (`agency.timezone`); throws ConfigError for an unknown zone.
core::TimeZone agency_zone(Context& context);

} // namespace tma::cli
