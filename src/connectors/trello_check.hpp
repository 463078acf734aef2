#pragma once
// PRIVATE to src/connectors: `tma inventory check --connectors` for a Trello connector (check.hpp):
// the boards, lists and labels its mapping names, asked of Trello with GETs only.

#include <tma/connectors/check.hpp>
#include <tma/connectors/trello_api.hpp>

namespace tma::connectors {

/// Ask Trello about `connector`'s mapping: each board exists and the token's member can read it;
/// `incident_list` and `done_list` (with export_incidents) name a list of each board, by id or by
/// the name of one open list; each list name of `lists` and label name of `labels` is on at least
/// one of the boards. Problems go to `out.problems` at the connector's or project's mark; an error
/// is what stopped the check (the token refused, Trello unreachable).
core::Result<void> check_trello(const inventory::Connector& connector, TrelloApi& api, MappingCheck& out);

} // namespace tma::connectors
