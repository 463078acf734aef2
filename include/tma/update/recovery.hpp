#pragma once
// What an update run leaves for the hours ledger. Pure functions over pipeline results.

#include <tma/contract/record.hpp>
#include <tma/journal/journal.hpp>
#include <tma/update/pipeline.hpp>

#include <string>
#include <vector>

namespace tma::update {

/// `update: 2 updated (core 6.4.2 -> 6.5.3, plugin:akismet 5.3 -> 5.3.1), 1 rejected on preprod;
/// updated` — one line for the time entry.
std::string work_description(const SiteResult& result);

/// The non-billable `update` time entry for `result` (for contract::record_automatic).
contract::AutomaticWork automatic_work(const SiteResult& result, const std::string& client,
                                       core::SysSeconds started, core::SysSeconds finished);

} // namespace tma::update
