#pragma once
// PRIVATE to src/connectors: what the import (zendesk_sync.cpp) and export (zendesk_export.cpp)
// halves of a Zendesk connector's sync share.

#include <string>
#include <unordered_map>
#include <vector>

#include <tma/connectors/zendesk_api.hpp>
#include <tma/contract/entry.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {

struct ZendeskContext : SyncState {
  ZendeskContext(SyncState state, ZendeskApi& api_) : SyncState(std::move(state)), api(api_) {}
  ZendeskApi& api;
  std::unordered_map<std::string, contract::TimeEntry> known; ///< imported entries by external key
  std::unordered_map<std::string, std::vector<std::string>> keys_by_ticket; ///< ticket id -> keys of `known`
  /// Ticket id -> the seconds tma itself added to its Time Tracking total (pushed hours): left out
  /// of the total the import reads, or they would come back as imported hours.
  std::unordered_map<std::string, core::Seconds> pushed_seconds;
};

/// The ticket (digits) hours of `entry` go on: its request's ticket when that request was imported
/// by this connector; "" when none.
std::string zendesk_ticket_of(const ZendeskContext& c, const contract::TimeEntry& entry);

/// Fill `c.pushed_seconds` from the outbox (every hours entry this connector pushed or attempted).
core::Result<void> load_pushed_seconds(ZendeskContext& c);

/// Push incidents (tickets, comments, statuses) and hours (Time Tracking fields) through the outbox.
core::Result<void> export_zendesk(ZendeskContext& c);

} // namespace tma::connectors::detail
