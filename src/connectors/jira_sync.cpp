// A Jira connector's sync (docs/connectors.md, "Jira"): issues of the mapped projects -> requests,
// worklogs -> hours, incrementally. Jira's search is paged by `nextPageToken` (Cloud) or `startAt`
// (Data Center); worklogs come from the site-wide `worklog/updated` and `worklog/deleted` lists.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/connectors/jira_api.hpp>
#include <tma/connectors/jira_mapping.hpp>
#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>
#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

#include "connectors/jira_context.hpp"

namespace tma::connectors::detail {

constexpr int k_search_page = 100;

core::Result<void> search(JiraContext& c, const std::string& jql, const char* fields,
                          const std::function<core::Result<void>(const nlohmann::json&)>& visit) {
  std::string token;
  std::size_t start = 0;
  for (;;) {
    Query query{{"jql", jql}, {"fields", fields}, {"maxResults", std::to_string(k_search_page)}};
    if (c.connector.data_center) query.emplace_back("startAt", std::to_string(start));
    else if (!token.empty()) query.emplace_back("nextPageToken", token);
    auto page = c.api.get(c.connector.data_center ? "/search" : "/search/jql", query);
    if (!page) return tl::unexpected(page.error());
    const auto& issues = array_of(*page, "issues");
    for (const auto& item : issues) {
      if (auto visited = visit(item); !visited) return visited;
    }
    if (issues.empty()) break;
    if (c.connector.data_center) {
      start += issues.size();
      if (static_cast<long long>(start) >= integer_of(*page, "total")) break;
    } else {
      auto next = text_of(*page, "nextPageToken");
      if (next.empty() || bool_of(*page, "isLast") || next == token) break;
      token = std::move(next);
    }
  }
  return {};
}

namespace {

constexpr std::size_t k_worklog_list_max = 1000; // POST /worklog/list refuses more
constexpr std::size_t k_id_search_chunk = 50;
/// The cursor of the site-wide worklog lists, recorded as the `project` of its `connector.synced`.
constexpr const char* k_site_wide = "*";
const char* const k_issue_fields = "summary,status,priority,issuetype,assignee,created,updated,duedate,project,labels";

struct JiraCursor {
  std::string issues_updated;        ///< RFC 3339 UTC: the greatest `updated` imported
  long long worklogs_since = 0;      ///< ms: `until` of the last `worklog/updated` listing
  long long deleted_since = 0;       ///< ms: the same for `worklog/deleted`
  bool operator==(const JiraCursor&) const = default;
};

long long ms_of(core::SysSeconds instant) { return static_cast<long long>(instant.time_since_epoch().count()) * 1000; }

core::Result<JiraCursor> read_cursor(const JiraContext& c, const std::string& project) {
  journal::Filter filter;
  filter.types = {std::string(k_synced)};
  JiraCursor cursor;
  // The furthest of each, as for Redmine: two syncs within one second cannot be ordered.
  auto scanned = c.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != c.connector.name || text_of(e.data, "project") != project) return true;
    cursor.issues_updated = std::max(cursor.issues_updated, text_of(e.data, "issues_updated_on"));
    cursor.worklogs_since = std::max(cursor.worklogs_since, integer_of(e.data, "worklogs_since"));
    cursor.deleted_since = std::max(cursor.deleted_since, integer_of(e.data, "worklogs_deleted_since"));
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  if (c.options.full) cursor = {};
  return cursor;
}

core::Result<void> record_cursor(JiraContext& c, const std::string& project, const journal::Subject& subject,
                                 const JiraCursor& cursor) {
  c.run.record(std::string(k_synced), subject,
               {{"connector", c.connector.name},
                {"project", project},
                {"issues_updated_on", cursor.issues_updated},
                {"worklogs_since", cursor.worklogs_since},
                {"worklogs_deleted_since", cursor.deleted_since}});
  return c.run.flush();
}


core::Result<std::string> import_issues(JiraContext& c, const inventory::ConnectorProject& project,
                                        const std::string& cursor) {
  std::optional<core::SysSeconds> bound;
  if (!cursor.empty()) {
    if (auto parsed = core::parse_rfc3339(cursor)) bound = *parsed;
  } else if (c.connector.import_since) {
    bound = c.zone.start_of_day(*c.connector.import_since);
  }
  // JQL's dates have minutes: the minute of the cursor is read again, which the import, idempotent,
  // absorbs.
  auto jql = "project = " + jql_quote(project.project);
  if (bound) jql += " AND updated >= " + jql_quote(jql_time(*bound, c.account_zone));
  jql += " ORDER BY updated ASC, key ASC";
  std::string newest = cursor;
  auto searched = search(c, jql, k_issue_fields, [&](const nlohmann::json& item) -> core::Result<void> {
    auto issue = parse_jira_issue(item);
    if (!issue) {
      c.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", c.connector.name, issue.error().message));
      return {};
    }
    newest = std::max(newest, core::format_rfc3339_utc(issue->updated));
    if (issue->project != project.project) return {}; // moved to another project: its mapping imports it
    // An exported incident's issue, not a client's request.
    if (std::any_of(issue->labels.begin(), issue->labels.end(), [](const auto& l) { return is_tma_label(l); })) return {};
    ++c.result.counts.issues_read;
    std::optional<request::Request> state;
    if (auto it = c.requests.find(issue->id); it != c.requests.end()) state = it->second;
    auto change = request::record_import(c.import_run(), state,
                                         to_request(*issue, c.connector, project, c.api.browse_url(issue->key)),
                                         c.numbers, c.zone);
    if (change == request::ImportChange::none) return {};
    if (change == request::ImportChange::opened) ++c.result.counts.requests_opened;
    else ++c.result.counts.requests_updated;
    c.requests[issue->id] = std::move(*state);
    return c.recorded(1);
  });
  if (!searched) return tl::unexpected(searched.error());
  if (auto committed = c.commit(); !committed) return tl::unexpected(committed.error());
  return newest;
}

/// The ids a `worklog/updated` or `worklog/deleted` listing gives from `since`, and its new `until`.
core::Result<std::pair<std::vector<long long>, long long>> changed_worklogs(JiraContext& c, const std::string& path,
                                                                           long long since) {
  std::vector<long long> ids;
  std::set<long long> seen; // `since` is inclusive: the boundary worklog comes again
  long long until = since;
  for (;;) {
    auto page = c.api.get(path, {{"since", std::to_string(since)}});
    if (!page) return tl::unexpected(page.error());
    for (const auto& value : array_of(*page, "values")) {
      const auto id = integer_of(value, "worklogId");
      if (id > 0 && seen.insert(id).second) ids.push_back(id);
    }
    until = std::max(until, integer_of(*page, "until"));
    const auto next = integer_of(*page, "until");
    if (bool_of(*page, "lastPage") || array_of(*page, "values").empty() || next <= since) break;
    since = next;
  }
  return std::make_pair(std::move(ids), until);
}

struct IssueRef {
  std::string key;
  std::string project;
};

/// Issue id -> key and project, for the issues worklogs name (a worklog carries only `issueId`).
core::Result<std::map<std::string, IssueRef>> resolve_issues(JiraContext& c, const std::set<std::string>& ids) {
  std::map<std::string, IssueRef> out;
  std::vector<std::string> chunk;
  auto flush = [&]() -> core::Result<void> {
    if (chunk.empty()) return {};
    auto jql = fmt::format("id in ({})", fmt::join(chunk, ","));
    chunk.clear();
    return search(c, jql, "project", [&](const nlohmann::json& item) -> core::Result<void> {
      auto id = text_of(item, "id");
      out[id] = {text_of(item, "key"), text_of(object_of(object_of(item, "fields"), "project"), "key")};
      return {};
    });
  };
  for (const auto& id : ids) {
    chunk.push_back(id); // digits only: parse_jira_worklog checked them
    if (chunk.size() == k_id_search_chunk) {
      if (auto done = flush(); !done) return tl::unexpected(done.error());
    }
  }
  if (auto done = flush(); !done) return tl::unexpected(done.error());
  return out;
}

const inventory::ConnectorProject* project_named(const inventory::Connector& connector, const std::string& key) {
  for (const auto& p : connector.projects) {
    if (p.project == key) return &p;
  }
  return nullptr;
}

core::Result<void> import_worklogs(JiraContext& c, JiraCursor& cursor) {
  long long from = 0;
  if (c.connector.import_since) from = ms_of(c.zone.start_of_day(*c.connector.import_since));
  auto known_read = known_entries(c);
  if (!known_read) return tl::unexpected(known_read.error());
  auto& known = *known_read;
  const auto today = c.zone.local_date(c.run.now());

  auto changed = changed_worklogs(c, "/worklog/updated", std::max(cursor.worklogs_since, from));
  if (!changed) return tl::unexpected(changed.error());
  std::vector<JiraWorklog> worklogs;
  for (std::size_t i = 0; i < changed->first.size(); i += k_worklog_list_max) {
    auto end = std::min(changed->first.size(), i + k_worklog_list_max);
    nlohmann::json ids(std::vector<long long>(changed->first.begin() + static_cast<std::ptrdiff_t>(i),
                                              changed->first.begin() + static_cast<std::ptrdiff_t>(end)));
    auto listed = c.api.post_read("/worklog/list", {{"ids", ids}});
    if (!listed) return tl::unexpected(listed.error());
    if (!listed->is_array()) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /worklog/list: the answer is not a list", c.connector.name));
    }
    for (const auto& item : *listed) {
      auto worklog = parse_jira_worklog(item);
      if (!worklog) {
        c.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", c.connector.name, worklog.error().message));
        continue;
      }
      worklogs.push_back(std::move(*worklog));
    }
  }
  std::set<std::string> issue_ids;
  for (const auto& w : worklogs) issue_ids.insert(w.issue_id);
  auto issues = resolve_issues(c, issue_ids);
  if (!issues) return tl::unexpected(issues.error());

  for (const auto& worklog : worklogs) {
    auto issue = issues->find(worklog.issue_id);
    if (issue == issues->end()) continue; // not visible to the token's account
    const auto* project = project_named(c.connector, issue->second.project);
    if (project == nullptr) continue; // a project this connector does not map
    if (is_tma_created(worklog.comment)) continue; // hours logged in tma and pushed: already counted
    ++c.result.counts.entries_read;
    std::optional<std::string> request;
    if (auto it = c.requests.find(worklog.issue_id); it != c.requests.end()) request = it->second.id;
    auto entry = to_time_entry(worklog, issue->second.key, c.connector, *project, request, c.zone);
    if (today < entry.date) {
      c.result.warnings.push_back(fmt::format("connector {}: worklog {} is dated {}, in the future: not imported yet",
                                              c.connector.name, worklog.id, core::format_date(entry.date)));
      continue;
    }
    if (entry.duration.count() <= 0 || entry.duration > contract::k_max_entry) {
      c.result.warnings.push_back(fmt::format("connector {}: worklog {}: {} h is out of range (skipped)",
                                              c.connector.name, worklog.id,
                                              contract::format_decimal_hours(entry.duration)));
      continue;
    }
    auto previous = known.find(*entry.external);
    if (previous != known.end() && !previous->second.withdrawn && same_entry(previous->second, entry)) continue;
    entry.external_version = previous == known.end() ? 1 : previous->second.external_version + 1;
    if (auto recorded = contract::record_imported(c.import_run(), entry); !recorded) return recorded;
    if (previous == known.end()) ++c.result.counts.entries_added;
    else ++c.result.counts.entries_changed;
    known[*entry.external] = entry;
    if (auto committed = c.recorded(1); !committed) return committed;
  }

  auto deleted = changed_worklogs(c, "/worklog/deleted", std::max(cursor.deleted_since, from));
  if (!deleted) return tl::unexpected(deleted.error());
  for (const auto id : deleted->first) {
    auto it = known.find(fmt::format("{}:{}", c.connector.name, id));
    if (it == known.end() || it->second.withdrawn) continue;
    auto entry = it->second;
    entry.withdrawn = true;
    ++entry.external_version;
    entry.external_updated = core::format_rfc3339_utc(c.run.now());
    entry.actor.clear();
    if (auto recorded = contract::record_imported(c.import_run(), entry); !recorded) return recorded;
    ++c.result.counts.entries_withdrawn;
    if (auto committed = c.recorded(1); !committed) return committed;
  }
  if (auto committed = c.commit(); !committed) return committed;
  cursor.worklogs_since = changed->second;
  cursor.deleted_since = deleted->second;
  return {};
}

/// `GET /myself`: proves the token, and gives the zone JQL's dates are read in.
core::Result<void> check_account(JiraContext& c) {
  auto me = c.api.get("/myself");
  if (!me) return tl::unexpected(me.error());
  auto zone_name = text_of(*me, "timeZone");
  if (zone_name.empty()) return {};
  if (auto zone = core::TimeZone::load(zone_name)) c.account_zone = *zone;
  else c.result.warnings.push_back(fmt::format("connector {}: the account's time zone '{}' is unknown here: JQL "
                                               "dates are given in UTC",
                                               c.connector.name, zone_name));
  return {};
}

} // namespace

SyncResult sync_jira(SyncState state, const std::string& token, transport::HttpClient& http) {
  JiraApi api(state.connector, token, http);
  JiraContext c(std::move(state), api);
  auto done = [&]() -> core::Result<void> {
    if (auto account = check_account(c); !account) return account;
    if (auto loaded = load_imported_requests(c); !loaded) return loaded;
    std::optional<core::Error> first;
    if (c.connector.import_issues) {
      for (const auto& project : c.connector.projects) {
        auto cursor = read_cursor(c, project.project);
        if (!cursor) return tl::unexpected(cursor.error());
        auto newest = import_issues(c, project, cursor->issues_updated);
        if (!newest) {
          // One project failing (deleted, no permission) does not hold back the others.
          if (!first) first = newest.error();
          else c.result.warnings.push_back(newest.error().message);
          continue;
        }
        if (*newest == cursor->issues_updated && !c.options.full) continue;
        auto next = *cursor;
        next.issues_updated = *newest;
        if (auto recorded = record_cursor(c, project.project, {project.site, "", project.client}, next); !recorded) {
          return recorded;
        }
      }
    }
    if (c.connector.import_time_entries) {
      auto cursor = read_cursor(c, k_site_wide);
      if (!cursor) return tl::unexpected(cursor.error());
      auto next = *cursor;
      if (auto imported = import_worklogs(c, next); !imported) return imported;
      if (!(next == *cursor) || c.options.full) {
        if (auto recorded = record_cursor(c, k_site_wide, {}, next); !recorded) return recorded;
      }
    }
    if (first) return tl::unexpected(*first);
    return export_jira(c);
  }();
  return finish_sync(c, api.requests(), done);
}

} // namespace tma::connectors::detail
