#pragma once
// The inventory as tma uses it after loading and validation (docs/inventory.md describes the YAML).
// Defaults are already merged in: every Environment carries its full effective settings.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/schedule.hpp>
#include <tma/core/units.hpp>

namespace tma::inventory {

using core::Cents;
using core::Date;
using core::Seconds;

/// Where a value came from, for messages (`sites.yaml:14:5`). Line and column are 1-based.
struct Mark {
  std::string file;
  int line = 0;
  int column = 0;
};

/// A value that must never be printed: a literal (possibly from `${VAR}`) or a program to run
/// (`*_command: [argv...]`), resolved on demand by `resolve_secret()`.
struct Secret {
  std::string value;                 ///< literal value (registered for redaction at load)
  std::vector<std::string> command;  ///< argv of a program whose stdout is the value
  Mark mark;
  bool empty() const { return value.empty() && command.empty(); }
};

enum class Lang { fr, en };
enum class Cms { wordpress, drupal, composer, static_site };
enum class HostKeyChecking { yes, accept_new };
enum class Criticality { critical, major, minor };

/// One environment's SSH endpoint, after merging `defaults.ssh`.
struct SshTarget {
  std::string user;           ///< may be empty: let ~/.ssh/config decide
  std::string host;
  std::optional<int> port;    ///< unset: let ~/.ssh/config decide (else ssh's 22)
  std::optional<std::string> identity_file;
  std::optional<std::string> known_hosts;
  HostKeyChecking host_key_checking = HostKeyChecking::yes;
  std::optional<std::string> jump;
  Seconds connect_timeout{10};
  std::vector<std::string> options; ///< extra `-o Key=Value`, validated at load
  bool prefer_aes_gcm = true;       ///< AES-GCM first when this CPU has AES instructions
};

struct HttpSettings {
  Seconds timeout{30};
  bool tls_verify = true;
  std::optional<std::string> ca_file;
};

/// A smoke test / health check (`checks:`).
struct SmokeCheck {
  std::string path = "/";
  int expect_status = 200;
  std::optional<std::string> expect_text;
  std::optional<Seconds> max_time;
  Mark mark;
};

/// `keep:` in restic's terms; an absent field is 0 (rule off).
struct KeepPolicy {
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  bool empty() const { return last + hourly + daily + weekly + monthly + yearly == 0; }
};

enum class BackupMethod { ssh, http, custom };
enum class Compression { gzip, zstd, none };
/// Where an ssh backup compresses: `automatic` is the server when it has the tool, else here.
enum class CompressOn { automatic, server, local };

struct HttpRequestSpec {
  std::string url;
  std::string method = "POST";
  std::map<std::string, Secret> headers; ///< header values are treated as secrets
};

/// `backup.database: {tool, host, port, user, password, name}`: a plain mysqldump/mariadb-dump of
/// one database (sites without a CMS dump tool). The password is a secret: it reaches the server
/// only through the SSH channel's stdin, into a 0600 option file (docs/backup.md).
struct DatabaseDump {
  std::string tool = "mysqldump"; ///< mysqldump | mariadb-dump (restore: mysql | mariadb)
  std::string host;                ///< empty: the client's default (local socket)
  int port = 0;                    ///< 0: the client's default
  std::string user;
  Secret password;
  std::string name;                ///< the database
};

struct BackupPolicy {
  core::Schedule schedule = core::Schedule::parse("daily 02:30").value();
  KeepPolicy keep{0, 0, 7, 4, 12, 0};
  std::vector<std::string> storage{"local"};
  BackupMethod method = BackupMethod::ssh;
  std::vector<std::string> paths{"."};
  std::vector<std::string> exclude;
  Compression compression = Compression::gzip;
  CompressOn compress_on = CompressOn::automatic;
  bool database = true;                       ///< dump the CMS database (ssh method)
  std::optional<DatabaseDump> database_dump;  ///< a plain mysqldump instead of the CMS's tool,
                                              ///< for environments without their own `database`
  std::optional<HttpRequestSpec> trigger;     ///< http method
  std::optional<std::string> status_url;      ///< http method, `{id}` replaced
  std::optional<std::string> done_field;      ///< http method: JSON field that says done
  std::optional<std::string> done_value;
  std::map<std::string, std::vector<std::string>> commands; ///< custom method: artifact -> argv
  bool restore_keep_special_bits = false; ///< `restore_keep: [special_bits]`: setuid/setgid/sticky survive a restore
  bool restore_keep_owner = false;        ///< `restore_keep: [owner]`: the archive's owners survive a restore
  bool configured = false; ///< the site (or defaults) said something about backups
};

struct UpdatePolicy {
  core::Schedule schedule = core::Schedule::parse("weekly mon 09:00").value();
  /// `schedule` was written (site or defaults): `tma run --due` updates a site only then, never on
  /// the built-in default, so that no prod is updated unattended unless someone asked for it.
  bool scheduled = false;
  std::optional<core::DailyWindow> window; ///< a due update waits for this local window
  bool security_only = false;              ///< scheduled updates take security releases only
  std::vector<std::string> exclude;          ///< component names never updated
  std::map<std::string, std::string> pin;    ///< component -> version pattern (`6.4.*`)
  /// `min_release_age`: a version released more recently is held (not updated, shown held by check and
  /// the plan) unless it fixes a known vulnerability of the installed version. 0: no hold (`0s` lets a
  /// site drop the hold of `defaults.updates`).
  Seconds min_release_age{0};
  bool configured = false;
};

struct HealthPolicy {
  std::optional<core::Schedule> schedule; ///< `tma run --due` records health then (`every 5m`)
  Seconds tls_warn{14 * 86400};
  Seconds tls_critical{3 * 86400};
  int down_after = 2;
};

/// `check:` (not `checks:`, the smoke tests): when `tma run --due` runs `tma check` on the site.
struct CheckPolicy {
  std::optional<core::Schedule> schedule;
};

/// `perf:` (docs/perf.md): the pages `tma perf` audits besides `/`, its thresholds and its caps.
struct PerfPolicy {
  std::vector<std::string> paths;                    ///< each starts with `/`; `/` itself is always audited
  int ttfb_ms = 800;                                 ///< finding `ttfb` above this
  std::uint64_t page_weight = 3ull * 1024 * 1024;    ///< finding `page-weight` above this (page + assets)
  int requests = 100;                                ///< finding `requests` above this
  std::uint64_t uncompressed_text = 10 * 1024;       ///< finding `uncompressed` for a larger HTML/CSS/JS
  std::uint64_t image_bytes = 300 * 1024;            ///< finding `oversize-image` above this
  int redirects = 1;                                 ///< finding `redirects` for a longer chain
  std::uint64_t max_bytes = 20ull * 1024 * 1024;     ///< cap: bytes downloaded for one page and its assets
  int max_assets = 200;                              ///< cap: assets fetched per page
  // WordPress over SSH (docs/perf.md "WordPress over SSH").
  std::uint64_t autoload_size = 800 * 1024;          ///< finding `autoload-size` above this (WordPress 6.6's Site Health limit)
  int cron_overdue = 1;                              ///< finding `cron-overdue` from this many overdue events
  Seconds cron_overdue_age{3600};                    ///< an event is overdue when its next run is this far in the past
  bool object_cache = false;                         ///< finding `no-object-cache` when no persistent object cache
  // Trends (`tma perf --compare`).
  double regression = 1.5;                           ///< finding `regression` when a figure exceeds the median times this
};

/// `visual:` (docs/visual.md): what `tma visual` captures of a site and how it judges the differences.
struct VisualPolicy {
  std::vector<std::string> paths;            ///< each starts with `/`; `/` itself is always captured
  int sample = 8;                            ///< pages sampled from the sitemap (0..50)
  std::vector<int> widths{1280, 390};        ///< viewport widths; 480 or less is phone emulation
  std::vector<std::string> mask;             ///< CSS selectors hidden before the capture
  double changed = 0.01;                     ///< verdict `changed` from this share of changed pixels
  double broken = 0.15;                      ///< verdict `broken` from this share
  int keep = 10;                             ///< complete snapshots kept per site and environment
  /// `tma run --due` compares prod with its previous snapshot then (`monthly 1 07:00`): the
  /// defacement check. Not set: only by hand or within `tma update`.
  std::optional<core::Schedule> schedule;
};
/// Widths up to this are captured with phone emulation.
inline constexpr int k_visual_phone_width = 480;

/// One place a site runs (prod, preprod, ...), with every default merged in.
struct Environment {
  std::string name;
  std::string url;
  bool local = false;                 ///< `transport: local`: commands run on this machine
  std::optional<SshTarget> ssh;       ///< absent for HTTP-only environments
  std::string path;                   ///< site root on the server
  std::map<std::string, std::string> binaries; ///< wp, drush, php, composer overrides
  HttpSettings http;
  Seconds command_timeout{1800}; ///< wall-clock bound for one remote command
  /// `database:` of this environment: its own plain dump, used instead of the site's
  /// `backup.database` map, since prod and preprod rarely share one database.
  std::optional<DatabaseDump> database;
  Mark mark;
  /// The binary to run for `tool` (`wp`, `drush`, ...), honouring overrides.
  std::string binary(const std::string& tool) const {
    auto it = binaries.find(tool);
    return it == binaries.end() ? tool : it->second;
  }
};

struct Site {
  std::string name;
  std::string client;
  Cms cms = Cms::wordpress;
  std::vector<std::string> tags;
  Criticality criticality = Criticality::major;
  std::vector<Environment> environments; ///< sorted: prod first, then preprod, then by name
  BackupPolicy backup;
  UpdatePolicy updates;
  HealthPolicy health;
  CheckPolicy check;
  PerfPolicy perf;
  std::optional<VisualPolicy> visual;    ///< absent: no `visual:` block, `tma visual` refuses the site
  std::vector<SmokeCheck> checks;        ///< empty means "GET / expecting 200"
  std::vector<std::string> plugins;      ///< plugins to fingerprint over HTTP
  /// `domain:` (docs/check.md §2.4): the registered domain whose expiry `tma check` asks the registry
  /// about when the prod URL's name does not give it (`shop.example.co.uk` under `uk`); `domain: none`
  /// (`domain_none`) asks nothing.
  std::string domain;
  bool domain_none = false;
  Mark mark;
  const Environment* env(const std::string& env_name) const {
    for (const auto& e : environments) {
      if (e.name == env_name) return &e;
    }
    return nullptr;
  }
  /// The plain dump that backs up and restores `environment`'s database: its own `database`, else
  /// the site's `backup.database` map; nullptr when the CMS's tool does it (or nothing does).
  const DatabaseDump* plain_dump(const Environment& environment) const {
    if (environment.database) return &*environment.database;
    return backup.database_dump ? &*backup.database_dump : nullptr;
  }
};

struct SlaTarget {
  Seconds respond{0};
  Seconds resolve{0};
};

enum class SlaClock { business, always }; ///< `business` | `24x7`

struct Sla {
  SlaClock clock = SlaClock::always;
  std::optional<SlaTarget> critical, major, minor;
};

/// First-response targets of client requests by priority (`request_targets:`, docs/requests.md).
struct RequestTargets {
  SlaClock clock = SlaClock::business; ///< requests are answered in office hours unless the contract says 24x7
  std::optional<Seconds> urgent, high, normal, low;
};

enum class ContractModel { subscription, on_demand, hour_bank };

struct HourPack {
  Date date;
  Seconds hours{0};
  Cents price = 0;
  std::optional<Date> expires;
};

struct Contract {
  ContractModel model = ContractModel::on_demand;
  // subscription
  Cents monthly_fee = 0;
  Seconds included{0};
  Cents overage_rate = 0; ///< per hour; subscription and hour_bank
  // on_demand
  Cents rate = 0;         ///< per hour
  Seconds increment{0};   ///< each billable entry rounded up to this
  Seconds minimum{0};     ///< then raised to this
  // hour_bank
  std::vector<HourPack> packs;
  Seconds low_balance{0};
  std::optional<Sla> sla;
  std::optional<RequestTargets> request_targets;
};

struct Contact {
  std::string name;
  std::string email;
};

struct Client {
  std::string id;   ///< key in `clients:`
  std::string name; ///< display name
  Lang lang = Lang::en;
  std::vector<Contact> contacts;
  Contract contract;
  /// `report.schedule`, else `agency.report.schedule`: when `tma run --due` sends the client report.
  std::optional<core::Schedule> report_schedule;
  Mark mark;
};

struct BusinessHours {
  std::vector<int> days{1, 2, 3, 4, 5}; ///< ISO weekday numbers, 1 = Monday
  int from_minutes = 9 * 60;
  int to_minutes = 18 * 60; ///< up to 24 * 60: `to: "24:00"`, the end of the day
  std::vector<Date> holidays;
};

/// White label of client reports (`agency.report`, docs/report.md).
struct ReportBranding {
  std::string logo;             ///< PNG, JPEG or SVG file, relative to the inventory's directory; empty: none
  std::string accent = "#1f4e8c"; ///< `#rrggbb`
  std::string closing_fr;       ///< closing text of French reports
  std::string closing_en;       ///< closing text of English reports
  std::optional<core::Schedule> schedule; ///< default of `clients.<id>.report.schedule`
};

struct Agency {
  ReportBranding report;
  std::string name;
  std::string timezone = "UTC";
  std::string currency = "EUR";
  BusinessHours business_hours;
  std::vector<Contact> contacts;
};

struct StorageTarget {
  std::string name;
  std::string type = "local"; ///< local | restic
  std::string path;           ///< local: directory (relative to the inventory's directory)
  std::string repository;     ///< restic
  Secret password;            ///< restic
};

struct Sources {
  std::string wordpress_api = "https://api.wordpress.org";
  std::optional<std::string> vulnerabilities_url;
  std::string vulnerabilities_format = "wordfence";
  Secret vulnerabilities_api_key;
  Seconds cache_ttl{12 * 3600};
  /// End-of-life data (`sources.eol`, docs/check.md "End of life"): tma ships a snapshot; `url`, a
  /// template with `{product}` (e.g. `https://endoflife.date/api/{product}.json`), refreshes it.
  bool eol_enabled = true;
  std::optional<std::string> eol_url;
  Seconds eol_horizon{90 * 86400}; ///< `eol-soon` when support ends within this
  /// WordPress.org's plugin directory (`sources.plugin_directory`): closed, abandoned, untested plugins.
  bool plugin_directory_enabled = true;
  Seconds plugin_abandoned_after{730 * 86400}; ///< `abandoned` when the last release is older (24 months)
  /// drupal.org's release history (`sources.drupal_updates`): unsupported branches, insecure releases.
  bool drupal_updates_enabled = true;
  std::string drupal_updates_url = "https://updates.drupal.org/release-history";
  /// Domain registrations through RDAP (`sources.rdap`, docs/check.md §2.4): tma ships IANA's
  /// bootstrap; `bootstrap_url` (e.g. `https://data.iana.org/rdap/dns.json`) refreshes it.
  bool rdap_enabled = true;
  std::optional<std::string> rdap_bootstrap_url;
  Seconds domain_warn{60 * 86400};     ///< a `minor` domain finding when the registration ends within this
  Seconds domain_critical{14 * 86400}; ///< `major` within this
};

struct JournalSettings {
  std::string repository = "."; ///< relative to the inventory's directory
  std::string ref = "refs/heads/tma-journal";
  std::string remote = "origin";
};

struct NotifyChannel {
  std::string name;
  std::string type; ///< slack | mattermost | teams | webhook | email
  Secret url;
  Secret secret;    ///< HMAC key for generic webhooks
  std::string smtp;
  std::string username;
  Secret password;
  std::string from;
  bool tls = true;
};

struct NotifyRule {
  std::string on;
  std::optional<Criticality> min_severity;
  std::vector<std::string> to;
};

/// `notify.heartbeat`: a push monitor (healthchecks.io, Uptime Kuma, a self-hosted Healthchecks)
/// that `tma run --due` pings, so that a cron job that silently stopped is noticed from outside.
struct Heartbeat {
  Secret url;                      ///< the ping URL: a secret, never printed
  core::Seconds timeout{10};       ///< per ping; a ping never fails nor delays the run beyond it
};

struct Notify {
  std::vector<NotifyChannel> channels;
  std::vector<NotifyRule> rules;
  std::optional<core::Schedule> schedule; ///< when `tma run --due` flushes pending notifications
  std::optional<Heartbeat> heartbeat;
};

/// One project of the tool (a Redmine identifier, a Jira key) whose issues and time entries belong
/// to `client` (and to `site` when set), and where the client's incidents are opened.
struct ConnectorProject {
  std::string project;
  std::string client;
  std::string site;
  /// Jira: the issue (`ACME-12`) that pushed hours go on when they are on no request of the project.
  std::string hours_issue;
  Mark mark;
};

/// `connectors.<name>`: a ticketing tool tma syncs with (docs/connectors.md): `redmine`, `jira` or
/// `zendesk` or `trello`.
struct Connector {
  std::string name;
  std::string type;      ///< redmine | jira | zendesk | trello
  std::string url;       ///< base URL, without a trailing slash
  /// Redmine: `api_key`, sent as X-Redmine-API-Key. Jira: `api_token`, with `email` as HTTP Basic
  /// on Cloud, or a personal access token sent as `Bearer` on Data Center. Trello: `token`.
  Secret api_key;
  std::string email;      ///< Jira Cloud: the account the API token belongs to
  bool data_center = false; ///< Jira: `deployment: data_center` (REST API v2, Bearer token)
  HttpSettings http;     ///< timeout, tls_verify, ca_file
  std::vector<ConnectorProject> projects;
  bool import_issues = true;       ///< issues -> requests
  bool import_time_entries = true; ///< time entries -> hours
  bool export_incidents = false;   ///< tma's incidents -> issues (opened, noted, closed)
  bool export_hours = false;       ///< hours logged in tma -> time entries
  std::string hours_activity;      ///< activity of pushed hours whose category `activities` does not name
  std::optional<core::Date> import_since; ///< the first sync reads nothing updated or spent before
  /// Time entries spent this far back are listed again at each sync, to notice changes and deletions.
  Seconds time_entry_window{62 * 86400};
  std::string tracker;   ///< tracker of exported incidents; empty: the project's default
  std::map<std::string, std::string> priorities; ///< incident severity -> Redmine or Jira priority name
  std::string issue_type = "Bug"; ///< Jira: the issue type of exported incidents
  std::optional<core::Schedule> schedule; ///< when `tma run --due` syncs it (`every 15m`)
  std::map<std::string, std::string> categories; ///< Redmine tracker name -> request category
  std::map<std::string, std::string> activities; ///< Redmine activity name -> hours category
  // Zendesk (`type: zendesk`): `email` and `api_key` (the API token) as for Jira Cloud; project keys
  // are organization ids (digits, kept as text: they exceed 2^32); `categories` by ticket type.
  std::string time_total_field; ///< id of the Time Tracking app's total field (seconds); "" = no hours
  /// Zendesk: the Time Tracking app's "Time spent last update (sec)" field, set by pushed hours; "" = left alone
  std::string time_last_update_field;
  /// Zendesk: exported follow-ups and hours are public comments (the requester sees them) rather than
  /// internal notes
  bool public_comments = false;
  // Trello (docs/connectors.md, "Trello"): projects are board ids; the token is `api_key`.
  Secret trello_key;                            ///< Trello: `key`, the API key the token was made for
  std::map<std::string, std::string> lists;     ///< Trello list name -> request status
  std::map<std::string, std::string> labels;    ///< Trello label name -> request priority or category
  /// Trello, with `export_incidents`: the list (24-hex id, or name on each board) incidents' cards are
  /// created in, and reopened ones moved back to; "" when the export is off.
  std::string incident_list;
  /// Trello, with `export_incidents`: the list (id or name) resolved incidents' cards move to.
  std::string done_list;
  Mark mark;
  const ConnectorProject* project_of_client(const std::string& client) const {
    for (const auto& p : projects) {
      if (p.client == client) return &p;
    }
    return nullptr;
  }
};

struct Inventory {
  std::string path;      ///< the file it was loaded from
  std::string directory; ///< its directory, base for relative paths
  Agency agency;
  std::vector<Client> clients; ///< sorted by id
  std::vector<Site> sites;     ///< sorted by name
  std::map<std::string, StorageTarget> storage;
  Sources sources;
  JournalSettings journal;
  Notify notify;
  std::vector<Connector> connectors; ///< sorted by name

  const Client* client(const std::string& id) const {
    for (const auto& c : clients) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }
  const Site* site(const std::string& name) const {
    for (const auto& s : sites) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }
};

std::string_view to_string(Cms cms);
std::string_view to_string(ContractModel model);
std::string_view to_string(Lang lang);
std::string_view to_string(Criticality criticality);
std::string_view to_string(BackupMethod method);

} // namespace tma::inventory
