// `connectors:`: the ticketing tools tma syncs with (docs/connectors.md). Read after clients and
// sites, whose names the project mappings refer to.
#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "inventory/sections.hpp"
#include "inventory/shapes.hpp"

namespace tma::inventory::detail {
namespace {

// The names the mappings may use. The request and contract folders own these enums; the inventory,
// a floor below them, checks the spelling so that a typo is a load error with its line.
const std::vector<std::string> k_request_categories{"bug", "change", "question", "security", "performance"};
const std::vector<std::string> k_hours_categories{"update", "security", "bugfix", "performance",
                                                  "support", "backup", "feature"};
const std::vector<std::string> k_severities{"critical", "major", "minor"};
const std::vector<std::string> k_request_statuses{"new", "in_progress", "waiting_client", "resolved", "closed"};
/// A Trello label gives a request its priority or its category: the two sets of names are disjoint.
const std::vector<std::string> k_label_meanings{"low",    "normal", "high",     "urgent",   "bug",        "change",
                                                "question", "security", "performance"};

/// Redmine's own rule for project identifiers: a lowercase letter, then lowercase letters, digits,
/// dashes and underscores, at most 100 characters.
bool is_redmine_identifier(const std::string& text) {
  static const std::regex shape("[a-z][a-z0-9_-]{0,99}");
  return std::regex_match(text, shape);
}

/// Jira's default rule for project keys: an uppercase letter, then uppercase letters, digits and
/// underscores (at most 255: a site may lengthen the default 10). The key goes into JQL quoted.
bool is_jira_key(const std::string& text) {
  static const std::regex shape("[A-Z][A-Z0-9_]{0,254}");
  return std::regex_match(text, shape);
}

/// A Zendesk id (organization, custom field): digits without a leading zero, at most 19 (int64). Kept
/// as text: they exceed 2^32, and text compares with the ids read from Zendesk's answers.
bool is_zendesk_id(const std::string& text) {
  static const std::regex shape("[1-9][0-9]{0,18}");
  return std::regex_match(text, shape) && (text.size() < 19 || text <= "9223372036854775807");
}

/// A Trello board id: a 24-hex-digit ObjectId (the id goes into URL paths; shortLinks are not taken,
/// so that one board has one spelling in the journal's cursors).
bool is_trello_board_id(const std::string& text) {
  static const std::regex shape("[0-9a-f]{24}");
  return std::regex_match(text, shape);
}

/// A Redmine name (tracker, priority, activity): printable, no control characters, not too long.
bool is_redmine_name(const std::string& text) {
  if (text.empty() || text.size() > 255) return false;
  return std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// `name: value` pairs whose keys are free-form names of the tool (`keys_are`) and whose values are
/// one of `values` (or free-form names when `values` is empty).
std::map<std::string, std::string> read_name_map(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                                 const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& values) {
  std::map<std::string, std::string> out;
  for (const auto& entry : named_entries(ctx, node, key)) {
    auto sub = join_key(key, entry.name);
    if (!keys.empty() && std::find(keys.begin(), keys.end(), entry.name) == keys.end()) {
      ctx.error(entry.key_node, sub, fmt::format("unknown key '{}' (expected one of: {})", entry.name, fmt::join(keys, ", ")));
      continue;
    }
    if (keys.empty() && !is_redmine_name(entry.name)) {
      ctx.error(entry.key_node, sub, "a name of 1 to 255 printable characters is expected");
      continue;
    }
    std::optional<std::string> value =
        values.empty() ? read_string(ctx, entry.value, sub) : read_choice(ctx, entry.value, sub, values);
    if (!value) continue;
    if (values.empty() && !is_redmine_name(*value)) {
      ctx.error(entry.value, sub, "a name of 1 to 255 printable characters is expected");
      continue;
    }
    out[entry.name] = *value;
  }
  return out;
}

void read_projects(LoadContext& ctx, const YAML::Node& node, const std::string& key, const Inventory& inv,
                   Connector& connector) {
  for (const auto& entry : named_entries(ctx, node, key)) {
    auto sub = join_key(key, entry.name);
    if (connector.type == "jira" && !is_jira_key(entry.name)) {
      ctx.error(entry.key_node, sub,
                fmt::format("'{}' is not a Jira project key (an uppercase letter, then uppercase letters, digits or "
                            "'_')",
                            entry.name));
      continue;
    }
    if (connector.type == "zendesk" && !is_zendesk_id(entry.name)) {
      ctx.error(entry.key_node, sub,
                fmt::format("'{}' is not a Zendesk organization id (digits, e.g. 360001234567; Admin Center > "
                            "Organizations, or the number in the organization's URL)",
                            entry.name));
      continue;
    }
    if (connector.type == "trello" && !is_trello_board_id(entry.name)) {
      ctx.error(entry.key_node, sub,
                fmt::format("'{}' is not a Trello board id (24 lowercase hexadecimal digits: open the board's JSON, "
                            "https://trello.com/b/<shortLink>.json, and take its \"id\")",
                            entry.name));
      continue;
    }
    if (connector.type != "jira" && connector.type != "zendesk" && connector.type != "trello" &&
        !is_redmine_identifier(entry.name)) {
      ctx.error(entry.key_node, sub,
                fmt::format("'{}' is not a Redmine project identifier (a lowercase letter, then lowercase letters, "
                            "digits, '-' or '_')",
                            entry.name));
      continue;
    }
    ConnectorProject project;
    project.project = entry.name;
    project.mark = ctx.mark(entry.key_node);
    if (entry.value.IsScalar()) {
      if (auto v = read_string(ctx, entry.value, sub)) project.client = *v; // `identifier: client`
    } else {
      MapReader map(ctx, entry.value, sub);
      if (auto v = map.string("client", true)) project.client = *v;
      if (auto v = map.string("site")) project.site = *v;
      if (auto v = map.string("hours_issue")) {
        static const std::regex issue_key("[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}");
        if (connector.type != "jira") {
          ctx.error(map.get("hours_issue"), map.sub("hours_issue"), "a Jira setting: not used by this connector");
        } else if (!std::regex_match(*v, issue_key) || v->rfind(entry.name + "-", 0) != 0) {
          ctx.error(map.get("hours_issue"), map.sub("hours_issue"),
                    fmt::format("an issue key of project {} is expected ({}-12)", entry.name, entry.name));
        } else {
          project.hours_issue = *v;
        }
      }
      map.finish();
    }
    if (project.client.empty()) continue;
    const auto* client = inv.client(project.client);
    if (client == nullptr) {
      ctx.error(entry.value, sub, fmt::format("unknown client '{}'", project.client));
      continue;
    }
    if (!project.site.empty()) {
      const auto* site = inv.site(project.site);
      if (site == nullptr) {
        ctx.error(entry.value, sub, fmt::format("unknown site '{}'", project.site));
        continue;
      }
      if (site->client != project.client) {
        ctx.error(entry.value, sub, fmt::format("site '{}' belongs to client '{}', not '{}'", project.site,
                                                site->client, project.client));
        continue;
      }
    }
    // Exported incidents go to the client's project: one project per client.
    if (const auto* other = connector.project_of_client(project.client)) {
      ctx.error(entry.key_node, sub,
                fmt::format("client '{}' is already mapped to project '{}' of this connector", project.client,
                            other->project));
      continue;
    }
    connector.projects.push_back(std::move(project));
  }
}

/// A Zendesk connector's own keys, and the refusal of those it does not use.
void read_zendesk_settings(LoadContext& ctx, MapReader& map, Connector& connector) {
  if (auto n = map.get("time_fields"); n.IsDefined()) {
    MapReader fields(ctx, n, map.sub("time_fields"));
    if (auto v = fields.string("total", true)) {
      if (is_zendesk_id(*v)) connector.time_total_field = *v;
      else ctx.error(fields.get("total"), fields.sub("total"), "the id of the Time Tracking app's \"Total time spent (sec)\" ticket field (digits) is expected");
    }
    if (auto v = fields.string("last_update")) {
      if (is_zendesk_id(*v)) connector.time_last_update_field = *v;
      else ctx.error(fields.get("last_update"), fields.sub("last_update"), "the id of the Time Tracking app's \"Time spent last update (sec)\" ticket field (digits) is expected");
    }
    fields.finish();
  }
  // Hours come from the Time Tracking total: without its field there are none to import.
  if (map.has("import_time_entries") && connector.import_time_entries && !map.has("time_fields")) {
    ctx.error(map.get("import_time_entries"), map.sub("import_time_entries"),
              "a Zendesk connector imports hours from the Time Tracking app's total: give time_fields: {total: "
              "<field id>}");
  }
  // Pushed hours are added to the Time Tracking total: without its field they have nowhere to go.
  if (connector.export_hours && connector.time_total_field.empty() && !map.has("time_fields")) {
    ctx.error(map.get("export_hours"), map.sub("export_hours"),
              fmt::format("a Zendesk connector pushes hours into the Time Tracking app's fields: give {} "
                          "(time_fields: {{total: <field id>, last_update: <field id>}}; last_update is optional)",
                          map.sub("time_fields.total")));
  }
  if (connector.time_total_field.empty()) connector.import_time_entries = false;
  if (connector.time_total_field.empty()) connector.export_hours = false;
  if (auto v = map.boolean("public_comments")) connector.public_comments = *v;
  // An incident's severity becomes one of Zendesk's four priorities (§3.4: no custom priorities).
  if (auto n = map.get("priorities"); n.IsDefined() && n.IsMap()) {
    for (const auto& [severity, priority] : connector.priorities) {
      if (priority == "urgent" || priority == "high" || priority == "normal" || priority == "low") continue;
      const auto sub = map.sub("priorities") + "." + severity;
      ctx.error(n[severity].IsDefined() ? n[severity] : n, sub,
                fmt::format("'{}' is not a Zendesk priority (urgent, high, normal or low)", priority));
    }
  }
  for (const char* redmine_only : {"hours_activity", "tracker", "activities", "time_entry_window"}) {
    if (auto n = map.get(redmine_only); n.IsDefined()) {
      ctx.error(n, map.sub(redmine_only), "a Redmine setting: not used by a Zendesk connector");
    }
  }
}

const std::vector<std::string> k_zendesk_types{"problem", "incident", "question", "task"};

/// The one list name `lists` maps to `status`, or "" when none or several do.
std::string only_list_with(const Connector& connector, const std::string& status) {
  std::string found;
  for (const auto& [name, mapped] : connector.lists) {
    if (mapped != status) continue;
    if (!found.empty()) return "";
    found = name;
  }
  return found;
}

/// `incident_list` / `done_list`: a list id (24 lowercase hex digits) or a list name (resolved on
/// each board at the sync); printable, at most 255 bytes, as it is compared with Trello's names.
void read_trello_list(LoadContext& ctx, MapReader& map, const char* key, std::string& out) {
  if (auto v = map.string(key)) {
    if (is_redmine_name(*v)) out = *v;
    else ctx.error(map.get(key), map.sub(key), "a Trello list id (24 hexadecimal digits) or list name is expected");
  }
}

/// The keys of a Trello connector (docs/connectors.md, "Trello"): its list and label mappings, and
/// for the export of incidents the lists cards are created in and moved to; what Trello has not
/// (time tracking) is refused, not ignored.
void read_trello_settings(LoadContext& ctx, MapReader& map, const YAML::Node& node, Connector& connector) {
  if (auto n = map.get("lists"); n.IsDefined()) {
    connector.lists = read_name_map(ctx, n, map.sub("lists"), {}, k_request_statuses);
  }
  if (auto n = map.get("labels"); n.IsDefined()) {
    connector.labels = read_name_map(ctx, n, map.sub("labels"), {}, k_label_meanings);
  }
  if (auto v = map.boolean("export_incidents")) connector.export_incidents = *v;
  read_trello_list(ctx, map, "incident_list", connector.incident_list);
  read_trello_list(ctx, map, "done_list", connector.done_list);
  if (connector.export_incidents) {
    // By default the lists the `lists` mapping gives the statuses: one each, else say which key to set.
    if (connector.incident_list.empty() && !map.has("incident_list")) {
      connector.incident_list = only_list_with(connector, "new");
      if (connector.incident_list.empty()) {
        ctx.error(node, map.sub("incident_list"),
                  "required key is missing (export_incidents: the list, by id or name, where incidents' cards are "
                  "created; or map exactly one list to new in lists)");
      }
    }
    if (connector.done_list.empty() && !map.has("done_list")) {
      connector.done_list = only_list_with(connector, "resolved");
      if (connector.done_list.empty()) connector.done_list = only_list_with(connector, "closed");
      if (connector.done_list.empty()) {
        ctx.error(node, map.sub("done_list"),
                  "required key is missing (export_incidents: the list, by id or name, resolved incidents' cards "
                  "move to; or map exactly one list to resolved in lists)");
      }
    }
  } else {
    connector.incident_list.clear();
    connector.done_list.clear();
  }
  // `false` is accepted (it says what tma does anyway); `true` would be a flag read and ignored.
  if (map.boolean("export_hours").value_or(false)) {
    ctx.error(map.get("export_hours"), map.sub("export_hours"),
              "not supported for Trello: Trello has no time tracking of its own, so hours logged in tma have "
              "nowhere to go (they stay in tma)");
  }
  if (map.boolean("import_time_entries").value_or(false)) {
    ctx.error(map.get("import_time_entries"), map.sub("import_time_entries"),
              "not supported for Trello: Trello has no time tracking of its own (log the hours in tma)");
  }
  connector.import_time_entries = false;
  for (const char* other : {"hours_activity", "tracker", "priorities", "activities", "categories", "time_entry_window",
                            "email", "deployment"}) {
    if (auto n = map.get(other); n.IsDefined()) {
      ctx.error(n, map.sub(other), "a Redmine or Jira setting: not used by a Trello connector (see lists and labels)");
    }
  }
}

} // namespace

std::vector<Connector> read_connectors(LoadContext& ctx, const YAML::Node& node, const Inventory& inv) {
  std::vector<Connector> out;
  for (const auto& entry : named_entries(ctx, node, "connectors")) {
    auto key = join_key("connectors", entry.name);
    if (!check_name(ctx, entry.key_node, key, entry.name)) continue;
    MapReader map(ctx, entry.value, key);
    if (!map.ok()) continue;
    Connector connector;
    connector.name = entry.name;
    connector.mark = ctx.mark(entry.key_node);
    if (auto v = map.choice("type", {"redmine", "jira", "zendesk", "trello"})) connector.type = *v;
    else if (!map.has("type")) {
      ctx.error(entry.value, map.sub("type"), "required key is missing (redmine, jira, zendesk or trello)");
    }
    const bool jira = connector.type == "jira";
    const bool zendesk = connector.type == "zendesk";
    const bool trello = connector.type == "trello";
    if (trello) connector.url = "https://api.trello.com"; // the one Trello; `url` is for a test double
    if (auto v = map.string("url", !trello)) {
      if (check_url(ctx, map.get("url"), map.sub("url"), *v)) {
        connector.url = *v;
        while (!connector.url.empty() && connector.url.back() == '/') connector.url.pop_back();
      }
    }
    const std::string secret_key = jira || zendesk ? "api_token" : trello ? "token" : "api_key";
    connector.api_key = map.secret(secret_key);
    if (connector.api_key.empty() && map.ok() && !map.has(secret_key) && !map.has(secret_key + "_command")) {
      ctx.error(entry.value, map.sub(secret_key),
                fmt::format("required key is missing ({0} or {0}_command)", secret_key));
    }
    if (trello) {
      // Trello's API key is sent with every request like the token: a secret too.
      connector.trello_key = map.secret("key");
      if (connector.trello_key.empty() && map.ok() && !map.has("key") && !map.has("key_command")) {
        ctx.error(entry.value, map.sub("key"), "required key is missing (key or key_command: the Trello API key)");
      }
    }
    if (zendesk) {
      if (auto v = map.string("email", true)) {
        static const std::regex email_shape("[^@\\s:/]+@[^@\\s:/]+");
        if (std::regex_match(*v, email_shape)) connector.email = *v;
        else ctx.error(map.get("email"), map.sub("email"), "an email address (the agent whose API token this is) is expected");
      }
    }
    if (jira) {
      if (auto v = map.choice("deployment", {"cloud", "data_center"})) connector.data_center = *v == "data_center";
      if (auto v = map.string("email")) {
        static const std::regex email_shape("[^@\\s:]+@[^@\\s:]+");
        if (std::regex_match(*v, email_shape)) connector.email = *v;
        else ctx.error(map.get("email"), map.sub("email"), "an email address (the Atlassian account of the API token) is expected");
      }
      if (!connector.data_center && connector.email.empty() && !map.has("email")) {
        ctx.error(entry.value, map.sub("email"),
                  "required key is missing (Jira Cloud: the email of the account whose API token this is)");
      }
    }
    if (auto n = map.get("http"); n.IsDefined()) read_http_settings(ctx, n, map.sub("http"), connector.http);
    if (auto n = map.get("projects"); n.IsDefined()) read_projects(ctx, n, map.sub("projects"), inv, connector);
    else {
      ctx.error(entry.value, map.sub("projects"),
                jira      ? "required key is missing (Jira project key: client)"
                : zendesk ? "required key is missing (Zendesk organization id: client)"
                : trello  ? "required key is missing (Trello board id: client)"
                          : "required key is missing (Redmine project identifier: client)");
    }
    if (auto v = map.boolean("import_issues")) connector.import_issues = *v;
    connector.import_since = map.date("import_since");
    if (auto schedule = read_schedule_key(map, "schedule")) connector.schedule = std::move(*schedule);
    if (trello) {
      read_trello_settings(ctx, map, entry.value, connector);
      map.finish();
      out.push_back(std::move(connector));
      continue;
    }
    if (auto v = map.boolean("import_time_entries")) connector.import_time_entries = *v;
    if (auto v = map.boolean("export_incidents")) connector.export_incidents = *v;
    if (auto v = map.boolean("export_hours")) connector.export_hours = *v;
    if (auto v = map.string("hours_activity")) {
      if (is_redmine_name(*v)) connector.hours_activity = *v;
      else ctx.error(map.get("hours_activity"), map.sub("hours_activity"), "a name of 1 to 255 printable characters is expected");
    }
    if (auto v = map.duration("time_entry_window", {k_day, k_day * 3650})) connector.time_entry_window = *v;
    if (auto v = map.string("tracker")) {
      if (is_redmine_name(*v)) connector.tracker = *v;
      else ctx.error(map.get("tracker"), map.sub("tracker"), "a name of 1 to 255 printable characters is expected");
    }
    if (auto n = map.get("priorities"); n.IsDefined()) {
      connector.priorities = read_name_map(ctx, n, map.sub("priorities"), k_severities, {});
    }
    if (auto n = map.get("categories"); n.IsDefined()) {
      connector.categories =
          read_name_map(ctx, n, map.sub("categories"), zendesk ? k_zendesk_types : std::vector<std::string>{},
                        k_request_categories);
    }
    if (auto n = map.get("activities"); n.IsDefined()) {
      connector.activities = read_name_map(ctx, n, map.sub("activities"), {}, k_hours_categories);
    }
    if (auto v = map.string("issue_type")) {
      if (!jira) {
        ctx.error(map.get("issue_type"), map.sub("issue_type"),
                  fmt::format("a Jira setting: not used by a {} connector", connector.type));
      }
      else if (is_redmine_name(*v)) connector.issue_type = *v;
      else ctx.error(map.get("issue_type"), map.sub("issue_type"), "a name of 1 to 255 printable characters is expected");
    }
    if (jira) {
      for (const char* redmine_only : {"hours_activity", "tracker", "activities"}) {
        if (auto n = map.get(redmine_only); n.IsDefined()) {
          ctx.error(n, map.sub(redmine_only), "a Redmine setting: not used by a Jira connector");
        }
      }
    }
    if (zendesk) read_zendesk_settings(ctx, map, connector);
    map.finish();
    out.push_back(std::move(connector));
  }
  std::sort(out.begin(), out.end(), [](const Connector& a, const Connector& b) { return a.name < b.name; });
  return out;
}

} // namespace tma::inventory::detail
