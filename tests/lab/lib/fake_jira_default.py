"""The built-in data of the fake Jira (used when no --seed is given; a seed's top-level keys
replace these). Two projects with different workflows: ACME (company-managed, priorities, Done is
transition 31 with a resolution screen) and BETA (team-managed, no priority field, done status
"Finished" reached by transition 3). Users: Nadia (browses and writes everything) and Bob (browses
BETA only, cannot write). Times are seed times (see ticketing_common.seed_time)."""


def default_state():
    return {
        "config": {"timezone": "Europe/Paris", "search_page_cap": 100, "search_id_page_cap": 5000,
                   "classic_page_cap": 1000, "worklog_page": 1000, "time_tracking": True,
                   "index_lag_seconds": 0, "worklogs_per_issue_limit": None, "public_projects": [],
                   "basic_auth": True},
        "users": [
            {"accountId": "712020:5c1d0a3e-0000-4000-8000-000000000001", "displayName": "Nadia Ortiz",
             "emailAddress": "nadia@agency.example", "apiToken": "jira-token-nadia", "name": "nortiz",
             "key": "JIRAUSER10000", "password": "nadia-password", "pat": "jira-pat-nadia",
             "timeZone": "Europe/Paris", "active": True, "browse": None, "write": True},
            {"accountId": "712020:5c1d0a3e-0000-4000-8000-000000000002", "displayName": "Bob Reader",
             "emailAddress": "bob@agency.example", "apiToken": "jira-token-bob", "name": "bob",
             "key": "JIRAUSER10001", "password": "bob-password", "pat": "jira-pat-bob",
             "timeZone": "America/New_York", "active": True, "browse": ["BETA"], "write": False}],
        "priorities": [{"id": "1", "name": "Highest"}, {"id": "2", "name": "High"},
                       {"id": "3", "name": "Medium"}, {"id": "4", "name": "Low"}, {"id": "5", "name": "Lowest"}],
        "resolutions": [{"id": "10000", "name": "Done"}, {"id": "10001", "name": "Won't Do"}],
        "issuetypes": [{"id": "10001", "name": "Task"}, {"id": "10004", "name": "Bug"}],
        "projects": [
            {"id": "10000", "key": "ACME", "name": "ACME maintenance", "priority": True,
             "issuetypes": ["10004", "10001"], "components": [{"id": "10100", "name": "Backend"}],
             "statuses": [{"id": "10000", "name": "To Do", "category": "new"},
                          {"id": "3", "name": "In Progress", "category": "indeterminate"},
                          {"id": "10001", "name": "Waiting for client", "category": "indeterminate"},
                          {"id": "10002", "name": "Done", "category": "done"}],
             "transitions": [{"id": "21", "name": "Start progress", "to": "3", "from": ["10000", "10001"]},
                             {"id": "41", "name": "Wait for client", "to": "10001", "from": ["3"]},
                             {"id": "31", "name": "Done", "to": "10002", "from": [], "fields": ["resolution"]},
                             {"id": "51", "name": "Reopen", "to": "10000", "from": ["10002"]}]},
            {"id": "10001", "key": "BETA", "name": "Beta team-managed", "priority": False,
             "issuetypes": ["10001"], "components": [],
             "statuses": [{"id": "10010", "name": "To Do", "category": "new"},
                          {"id": "10011", "name": "Doing", "category": "indeterminate"},
                          {"id": "10012", "name": "Finished", "category": "done"}],
             "transitions": [{"id": "2", "name": "Doing", "to": "10011", "from": []},
                             {"id": "3", "name": "Finished", "to": "10012", "from": []},
                             {"id": "4", "name": "To Do", "to": "10010", "from": []}]}],
        "issues": [
            {"id": "10451", "key": "ACME-77", "project": "ACME", "issuetype": "10004",
             "summary": "Checkout page returns 500", "status": "3", "priority": "2", "labels": ["client-acme"],
             "created": "2025-06-02T08:15:00.000+0200", "updated": "2025-06-03T17:42:10.512+0200"},
            {"id": "10452", "key": "ACME-78", "project": "ACME", "issuetype": "10001",
             "summary": "Update WordPress core", "status": "10002", "priority": "3", "resolution": "10000",
             "created": "2025-06-04T09:00:00.000+0200", "updated": "2025-06-05T10:00:00.000+0200",
             "resolutiondate": "2025-06-05T10:00:00.000+0200"},
            {"id": "10453", "key": "BETA-1", "project": "BETA", "issuetype": "10001",
             "summary": "Beta onboarding", "created": "2025-06-01T12:00:00.000+0200",
             "updated": "2025-06-01T12:00:00.000+0200"}],
        "comments": [],
        "worklogs": [
            {"id": "20311", "issueId": "10451", "started": "2025-06-03T16:30:00.000+0200",
             "timeSpentSeconds": 5400, "comment": "Updated plugins and cleared cache",
             "created": "2025-06-03T18:01:00.000+0200", "updated": "2025-06-03T18:01:00.000+0200"},
            {"id": "20315", "issueId": "10451", "started": "2025-01-10T09:00:00.000+0100",
             "timeSpentSeconds": 1800, "created": "2025-06-04T08:00:00.000+0200",
             "updated": "2025-06-04T08:00:00.000+0200"}],
        "deleted_worklogs": [{"worklogId": 20299, "updatedTime": "2025-06-02T10:00:00.000+0200"}],
        "next_ids": {"issue": 10460, "comment": 10100, "worklog": 20400, "remotelink": 10000},
    }
