#pragma once
// PRIVATE to src/connectors: what the import (jira_sync.cpp) and export (jira_export.cpp) halves of
// a Jira connector's sync share.

#include <functional>

#include <tma/connectors/jira_api.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {

struct JiraContext : SyncState {
  JiraContext(SyncState state, JiraApi& api_) : SyncState(std::move(state)), api(api_) {}
  JiraApi& api;
  core::TimeZone account_zone = core::TimeZone::utc(); ///< JQL dates are read in the account's zone
};

inline long long integer_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_number_integer() ? v->get<long long>() : 0;
}

/// Every issue `jql` finds (with `fields`), page after page, handed to `visit`: `/search/jql` by
/// `nextPageToken` on Cloud, `/search` by `startAt` on Data Center.
core::Result<void> search(JiraContext& c, const std::string& jql, const char* fields,
                          const std::function<core::Result<void>(const nlohmann::json&)>& visit);

/// Push incidents (issues, comments, transitions) and hours (worklogs) through the outbox.
core::Result<void> export_jira(JiraContext& c);

} // namespace tma::connectors::detail
