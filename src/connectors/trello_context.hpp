#pragma once
// PRIVATE to src/connectors: what the import (trello_sync.cpp) and export (trello_export.cpp) halves
// of a Trello connector's sync share.

#include <tma/connectors/trello_api.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {

struct TrelloContext : SyncState {
  TrelloContext(SyncState state, TrelloApi& api_) : SyncState(std::move(state)), api(api_) {}
  TrelloApi& api;
};

/// Push incidents of the connector's clients through the outbox (outbox.hpp): a card each, its
/// follow-ups comments, its resolution and reopening moves between lists.
core::Result<void> export_trello(TrelloContext& c);

} // namespace tma::connectors::detail
