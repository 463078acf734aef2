// Top-level sections of sites.yaml other than clients and sites.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include <tma/core/text.hpp>

#include "inventory/sections.hpp"
#include "inventory/shapes.hpp"

namespace tma::inventory::detail {
namespace {

// `on:` of a notification rule: `*`, `<area>.*` or `<area>.<what>`; in the incident area, one of the
// events `tma incident` and monitoring send (docs/notify.md), so that a typo is not a rule that
// silently never fires.
void check_rule_event(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& on) {
  static const std::vector<std::string> k_incident_events = {"incident.opened",   "incident.acknowledged",
                                                             "incident.noted",    "incident.resolved",
                                                             "incident.reopened", "incident.updated"};
  auto word = [](std::string_view w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  };
  auto dot = on.find('.');
  bool shaped = on == "*" || (dot != std::string::npos && word(std::string_view(on).substr(0, dot)) &&
                              (on.substr(dot + 1) == "*" || word(std::string_view(on).substr(dot + 1))));
  if (!shaped) {
    ctx.error(node, key, fmt::format("'{}' is not an event type such as incident.opened, incident.* or *", on));
    return;
  }
  if (on.rfind("incident.", 0) != 0 || on == "incident.*") return;
  if (std::find(k_incident_events.begin(), k_incident_events.end(), on) != k_incident_events.end()) return;
  auto guess = core::suggest(on, k_incident_events);
  ctx.error(node, key, fmt::format("unknown incident event '{}'{}; expected one of {}", on,
                                   guess ? fmt::format(" (did you mean '{}'?)", *guess) : "",
                                   core::join(k_incident_events, ", ")));
}

std::optional<int> weekday_number(const std::string& name) {
  static const std::vector<std::string> k_days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (std::size_t i = 0; i < k_days.size(); ++i) {
    if (k_days[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

// `mon-fri`, `mon,wed,fri` or a list of day names.
std::optional<std::vector<int>> read_days(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  auto bad = [&](const std::string& what) {
    ctx.error(node, key, fmt::format("'{}' is not a day range such as mon-fri or a list of mon..sun", what));
    return std::nullopt;
  };
  std::vector<std::string> parts;
  if (node.IsSequence()) {
    auto list = read_string_list(ctx, node, key);
    if (!list) return std::nullopt;
    parts = *list;
  } else {
    auto text = read_string(ctx, node, key);
    if (!text) return std::nullopt;
    std::stringstream stream(*text);
    for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  }
  std::vector<int> days;
  for (const auto& part : parts) {
    if (auto dash = part.find('-'); dash != std::string::npos) {
      auto from = weekday_number(part.substr(0, dash));
      auto to = weekday_number(part.substr(dash + 1));
      if (!from || !to || *from > *to) return bad(part);
      for (int d = *from; d <= *to; ++d) days.push_back(d);
    } else if (auto d = weekday_number(part)) {
      days.push_back(*d);
    } else {
      return bad(part);
    }
  }
  return days;
}

} // namespace

std::vector<Contact> read_contacts(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  std::vector<Contact> out;
  if (!node.IsSequence()) {
    ctx.error(node, key, "expected a list of {name, email}");
    return out;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    MapReader map(ctx, node[i], fmt::format("{}[{}]", key, i));
    Contact contact;
    if (auto v = map.string("name")) contact.name = *v;
    if (auto v = map.string("email", true)) {
      if (!is_email(*v)) {
        ctx.error(map.get("email"), map.sub("email"), fmt::format("'{}' is not an email address", *v));
      }
      contact.email = *v;
    }
    map.finish();
    out.push_back(contact);
  }
  return out;
}

// `#rrggbb`: the accent colour goes into the report's CSS, so nothing else may pass.
static bool is_hex_colour(const std::string& text) {
  return text.size() == 7 && text[0] == '#' &&
         std::all_of(text.begin() + 1, text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// A relative file name with an image extension, no `..`: the logo is read and embedded in the report.
static bool is_logo_path(const std::string& text) {
  static const std::regex shape(R"(^[A-Za-z0-9_][A-Za-z0-9_./-]{0,200}\.(png|jpg|jpeg|svg)$)");
  return std::regex_match(text, shape) && text.find("..") == std::string::npos;
}

Agency read_agency(LoadContext& ctx, const YAML::Node& node) {
  Agency agency;
  MapReader map(ctx, node, "agency");
  if (auto v = map.string("name")) agency.name = *v;
  if (auto v = map.string("timezone")) {
    const bool have_zoneinfo = std::filesystem::exists("/usr/share/zoneinfo/UTC");
    if (!is_zone_name(*v) ||
        (have_zoneinfo && !std::filesystem::is_regular_file("/usr/share/zoneinfo/" + *v))) {
      ctx.error(map.get("timezone"), "agency.timezone", fmt::format("unknown time zone '{}' (e.g. Europe/Paris)", *v));
    }
    agency.timezone = *v;
  }
  if (auto v = map.string("currency")) agency.currency = *v;
  if (auto contacts = map.get("contacts"); contacts.IsDefined()) {
    agency.contacts = read_contacts(ctx, contacts, "agency.contacts");
  }
  if (auto hours_node = map.get("business_hours"); hours_node.IsDefined()) {
    MapReader hours(ctx, hours_node, "agency.business_hours");
    if (auto days = hours.get("days"); days.IsDefined()) {
      if (auto v = read_days(ctx, days, hours.sub("days"))) agency.business_hours.days = *v;
    }
    if (auto v = hours.string("from")) {
      auto minutes = parse_clock(*v);
      if (!minutes) ctx.error(hours.get("from"), hours.sub("from"), fmt::format("'{}' is not a time HH:MM (00:00 to 23:59)", *v));
      else agency.business_hours.from_minutes = *minutes;
    }
    if (auto v = hours.string("to")) {
      // `24:00` ends the window at midnight (the end of the day), which 23:59 would miss by a minute.
      auto minutes = *v == "24:00" ? std::optional<int>(24 * 60) : parse_clock(*v);
      if (!minutes) ctx.error(hours.get("to"), hours.sub("to"), fmt::format("'{}' is not a time HH:MM (00:00 to 24:00)", *v));
      else agency.business_hours.to_minutes = *minutes;
    }
    if (auto holidays = hours.get("holidays"); holidays.IsDefined()) {
      if (!holidays.IsSequence()) ctx.error(holidays, hours.sub("holidays"), "expected a list of dates");
      for (std::size_t i = 0; holidays.IsSequence() && i < holidays.size(); ++i) {
        if (auto d = read_date(ctx, holidays[i], fmt::format("{}[{}]", hours.sub("holidays"), i))) {
          agency.business_hours.holidays.push_back(*d);
        }
      }
    }
    if (agency.business_hours.from_minutes >= agency.business_hours.to_minutes) {
      ctx.error(hours_node, "agency.business_hours", "'from' must be before 'to'");
    }
    hours.finish();
  }
  if (auto report_node = map.get("report"); report_node.IsDefined()) {
    MapReader report(ctx, report_node, "agency.report");
    if (auto v = report.string("logo")) {
      if (!is_logo_path(*v)) {
        ctx.error(report.get("logo"), report.sub("logo"),
                  fmt::format("'{}' is not a logo file name (a relative path ending in .png, .jpg, .jpeg or .svg)", *v));
      } else {
        agency.report.logo = *v;
      }
    }
    if (auto v = report.string("accent")) {
      if (!is_hex_colour(*v)) {
        ctx.error(report.get("accent"), report.sub("accent"), fmt::format("'{}' is not a colour #rrggbb", *v));
      } else {
        agency.report.accent = *v;
      }
    }
    if (auto closing = report.get("closing"); closing.IsDefined()) {
      MapReader texts(ctx, closing, report.sub("closing"));
      if (auto v = texts.string("fr")) agency.report.closing_fr = *v;
      if (auto v = texts.string("en")) agency.report.closing_en = *v;
      texts.finish();
    }
    if (auto schedule = read_schedule_key(report, "schedule")) agency.report.schedule = std::move(*schedule);
    report.finish();
  }
  map.finish();
  return agency;
}

Defaults read_defaults(LoadContext& ctx, const YAML::Node& node) {
  Defaults defaults;
  MapReader map(ctx, node, "defaults");
  if (auto ssh = map.get("ssh"); ssh.IsDefined()) {
    MapReader ssh_map(ctx, ssh, "defaults.ssh");
    read_ssh_settings(ssh_map, defaults.ssh);
    ssh_map.finish();
  }
  if (auto n = map.get("http"); n.IsDefined()) read_http_settings(ctx, n, "defaults.http", defaults.http);
  if (auto n = map.get("backup"); n.IsDefined()) read_backup_policy(ctx, n, "defaults.backup", defaults.backup);
  if (auto n = map.get("updates"); n.IsDefined()) read_update_policy(ctx, n, "defaults.updates", defaults.updates);
  if (auto n = map.get("health"); n.IsDefined()) read_health_policy(ctx, n, "defaults.health", defaults.health);
  if (auto n = map.get("check"); n.IsDefined()) read_check_policy(ctx, n, "defaults.check", defaults.check);
  if (auto v = map.duration("command_timeout", k_command_timeout_bounds)) defaults.command_timeout = *v;
  map.finish();
  return defaults;
}

std::map<std::string, StorageTarget> read_storage(LoadContext& ctx, const YAML::Node& node) {
  std::map<std::string, StorageTarget> out;
  for (const auto& entry : named_entries(ctx, node, "storage")) {
    auto key = join_key("storage", entry.name);
    if (!check_name(ctx, entry.key_node, key, entry.name)) continue;
    MapReader map(ctx, entry.value, key);
    StorageTarget target;
    target.name = entry.name;
    if (auto v = map.choice("type", {"local", "restic"})) target.type = *v;
    else if (map.ok() && !map.has("type")) ctx.error(entry.value, map.sub("type"), "required key is missing");
    if (auto v = map.string("path")) target.path = *v;
    if (auto v = map.string("repository")) target.repository = *v;
    target.password = map.secret("password");
    if (target.type == "local" && target.path.empty()) ctx.error(entry.value, map.sub("path"), "a local storage needs a path");
    if (target.type == "restic" && target.repository.empty()) {
      ctx.error(entry.value, map.sub("repository"), "a restic storage needs a repository");
    }
    map.finish();
    out[entry.name] = target;
  }
  return out;
}

namespace {

// A URL key of `sources`: an error naming it when it is not http(s); the value either way, so one
// mistake is reported once.
std::optional<std::string> http_url(LoadContext& ctx, MapReader& map, const char* key) {
  auto v = map.string(key);
  if (v && !is_http_url(*v)) {
    ctx.error(map.get(key), map.sub(key), fmt::format("'{}' is not an http:// or https:// URL (a host is required, no spaces)", *v));
  }
  return v;
}

} // namespace

Sources read_sources(LoadContext& ctx, const YAML::Node& node) {
  Sources sources;
  MapReader map(ctx, node, "sources");
  if (auto v = http_url(ctx, map, "wordpress_api")) sources.wordpress_api = *v;
  if (auto vulns = map.get("vulnerabilities"); vulns.IsDefined()) {
    MapReader v_map(ctx, vulns, "sources.vulnerabilities");
    if (auto v = v_map.choice("format", {"wordfence"})) sources.vulnerabilities_format = *v;
    if (auto v = http_url(ctx, v_map, "url")) sources.vulnerabilities_url = *v;
    sources.vulnerabilities_api_key = v_map.secret("api_key");
    if (auto v = v_map.duration("cache_ttl")) sources.cache_ttl = *v;
    v_map.finish();
  }
  if (auto eol = map.get("eol"); eol.IsDefined()) {
    MapReader e_map(ctx, eol, "sources.eol");
    if (auto v = e_map.boolean("enabled")) sources.eol_enabled = *v;
    if (auto v = e_map.string("url")) {
      if (!is_http_url(*v) || v->find("{product}") == std::string::npos) {
        ctx.error(e_map.get("url"), e_map.sub("url"),
                  fmt::format("'{}' is not an http:// or https:// URL containing {{product}}", *v));
      }
      sources.eol_url = *v;
    }
    if (auto v = e_map.duration("horizon", {core::Seconds{0}, k_day * 3650})) sources.eol_horizon = *v;
    e_map.finish();
  }
  if (auto directory = map.get("plugin_directory"); directory.IsDefined()) {
    MapReader d_map(ctx, directory, "sources.plugin_directory");
    if (auto v = d_map.boolean("enabled")) sources.plugin_directory_enabled = *v;
    if (auto v = d_map.duration("abandoned_after", {k_day, k_day * 3650})) sources.plugin_abandoned_after = *v;
    d_map.finish();
  }
  if (auto drupal = map.get("drupal_updates"); drupal.IsDefined()) {
    MapReader u_map(ctx, drupal, "sources.drupal_updates");
    if (auto v = u_map.boolean("enabled")) sources.drupal_updates_enabled = *v;
    if (auto v = http_url(ctx, u_map, "url")) sources.drupal_updates_url = *v;
    u_map.finish();
  }
  if (auto rdap = map.get("rdap"); rdap.IsDefined()) {
    MapReader r_map(ctx, rdap, "sources.rdap");
    if (auto v = r_map.boolean("enabled")) sources.rdap_enabled = *v;
    if (auto v = http_url(ctx, r_map, "bootstrap_url")) sources.rdap_bootstrap_url = *v;
    if (auto v = r_map.duration("warn", {core::Seconds{0}, k_day * 3650})) sources.domain_warn = *v;
    if (auto v = r_map.duration("critical", {core::Seconds{0}, k_day * 3650})) sources.domain_critical = *v;
    if (sources.domain_critical > sources.domain_warn) {
      ctx.error(r_map.get("critical"), r_map.sub("critical"), "must not be longer than sources.rdap.warn");
    }
    r_map.finish();
  }
  map.finish();
  return sources;
}

JournalSettings read_journal(LoadContext& ctx, const YAML::Node& node) {
  JournalSettings journal;
  MapReader map(ctx, node, "journal");
  if (auto v = map.string("repository")) journal.repository = *v;
  if (auto v = map.string("ref")) {
    if (v->rfind("refs/", 0) != 0) {
      ctx.error(map.get("ref"), "journal.ref", "must start with refs/ (e.g. refs/heads/tma-journal)");
    } else if (!is_ref_name(*v)) {
      ctx.error(map.get("ref"), "journal.ref",
                fmt::format("'{}' is not a valid git reference name (no '..', '//', '@{{', leading '.', '.lock', "
                            "spaces or '~^:?*[\\')",
                            *v));
    }
    journal.ref = *v;
  }
  if (auto v = map.string("remote")) journal.remote = *v;
  map.finish();
  return journal;
}

Notify read_notify(LoadContext& ctx, const YAML::Node& node) {
  Notify notify;
  MapReader map(ctx, node, "notify");
  if (auto channels = map.get("channels"); channels.IsDefined()) {
    for (const auto& entry : named_entries(ctx, channels, "notify.channels")) {
      auto key = join_key("notify.channels", entry.name);
      if (!check_name(ctx, entry.key_node, key, entry.name)) continue;
      MapReader c(ctx, entry.value, key);
      NotifyChannel channel;
      channel.name = entry.name;
      if (auto v = c.choice("type", {"slack", "mattermost", "teams", "webhook", "email"})) channel.type = *v;
      else if (c.ok() && !c.has("type")) ctx.error(entry.value, c.sub("type"), "required key is missing");
      channel.url = c.secret("url");
      if (!channel.url.value.empty() && !is_http_url(channel.url.value)) {
        // The value may be a secret: the message does not quote it.
        ctx.error(c.get("url"), c.sub("url"), "not an http:// or https:// URL (a host is required, no spaces)");
      }
      channel.secret = c.secret("secret");
      if (auto v = c.string("smtp")) {
        check_url(ctx, c.get("smtp"), c.sub("smtp"), *v, {"smtp", "smtps"});
        channel.smtp = *v;
      }
      if (auto v = c.string("username")) channel.username = *v;
      channel.password = c.secret("password");
      if (auto v = c.string("from")) channel.from = *v;
      if (auto v = c.boolean("tls")) channel.tls = *v;
      if (channel.type == "email" && channel.smtp.empty()) ctx.error(entry.value, c.sub("smtp"), "an email channel needs smtp");
      if (!channel.type.empty() && channel.type != "email" && channel.url.empty()) {
        ctx.error(entry.value, c.sub("url"), fmt::format("a {} channel needs a url", channel.type));
      }
      c.finish();
      notify.channels.push_back(channel);
    }
  }
  if (auto rules = map.get("rules"); rules.IsDefined()) {
    if (!rules.IsSequence()) ctx.error(rules, "notify.rules", "expected a list of rules");
    for (std::size_t i = 0; rules.IsSequence() && i < rules.size(); ++i) {
      MapReader r(ctx, rules[i], fmt::format("notify.rules[{}]", i));
      NotifyRule rule;
      if (auto v = r.string("on", true)) {
        check_rule_event(ctx, r.get("on"), r.sub("on"), *v);
        rule.on = *v;
      }
      if (auto v = r.choice("min_severity", {"critical", "major", "minor"})) {
        rule.min_severity = *v == "critical" ? Criticality::critical : *v == "major" ? Criticality::major : Criticality::minor;
      }
      if (auto v = r.strings("to", true)) {
        for (std::size_t j = 0; j < v->size(); ++j) {
          const auto& target = (*v)[j];
          bool known = target == "client" ||
                       std::any_of(notify.channels.begin(), notify.channels.end(),
                                   [&](const NotifyChannel& ch) { return ch.name == target; });
          if (!known) ctx.error(r.get("to"), r.sub("to"), fmt::format("unknown channel '{}'", target));
        }
        rule.to = *v;
      }
      r.finish();
      notify.rules.push_back(rule);
    }
  }
  if (auto schedule = read_schedule_key(map, "schedule")) notify.schedule = std::move(*schedule);
  if (auto beat = map.get("heartbeat"); beat.IsDefined()) {
    MapReader h(ctx, beat, "notify.heartbeat");
    Heartbeat heartbeat;
    heartbeat.url = h.secret("url");
    if (heartbeat.url.empty() && h.ok()) {
      ctx.error(beat, h.sub("url"), "required key is missing (or url_command)");
    } else if (!heartbeat.url.value.empty() && !is_http_url(heartbeat.url.value)) {
      // The value is a secret: the message does not quote it.
      ctx.error(h.get("url"), h.sub("url"), "not an http:// or https:// URL (a host is required, no spaces)");
    }
    // Short: a monitor that does not answer must not hold a nightly run.
    if (auto v = h.duration("timeout", DurationBounds{core::Seconds{1}, core::Seconds{60}})) heartbeat.timeout = *v;
    h.finish();
    notify.heartbeat = std::move(heartbeat);
  }
  map.finish();
  return notify;
}

} // namespace tma::inventory::detail
