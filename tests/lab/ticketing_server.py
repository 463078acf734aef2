#!/usr/bin/env python3
"""Fake Jira / Trello / Zendesk servers of the tma test lab (tests/lab/TICKETING.md).

Strict fixtures for the ticketing connectors: what a client may rely on here, it may rely on with
the real service. One API per process, on 127.0.0.1, port 0 (the port it got is written to
--port-file), plain HTTP or HTTPS with --tls-cert/--tls-key. Every API request is appended to
--requests as one JSON line {method, path, query, headers, body, status}.

  --api jira-cloud   Jira Cloud: /rest/api/3/... (ADF rich text) and /rest/api/2/... (plain text)
  --api jira-dc      Jira Data Center / Server: /rest/api/2/... only
  --api trello       Trello: /1/...
  --api zendesk      Zendesk Support: /api/v2/... (".json" optional)

What each serves is in the docstring of tests/lab/lib/fake_<api>*.py and in TICKETING.md.

State (--state DIR): DIR/state.json, one JSON object, rewritten after every change. At start:
--seed FILE is read and its top-level keys replace those of the built-in default data ("config" is
merged key by key); without --seed an existing DIR/state.json is used as it is (a restart keeps the
data); else the built-in default. Seeds may leave out ids, keys and times, which are filled in;
times in a seed are milliseconds since the epoch, ISO-8601 texts, or "now", "now-90s", "now-2d"
(relative to the server clock). In state.json every time is in milliseconds since the epoch.

  jira-*   config {timezone, search_page_cap, search_id_page_cap, classic_page_cap, worklog_page,
                   time_tracking, index_lag_seconds, worklogs_per_issue_limit, public_projects,
                   basic_auth}
           users [{accountId, displayName, emailAddress, apiToken (Cloud Basic), name, key,
                   password (DC Basic), pat (DC Bearer), timeZone, active, browse: null (all) or
                   [project keys], write: bool, hideEmail}]
           priorities, resolutions, issuetypes [{id, name}]
           projects [{id, key, name, priority: bool (is the field on the screens), issuetypes [ids],
                   components [{id, name}], fields [settable field names], next (next key number),
                   statuses [{id, name, category: new|indeterminate|done}],
                   transitions [{id, name, to: status id, from: [status ids] ([] = global),
                   fields: [fields on the transition screen, e.g. "resolution"]}]}]
           issues [{id, key, project (key), issuetype (id), summary, description, environment
                   (ADF object or string), status (id), priority (id or null), labels, components
                   [ids], duedate, resolution (id), resolutiondate, created, updated, reporter,
                   assignee (accountIds), properties {key: value}, remotelinks [...]}]
           comments [{id, issueId, author, body, visibility, created, updated}]
           worklogs [{id, issueId, author, updateAuthor, comment, visibility, started,
                   timeSpentSeconds, created, updated}]
           deleted_worklogs [{worklogId, updatedTime}]
           next_ids {issue, comment, worklog, remotelink}
  trello   config {actions_default_limit}
           keys [key strings]; tokens [{token, key, member (id), scopes: ["read", "write"],
                   revoked}]
           members [{id, username, fullName, initials}]
           boards [{id, name, desc, closed, shortLink, members [ids], created}]
           lists [{id, idBoard, name, closed, pos}]
           labels [{id, idBoard, name, color}]
           customFields [{id, idModel (board), name, type: number|text|date|checkbox|list,
                   options [{id, value: {text}}]}]
           cards [{id, idBoard, idList, idShort, shortLink, name, desc, pos, closed, due, start,
                   dueComplete, idLabels, idMembers, dateLastActivity, customFieldItems [{id,
                   idCustomField, value | idValue}]}]
           actions [{id, idMemberCreator, type, date, data}]   (newest last in the file)
           next_ids {objectid counter}
  zendesk  config {subdomain, rate_limit (X-Rate-Limit), password_access, search_lag_seconds,
                   idempotency_ttl_seconds, export_per_page}
           users [{id, name, email, role: admin|agent|end-user, api_tokens [..], oauth_tokens [..],
                   password, organization_id, active}]
           organizations [{id, name}]
           ticket_fields [{id, title, type, active}]
           tickets [{id, external_id, type, subject, description, priority, status, requester_id,
                   submitter_id, assignee_id, organization_id, group_id, tags, custom_fields
                   {field id: value}, due_at, problem_id, via_followup_source_id, created, updated,
                   generated, deleted}]
           audits [{id, ticket_id, author_id, created, events [{id, type: Create|Change|Comment,
                   field_name, value, previous_value | body, html_body, public, author_id}]}]
           idempotency [{key, fingerprint, created, ticket_id}]
           next_ids {ticket, audit, event, user}

Faults (also at runtime through the control endpoint):
  --rate-limit N      requests beyond N in the current window (--rate-window seconds; default
                      Jira 2, Trello 10, Zendesk 60) answer 429 in the API's own shape
  --fail-5xx K        the next K requests answer 503
  --control           serve /__lab/: GET|PUT /__lab/state (read / replace, a PUT body is a seed),
                      GET|POST /__lab/faults {rate_limit, rate_window, fail_5xx, fail_after_write,
                      fail_status, retry_after, reset_counters}, GET|POST /__lab/clock {advance: s}
                      or {offset: s}. Control requests are not counted and not logged.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))

import ticketing_common as common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="fake ticketing API server of the tma lab")
    parser.add_argument("--api", required=True, choices=["jira-cloud", "jira-dc", "trello", "zendesk"])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--state", required=True, help="directory of state.json")
    parser.add_argument("--seed", help="JSON seed: its top-level keys replace the default data's")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, help="429 after N requests within a window")
    parser.add_argument("--rate-window", type=float, help="seconds of the rate-limit window")
    parser.add_argument("--fail-5xx", type=int, default=0, help="the next K requests answer 503")
    parser.add_argument("--control", action="store_true", help="serve the /__lab/ control endpoint")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        common.die("--tls-cert and --tls-key go together")
    clock = common.Clock()
    if args.api.startswith("jira"):
        import fake_jira as module
    elif args.api == "trello":
        import fake_trello as module
    else:
        import fake_zendesk as module
    api = module.make(clock, args.api)
    if args.rate_window is not None:
        api.faults.rate_window = args.rate_window
    api.faults.rate_limit = args.rate_limit
    api.faults.fail_5xx = args.fail_5xx
    try:
        common.start_state(api, args)
    except (OSError, ValueError, KeyError, TypeError) as e:
        common.die("bad seed or state: %s: %s" % (type(e).__name__, e))
    return common.serve(api, args)


if __name__ == "__main__":
    sys.exit(main())
