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

/// The agency's time zone (`agency.timezone`); throws ConfigError for an unknown zone.
core::TimeZone agency_zone(Context& context);

} // namespace tma::cli
