// Readers shared by `defaults:` and the per-site overrides: ssh, http, backup, updates, health.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "inventory/sections.hpp"
#include "inventory/shapes.hpp"

namespace tma::inventory::detail {
namespace {

// The `ssh.options` tma passes on: tuning of ciphers, authentication methods, keep-alives and host
// key checks, none of which makes ssh run or load anything, forward anything or read a path
// (docs/inventory.md lists them). Everything else (ProxyCommand, LocalCommand, XAuthLocation with
// ForwardX11, PKCS11Provider, SecurityKeyProvider, KnownHostsCommand, Match exec, Include,
// IdentityAgent, forwardings...) belongs in ~/.ssh/config, where the user wrote it knowingly, not
// in an inventory that may be shared. Options tma sets itself have their own keys.
const std::set<std::string, std::less<>> k_allowed_ssh_options = {
    "addressfamily",         "casignaturealgorithms",        "checkhostip",
    "ciphers",               "compression",                  "fingerprinthash",
    "gssapiauthentication",  "hashknownhosts",               "hostbasedacceptedalgorithms",
    "hostkeyalgorithms",     "hostkeyalias",                 "identitiesonly",
    "ipqos",                 "kbdinteractiveauthentication", "kexalgorithms",
    "macs",                  "numberofpasswordprompts",      "passwordauthentication",
    "preferredauthentications", "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes",
    "pubkeyauthentication",  "rekeylimit",                   "requiredrsasize",
    "serveralivecountmax",   "serveraliveinterval",          "tcpkeepalive",
    "updatehostkeys",        "verifyhostkeydns"};

// An option value: algorithm lists (`^aes128-gcm@openssh.com,...`, `-ssh-rsa`), numbers, yes/no.
bool is_option_value(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("@._,+^:-").find(c) != std::string_view::npos;
  });
}

void check_ssh_option(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& option) {
  auto equals = option.find('=');
  auto name = option.substr(0, equals);
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
  if (equals == std::string::npos || !name_ok) {
    ctx.error(node, key, fmt::format("ssh option '{}' must look like Key=Value", option));
    return;
  }
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  if (!k_allowed_ssh_options.count(lower)) {
    ctx.error(node, key,
              fmt::format("ssh option '{}' is not one tma passes on (see 'ssh.options' in docs/inventory.md); "
                          "set it in ~/.ssh/config",
                          name));
    return;
  }
  if (!is_option_value(std::string_view(option).substr(equals + 1))) {
    ctx.error(node, key,
              fmt::format("ssh option '{}': the value may only hold letters, digits and '@._,+^:-' (no spaces)", name));
  }
}

bool check_host(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& host) {
  if (host.empty()) {
    ctx.error(node, key, "the host is empty");
    return false;
  }
  if (host[0] == '-') {
    ctx.error(node, key, fmt::format("host '{}' must not start with '-'", host));
    return false;
  }
  if (!is_host(host)) {
    ctx.error(node, key, fmt::format("'{}' is not a valid host name or address", host));
    return false;
  }
  return true;
}

// identity_file and known_hosts reach ssh's argv and its option parser, which splits on spaces
// and expands `%` tokens.
void check_ssh_path(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& path) {
  if (!is_plain_path(path)) {
    ctx.error(node, key,
              fmt::format("'{}' must be a path without a leading '-', spaces, quotes or shell characters "
                          "(letters, digits, non-ASCII and '/._~+@,:=-')",
                          path));
  }
}

bool read_schedule(MapReader& map, core::Schedule& schedule) {
  auto parsed = read_schedule_key(map, "schedule");
  if (parsed) schedule = std::move(*parsed);
  return parsed.has_value();
}

// `window: {from: "22:00", to: "06:00"}`; `to` may be `24:00`.
std::optional<core::DailyWindow> read_window(LoadContext& ctx, MapReader& parent) {
  auto node = parent.get("window");
  if (!node.IsDefined()) return std::nullopt;
  MapReader map(ctx, node, parent.sub("window"));
  if (!map.ok()) return std::nullopt;
  core::DailyWindow window;
  bool good = true;
  auto clock = [&](const char* name, bool end, int& out) {
    auto text = map.string(name);
    if (!text) {
      if (map.ok() && !map.has(name)) ctx.error(node, map.sub(name), "required key is missing");
      good = false;
      return;
    }
    auto minutes = end && *text == "24:00" ? std::optional<int>(24 * 60) : parse_clock(*text);
    if (!minutes) {
      ctx.error(map.get(name), map.sub(name),
                fmt::format("'{}' is not a time HH:MM (00:00 to {})", *text, end ? "24:00" : "23:59"));
      good = false;
      return;
    }
    out = *minutes;
  };
  clock("from", false, window.from_minutes);
  clock("to", true, window.to_minutes);
  map.finish();
  if (!good) return std::nullopt;
  if (window.from_minutes == window.to_minutes % (24 * 60)) {
    ctx.error(node, parent.sub("window"), "'from' and 'to' are the same time: leave 'window' out for any time");
    return std::nullopt;
  }
  return window;
}

} // namespace

// A schedule is parsed here, so that a bad one is an error at load with its file:line:col.
std::optional<core::Schedule> read_schedule_key(MapReader& map, const std::string& name) {
  auto text = map.string(name);
  if (!text) return std::nullopt;
  auto parsed = core::Schedule::parse(*text);
  if (!parsed) {
    map.context().error(map.get(name), map.sub(name), parsed.error());
    return std::nullopt;
  }
  return std::move(*parsed);
}

void read_check_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, CheckPolicy& check) {
  MapReader map(ctx, node, key);
  if (!map.ok()) return;
  if (auto schedule = read_schedule_key(map, "schedule")) check.schedule = std::move(*schedule);
  map.finish();
}

bool check_url(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& url,
               const std::vector<std::string>& schemes) {
  for (const auto& scheme : schemes) {
    auto prefix = scheme + "://";
    if (url.rfind(prefix, 0) != 0) continue;
    auto rest = std::string_view(url).substr(prefix.size());
    bool blank = std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
    if (!rest.empty() && rest[0] != '/' && !blank) return true;
  }
  std::vector<std::string> shown;
  for (const auto& scheme : schemes) shown.push_back(scheme + "://");
  ctx.error(node, key, fmt::format("'{}' is not an {} URL (a host is required, no spaces)", url, fmt::join(shown, " or ")));
  return false;
}

bool parse_ssh_target(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& text,
                      SshTarget& ssh) {
  std::string rest = text;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    auto user = rest.substr(0, at);
    if (!is_user_name(user)) {
      ctx.error(node, key, fmt::format("ssh user '{}' is not a valid user name{}", user,
                                       !user.empty() && user[0] == '-' ? " (must not start with '-')" : ""));
      return false;
    }
    ssh.user = user;
    rest = rest.substr(at + 1);
  }
  std::string host = rest;
  std::optional<std::string> port;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) {
      ctx.error(node, key, fmt::format("unbalanced '[' in ssh target '{}'", text));
      return false;
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') {
        ctx.error(node, key, fmt::format("unexpected text after ']' in ssh target '{}'", text));
        return false;
      }
      port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.find(':'); colon != std::string::npos && rest.find(':', colon + 1) == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (!check_host(ctx, node, key, host)) return false;
  ssh.host = host;
  if (port) {
    auto number = parse_port(*port);
    if (!number) {
      ctx.error(node, key, fmt::format("port '{}' in ssh target '{}' is not a number from 1 to 65535", *port, text));
      return false;
    }
    ssh.port = *number;
  }
  return true;
}

void read_ssh_settings(MapReader& map, SshTarget& ssh) {
  if (auto v = map.string("user")) ssh.user = *v;
  if (auto v = map.integer("port", 1, 65535)) ssh.port = *v;
  if (auto v = map.string("identity_file")) {
    check_ssh_path(map.context(), map.get("identity_file"), map.sub("identity_file"), *v);
    ssh.identity_file = *v;
  }
  if (auto v = map.string("known_hosts")) {
    check_ssh_path(map.context(), map.get("known_hosts"), map.sub("known_hosts"), *v);
    ssh.known_hosts = *v;
  }
  if (auto v = map.choice("host_key_checking", {"yes", "accept-new"})) {
    ssh.host_key_checking = *v == "yes" ? HostKeyChecking::yes : HostKeyChecking::accept_new;
  }
  if (auto v = map.string("jump")) {
    // ssh -J takes `[user@]host[:port]` hops separated by commas; each is checked like a target.
    SshTarget hop;
    std::size_t start = 0;
    while (true) {
      auto comma = v->find(',', start);
      auto part = v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!parse_ssh_target(map.context(), map.get("jump"), map.sub("jump"), part, hop)) break;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    ssh.jump = *v;
  }
  if (auto v = map.duration("connect_timeout", k_connect_timeout_bounds)) ssh.connect_timeout = *v;
  if (auto v = map.strings("options")) {
    auto node = map.get("options");
    for (std::size_t i = 0; i < v->size(); ++i) {
      check_ssh_option(map.context(), node[i], fmt::format("{}[{}]", map.sub("options"), i), (*v)[i]);
    }
    ssh.options = *v;
  }
  if (auto v = map.boolean("prefer_aes_gcm")) ssh.prefer_aes_gcm = *v;
}

void read_http_settings(LoadContext& ctx, const YAML::Node& node, const std::string& key, HttpSettings& http) {
  MapReader map(ctx, node, key);
  if (auto v = map.duration("timeout", k_request_timeout_bounds)) http.timeout = *v;
  if (auto v = map.boolean("tls_verify")) http.tls_verify = *v;
  if (auto v = map.string("ca_file")) http.ca_file = *v;
  map.finish();
}

DatabaseDump read_database_dump(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  MapReader dump(ctx, node, key);
  DatabaseDump spec;
  if (auto v = dump.choice("tool", {"mysqldump", "mariadb-dump"})) spec.tool = *v;
  if (auto v = dump.string("host")) {
    if (!is_host(*v)) {
      ctx.error(dump.get("host"), dump.sub("host"), fmt::format("'{}' is not a host name or address", *v));
    } else if (v->front() == '[') {
      // The mysql client takes an IPv6 address bare (its port is 'port'); brackets would reach it as part of the name.
      ctx.error(dump.get("host"), dump.sub("host"),
                fmt::format("'{}': write an IPv6 address without brackets (the port is 'port')", *v));
    }
    spec.host = *v;
  }
  if (auto v = dump.integer("port", 1, 65535)) spec.port = *v;
  if (auto v = dump.string("user", true)) spec.user = *v;
  spec.password = dump.secret("password");
  if (auto v = dump.string("name", true)) {
    if (!is_database_name(*v)) {
      ctx.error(dump.get("name"), dump.sub("name"),
                fmt::format("'{}' is not a database name (letters, digits, '_', '$' and '-', not first; at most 64)", *v));
    }
    spec.name = *v;
  }
  dump.finish();
  return spec;
}

void read_backup_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, BackupPolicy& backup) {
  MapReader map(ctx, node, key);
  if (!map.ok()) return;
  backup.configured = true;
  read_schedule(map, backup.schedule);
  if (auto keep_node = map.get("keep"); keep_node.IsDefined()) {
    MapReader keep(ctx, keep_node, map.sub("keep"));
    KeepPolicy policy{};
    const auto errors_before = ctx.errors.size();
    auto count = [&](const char* name, int& field) {
      if (auto v = keep.integer(name, 0, 100000)) field = *v;
    };
    count("last", policy.last);
    count("hourly", policy.hourly);
    count("daily", policy.daily);
    count("weekly", policy.weekly);
    count("monthly", policy.monthly);
    count("yearly", policy.yearly);
    keep.finish();
    if (keep.ok() && policy.empty() && ctx.errors.size() == errors_before) {
      ctx.error(keep_node, map.sub("keep"), "an empty retention policy would keep nothing; give at least one count");
    }
    backup.keep = policy;
  }
  if (auto v = map.strings("storage", true)) backup.storage = *v;
  if (auto v = map.choice("method", {"ssh", "http", "custom"})) {
    backup.method = *v == "ssh" ? BackupMethod::ssh : *v == "http" ? BackupMethod::http : BackupMethod::custom;
  }
  if (auto v = map.strings("paths")) backup.paths = *v;
  if (auto v = map.strings("exclude")) backup.exclude = *v;
  if (auto v = map.choice("compression", {"gzip", "zstd", "none"})) {
    backup.compression = *v == "gzip" ? Compression::gzip : *v == "zstd" ? Compression::zstd : Compression::none;
  }
  if (auto v = map.choice("compress_on", {"auto", "server", "local"})) {
    backup.compress_on = *v == "server" ? CompressOn::server : *v == "local" ? CompressOn::local : CompressOn::automatic;
  }
  if (auto db = map.get("database"); db.IsDefined() && db.IsMap()) {
    backup.database = true;
    backup.database_dump = read_database_dump(ctx, db, map.sub("database"));
  } else if (auto v = map.boolean("database")) {
    backup.database = *v;
    backup.database_dump.reset();
  }
  if (auto trigger_node = map.get("trigger"); trigger_node.IsDefined()) {
    MapReader trigger(ctx, trigger_node, map.sub("trigger"));
    HttpRequestSpec spec;
    if (auto v = trigger.string("url", true)) {
      if (!is_http_url(*v)) {
        ctx.error(trigger.get("url"), trigger.sub("url"), "not an http:// or https:// URL (a host is required, no spaces)");
      }
      spec.url = *v;
    }
    if (auto v = trigger.choice("method", {"POST", "PUT", "GET"})) spec.method = *v;
    if (auto headers = trigger.get("headers"); headers.IsDefined()) {
      MapReader header_map(ctx, headers, trigger.sub("headers"));
      for (const auto& entry : named_entries(ctx, headers, trigger.sub("headers"))) {
        spec.headers[entry.name] = header_map.secret(entry.name);
      }
      header_map.finish();
    }
    trigger.finish();
    backup.trigger = spec;
  }
  if (auto status_node = map.get("status"); status_node.IsDefined()) {
    MapReader status(ctx, status_node, map.sub("status"));
    if (auto v = status.string("url", true)) {
      if (!is_http_url(*v)) {
        ctx.error(status.get("url"), status.sub("url"), "not an http:// or https:// URL (a host is required, no spaces)");
      }
      backup.status_url = *v;
    }
    if (auto done = status.get("done_when"); done.IsDefined()) {
      MapReader done_map(ctx, done, status.sub("done_when"));
      backup.done_field = done_map.string("field", true);
      backup.done_value = done_map.string("equals", true);
      done_map.finish();
    }
    status.finish();
  }
  if (auto keep_node = map.get("restore_keep"); keep_node.IsDefined()) {
    // What a restore keeps of the archive's metadata; by default neither (docs/backup.md, "Restore").
    // The list replaces the one of `defaults.backup` as a whole.
    backup.restore_keep_special_bits = false;
    backup.restore_keep_owner = false;
    if (!keep_node.IsSequence()) {
      ctx.error(keep_node, map.sub("restore_keep"), "expected a list of special_bits, owner");
    } else {
      for (std::size_t i = 0; i < keep_node.size(); ++i) {
        auto item = read_choice(ctx, keep_node[i], fmt::format("{}[{}]", map.sub("restore_keep"), i), {"special_bits", "owner"});
        if (item && *item == "special_bits") backup.restore_keep_special_bits = true;
        if (item && *item == "owner") backup.restore_keep_owner = true;
      }
    }
  }
  if (auto commands = map.get("commands"); commands.IsDefined()) {
    for (const auto& entry : named_entries(ctx, commands, map.sub("commands"))) {
      auto argv_key = join_key(map.sub("commands"), entry.name);
      if (!check_name(ctx, entry.key_node, argv_key, entry.name)) continue;
      if (auto argv = read_string_list(ctx, entry.value, argv_key)) {
        if (argv->empty()) ctx.error(entry.value, argv_key, "the command must not be empty");
        backup.commands[entry.name] = *argv;
      }
    }
  }
  map.finish();
}

void read_update_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, UpdatePolicy& updates) {
  MapReader map(ctx, node, key);
  if (!map.ok()) return;
  updates.configured = true;
  if (read_schedule(map, updates.schedule)) updates.scheduled = true;
  if (auto window = read_window(ctx, map)) updates.window = *window;
  if (auto v = map.boolean("security_only")) updates.security_only = *v;
  if (auto v = map.strings("exclude")) updates.exclude = *v;
  if (auto v = map.duration("min_release_age", {core::Seconds{0}, k_day * 365})) updates.min_release_age = *v;
  if (auto pin = map.get("pin"); pin.IsDefined()) {
    for (const auto& entry : named_entries(ctx, pin, map.sub("pin"))) {
      if (auto v = read_string(ctx, entry.value, join_key(map.sub("pin"), entry.name))) updates.pin[entry.name] = *v;
    }
  }
  map.finish();
}

void read_health_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, HealthPolicy& health) {
  MapReader map(ctx, node, key);
  if (auto schedule = read_schedule_key(map, "schedule")) health.schedule = std::move(*schedule);
  if (auto v = map.duration("tls_warn")) health.tls_warn = *v;
  if (auto v = map.duration("tls_critical")) health.tls_critical = *v;
  if (auto v = map.integer("down_after", 1, 1000)) health.down_after = *v;
  map.finish();
}

namespace {

// A byte size key of `perf:` (`3MiB`, `10KiB`, `512`), between 1 byte and 1 TiB.
std::optional<std::uint64_t> perf_size(MapReader& map, const std::string& name) {
  auto node = map.get(name);
  if (!node.IsDefined()) return std::nullopt;
  auto text = read_string(map.context(), node, map.sub(name));
  if (!text) return std::nullopt;
  auto value = core::parse_size(*text);
  if (!value) {
    map.context().error(node, map.sub(name), value.error());
    return std::nullopt;
  }
  if (*value < 1 || *value > (1ull << 40)) {
    map.context().error(node, map.sub(name), fmt::format("size '{}' is out of range (1B..1TiB)", *text));
    return std::nullopt;
  }
  return *value;
}

// `perf.regression`: a ratio written as a plain decimal (`1.5`, `2`), between 1.05 and 100.
std::optional<double> perf_ratio(MapReader& map, const std::string& name) {
  auto text = map.string(name);
  if (!text) return std::nullopt;
  auto value = detail::parse_plain_decimal(*text, 12);
  if (!value || *value < 1.05 || *value > 100) {
    map.context().error(map.get(name), map.sub(name),
                        fmt::format("'{}' is not a ratio between 1.05 and 100 (a plain decimal such as 1.5)", *text));
    return std::nullopt;
  }
  return value;
}

} // namespace

void read_perf_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, PerfPolicy& perf) {
  MapReader map(ctx, node, key);
  if (!map.ok()) return;
  if (auto paths = map.strings("paths")) {
    for (const auto& path : *paths) {
      // A path of the site, not a URL: it is appended to each environment's url.
      bool printable = std::all_of(path.begin(), path.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
      });
      if (path.empty() || path.front() != '/' || path.rfind("//", 0) == 0 || !printable) {
        ctx.error(map.get("paths"), map.sub("paths"),
                  fmt::format("'{}' is not a path of the site (it starts with one '/', without spaces)", path));
        continue;
      }
      if (path != "/" && std::find(perf.paths.begin(), perf.paths.end(), path) == perf.paths.end()) {
        perf.paths.push_back(path);
      }
    }
  }
  if (auto v = map.integer("ttfb_ms", 1, 600'000)) perf.ttfb_ms = *v;
  if (auto v = perf_size(map, "page_weight")) perf.page_weight = *v;
  if (auto v = map.integer("requests", 1, 100'000)) perf.requests = *v;
  if (auto v = perf_size(map, "uncompressed_text")) perf.uncompressed_text = *v;
  if (auto v = perf_size(map, "image_bytes")) perf.image_bytes = *v;
  if (auto v = map.integer("redirects", 0, 20)) perf.redirects = *v;
  if (auto v = perf_size(map, "max_bytes")) perf.max_bytes = *v;
  if (auto v = map.integer("max_assets", 0, 10'000)) perf.max_assets = *v;
  if (auto v = perf_size(map, "autoload_size")) perf.autoload_size = *v;
  if (auto v = map.integer("cron_overdue", 1, 100'000)) perf.cron_overdue = *v;
  if (auto v = map.duration("cron_overdue_age", {core::Seconds{60}, k_day * 365})) perf.cron_overdue_age = *v;
  if (auto v = map.boolean("object_cache")) perf.object_cache = *v;
  if (auto v = perf_ratio(map, "regression")) perf.regression = *v;
  map.finish();
}

} // namespace tma::inventory::detail
