#pragma once
// Notifications from commands: after a command commits its events, send what the rules ask for.

#include <vector>

#include <tma/journal/journal.hpp>
#include <tma/notify/dispatch.hpp>

#include "cli/common.hpp"

namespace tma::cli {

/// Enqueue and deliver notifications for `triggers` (and anything still pending) with the real
/// channels; print one line per failure or problem on stderr. Never throws for a failing channel:
/// the triggering command has already done its work.
notify::DeliveryReport notify_after(Context& context, journal::Journal& journal, journal::Run& run,
                                    const std::vector<notify::Trigger>& triggers);

/// Print `report` (sent count on stdout when `verbose`, failures and problems on stderr).
void print_delivery_report(const notify::DeliveryReport& report, bool verbose);

} // namespace tma::cli
