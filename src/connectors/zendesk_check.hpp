#pragma once
// PRIVATE to src/connectors: the Zendesk part of `tma inventory check --connectors` (check.hpp).

#include <tma/connectors/check.hpp>
#include <tma/connectors/zendesk_api.hpp>

namespace tma::connectors {

/// Ask Zendesk about every id `connector`'s mapping names: the token (`/users/me`), each project's
/// organization, the Time Tracking fields (`time_fields.total`, `time_fields.last_update`). Only
/// GETs. Problems go to `out.problems` at the project's or the connector's line; an error is a
/// Zendesk that could not be asked.
core::Result<void> check_zendesk(const inventory::Connector& connector, ZendeskApi& api, MappingCheck& out);

} // namespace tma::connectors
