#pragma once
// The WordPress side of `tma perf` (docs/perf.md "WordPress over SSH"): object cache, autoloaded
// options, cron backlog, PHP version and the CLI's OPcache, asked with documented WP-CLI commands
// (and one `php -r`) in ONE remote session per target. Every answer is checked against the shape it
// must have before use; a query that fails or answers out of shape leaves a note, never fails the
// target. Parsers and the evaluation are pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/perf/page.hpp>
#include <tma/transport/transport.hpp>

namespace tma::perf {

/// Events of `wp cron event list` and those overdue by more than the policy's age.
struct CronBacklog {
  std::size_t events = 0;
  std::size_t overdue = 0;
  std::int64_t oldest_overdue_s = 0; ///< how late the most overdue event is, in seconds (0 when none)
};

/// What the WordPress checks found; a fact is absent when its query failed (a note says why).
struct WordPressFacts {
  std::optional<std::string> object_cache;     ///< `wp cache type`: `Default` (none) or the backend (`Redis`...)
  std::optional<std::uint64_t> autoload_bytes; ///< `wp option list --autoload=on --format=total_bytes`
  std::optional<CronBacklog> cron;             ///< `wp cron event list`
  std::optional<std::string> php_version;      ///< `wp cli info`: the PHP that runs WP-CLI
  std::optional<bool> opcache_cli;             ///< `php -r`: OPcache of PHP's CLI, not of PHP-FPM
  std::vector<std::string> notes;              ///< queries that failed or answered out of shape
  std::vector<Finding> findings;
};

/// Whether `env` of a site of `cms` gets the checks: WordPress with a shell (ssh or local).
bool wordpress_checked(inventory::Cms cms, const inventory::Environment& env);

/// The five queries, in this order: cache type, autoload total, cron events, cli info, OPcache.
std::vector<transport::Command> wordpress_commands(const inventory::Environment& env);

/// One line of letters, digits, space, `.`, `_`, `-` (at most 40): `Default`, `Redis`, `Memcached`.
core::Result<std::string> parse_cache_type(std::string_view output);
/// Digits only (at most 15), one line.
core::Result<std::uint64_t> parse_total_bytes(std::string_view output);
/// A JSON array of objects whose `next_run_gmt` is `YYYY-MM-DD HH:MM:SS` (UTC); an event is overdue
/// when that is more than `age` before `now`.
core::Result<CronBacklog> parse_cron_events(std::string_view output, core::SysSeconds now, core::Seconds age);
/// Exactly `on` or `off`.
core::Result<bool> parse_opcache(std::string_view output);

/// The facts from the batch's results (one per command of wordpress_commands, in order), then
/// their findings.
WordPressFacts read_wordpress_facts(const std::vector<transport::CommandResult>& results, core::SysSeconds now,
                                    const inventory::PerfPolicy& policy);

/// `autoload-size`, `cron-overdue`, `no-object-cache` (when `policy.object_cache`).
std::vector<Finding> evaluate_wordpress(const WordPressFacts& facts, const inventory::PerfPolicy& policy);

/// Run the queries through `shell` in one session and read them.
WordPressFacts check_wordpress(transport::Transport& shell, const inventory::Environment& env,
                               const inventory::PerfPolicy& policy, core::SysSeconds now);

} // namespace tma::perf
