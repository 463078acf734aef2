#pragma once
// At-least-once, crash-safe delivery through the journal (docs/notify.md):
//   1. `enqueue` records one `notify.pending` event per delivery (with the composed message) and
//      commits the run;
//   2. `deliver` sends every pending notification that has no `notify.sent` yet, recording
//      `notify.sent` (committed after each success) or `notify.failed` (retried next time).
// A crash between sending and recording means one more send on the next run, never none; each
// message carries the triggering event's id so receivers can drop the duplicate. Failures are
// reported, never thrown: notifying must not fail the command that triggered it.

#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/incident/monitor.hpp>
#include <tma/journal/journal.hpp>
#include <tma/notify/channel.hpp>
#include <tma/notify/message.hpp>

namespace tma::notify {

inline constexpr std::string_view k_pending = "notify.pending";
inline constexpr std::string_view k_sent = "notify.sent";
inline constexpr std::string_view k_failed = "notify.failed";

/// Pending notifications older than this are no longer retried (`tma journal --type notify.pending` shows them).
inline constexpr core::Seconds k_retry_horizon{7 * 86400};

/// What happened to the notifications of one `deliver` (keys are Delivery::key()).
struct DeliveryReport {
  std::vector<std::string> sent;
  std::vector<std::pair<std::string, std::string>> failed; ///< key, error message (redacted)
  std::vector<std::string> problems;                       ///< routing problems, unreadable events
  bool ok() const { return failed.empty() && problems.empty(); }
};

/// Record `notify.pending` for every delivery `route()` gives for `triggers`, then commit `run`.
/// Routing problems are appended to `report.problems`. Fails only when the journal write fails.
core::Result<void> enqueue(journal::Run& run, const inventory::Inventory& inventory,
                           const std::vector<Trigger>& triggers, DeliveryReport& report);

/// Record `notify.pending` for one message composed by the caller (a client report) going to
/// `delivery`, keyed by `event_id` (the caller's own event), then commit `run`.
core::Result<void> enqueue_message(journal::Run& run, const Delivery& delivery, const std::string& event_id,
                                   const Message& message, const journal::Subject& subject);

/// Send every notification pending in `journal` (committed, not yet sent, within the retry
/// horizon) through `sender`, oldest first, recording the outcome in `run`.
core::Result<void> deliver(journal::Journal& journal, journal::Run& run, const inventory::Inventory& inventory,
                           Sender& sender, DeliveryReport& report);

/// The triggers of monitoring `outcomes` (those that recorded an incident event), for `notify`:
/// what `tma health --record` passes after `incident::record_probes`.
std::vector<Trigger> triggers_for(const std::vector<incident::MonitorOutcome>& outcomes);

/// `enqueue` then `deliver`: what commands call after recording the triggering events.
DeliveryReport notify(journal::Journal& journal, journal::Run& run, const inventory::Inventory& inventory,
                      Sender& sender, const std::vector<Trigger>& triggers);

/// Send a test message through channel `name` (to `agency.contacts` for email channels), with a
/// fresh event id; nothing is recorded. Fails (usage) on an unknown channel.
core::Result<void> send_test(const inventory::Inventory& inventory, const std::string& name, Sender& sender,
                             const std::string& event_id);

/// A recording fake (tests): every send is kept; sends through channels named in `failing` fail.
class RecordingSender final : public Sender {
public:
  struct Sent {
    std::string channel;
    std::vector<std::string> recipients;
    Message message;
  };
  core::Result<void> send(const inventory::NotifyChannel& channel, const std::vector<std::string>& recipients,
                          const Message& message) override;
  std::vector<Sent> sent;
  std::vector<std::string> failing;
};

} // namespace tma::notify
