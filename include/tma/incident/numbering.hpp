#pragma once
// What incidents and client requests (request/) share as journal objects: the order in which their
// events are folded, and yearly numbers `PREFIX-YYYY-NNNN` allocated from the numbers already in
// the journal. Pure.

#include <string>
#include <string_view>
#include <vector>

#include <tma/core/timezone.hpp>
#include <tma/journal/journal.hpp>

namespace tma::incident {

/// Whether `a` happened before `b`: by time, then run id, then sequence number inside the run
/// (events of one run often share a timestamp; `<run>-10` comes after `<run>-9`).
bool event_before(const journal::Event& a, const journal::Event& b);

/// `PREFIX-YYYY-NNNN` for something opened at `at`: YYYY is the year in `zone`, NNNN one more than
/// the highest number of that year among `taken` (numbers of other years or prefixes are ignored).
std::string next_number(std::string_view prefix, const std::vector<std::string>& taken, core::SysSeconds at,
                        const core::TimeZone& zone);

/// The display id of an object numbered `number` by the opening event of run `run`: the number
/// itself for the first opening with that number, `number-<4 hex of the run>` for a later one
/// (two machines that opened before syncing).
std::string display_id(const std::string& number, bool first_with_number, const std::string& run);

} // namespace tma::incident
