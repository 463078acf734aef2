// The WordPress checks of `tma perf`: the commands, their allow-listed parsers and the findings.
#include <tma/perf/wordpress.hpp>

#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/cms/commands.hpp>
#include <tma/cms/platform.hpp>
#include <tma/cms/wpcli.hpp>
#include <tma/core/text.hpp>
#include <tma/core/units.hpp>

namespace tma::perf {
namespace {

// Prints only `on` or `off`: nothing of the server's configuration beyond that reaches tma.
constexpr const char* k_opcache_code =
    "echo function_exists(\"opcache_get_status\") && ($s = @opcache_get_status(false)) && !empty($s[\"opcache_enabled\"]) "
    "? \"on\" : \"off\";";

// What each command is called in notes (never with the server's output beyond an allow-listed excerpt).
constexpr const char* k_names[] = {"wp cache type", "wp option list --autoload=on --format=total_bytes",
                                   "wp cron event list", "wp cli info", "php -r (OPcache)"};

core::Error shape_error(const char* what) { return core::Error{core::ErrorKind::cms, fmt::format("answer not of the expected shape ({})", what)}; }

// `YYYY-MM-DD HH:MM:SS` exactly, as WP-CLI prints next_run_gmt.
std::optional<core::SysSeconds> gmt_time(const std::string& text) {
  if (text.size() != 19 || text[10] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool digit_place = i != 4 && i != 7 && i != 10 && i != 13 && i != 16;
    if (digit_place && std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
  }
  auto rfc = text;
  rfc[10] = 'T';
  auto parsed = core::parse_rfc3339(rfc + "Z");
  if (!parsed) return std::nullopt;
  return *parsed;
}

} // namespace

bool wordpress_checked(inventory::Cms cms, const inventory::Environment& env) {
  return cms == inventory::Cms::wordpress && (env.local || env.ssh.has_value());
}

std::vector<transport::Command> wordpress_commands(const inventory::Environment& env) {
  cms::WpFlags flags{.skip_plugins_themes = true};
  std::vector<std::vector<std::string>> argvs{
      cms::wp_argv(env, {"cache", "type"}, flags),
      cms::wp_argv(env, {"option", "list", "--autoload=on", "--format=total_bytes"}, flags),
      cms::wp_argv(env, {"cron", "event", "list", "--fields=hook,next_run_gmt", "--format=json"}, flags),
      cms::wp_argv(env, {"cli", "info"}, flags),
      {env.binary("php"), "-r", k_opcache_code}};
  std::vector<transport::Command> commands;
  for (auto& argv : argvs) {
    transport::Command command;
    command.argv = std::move(argv);
    command.cwd = env.path;
    command.timeout = std::chrono::duration_cast<transport::Milliseconds>(env.command_timeout);
    command.capture_limit = 1 << 20;
    commands.push_back(std::move(command));
  }
  return commands;
}

core::Result<std::string> parse_cache_type(std::string_view output) {
  auto line = core::trim(output);
  bool shaped = !line.empty() && line.size() <= 40;
  for (unsigned char c : line) {
    if (std::isalnum(c) == 0 && c != ' ' && c != '.' && c != '_' && c != '-') shaped = false;
  }
  if (!shaped) return tl::unexpected(shape_error("one word such as Default or Redis"));
  return std::string(line);
}

core::Result<std::uint64_t> parse_total_bytes(std::string_view output) {
  auto line = core::trim(output);
  if (line.empty() || line.size() > 15) return tl::unexpected(shape_error("a byte count"));
  std::uint64_t value = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return tl::unexpected(shape_error("a byte count"));
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

core::Result<CronBacklog> parse_cron_events(std::string_view output, core::SysSeconds now, core::Seconds age) {
  auto events = nlohmann::json::parse(output, nullptr, false);
  if (!events.is_array()) return tl::unexpected(shape_error("a JSON array of events"));
  CronBacklog backlog;
  for (const auto& event : events) {
    if (!event.is_object() || !event.contains("next_run_gmt") || !event.at("next_run_gmt").is_string()) {
      return tl::unexpected(shape_error("events with next_run_gmt"));
    }
    auto when = gmt_time(event.at("next_run_gmt").get<std::string>());
    if (!when) return tl::unexpected(shape_error("next_run_gmt as YYYY-MM-DD HH:MM:SS"));
    ++backlog.events;
    auto late = now - *when;
    if (late > age) {
      ++backlog.overdue;
      backlog.oldest_overdue_s = std::max<std::int64_t>(backlog.oldest_overdue_s, late.count());
    }
  }
  return backlog;
}

core::Result<bool> parse_opcache(std::string_view output) {
  auto line = core::trim(output);
  if (line == "on") return true;
  if (line == "off") return false;
  return tl::unexpected(shape_error("on or off"));
}

WordPressFacts read_wordpress_facts(const std::vector<transport::CommandResult>& results, core::SysSeconds now,
                                    const inventory::PerfPolicy& policy) {
  WordPressFacts facts;
  constexpr std::size_t k_count = std::size(k_names);
  // The session itself failed (unreachable, timed out...): one note, not one per query.
  bool session_failed = !results.empty();
  for (const auto& r : results) session_failed = session_failed && r.outcome != transport::Outcome::completed;
  if (session_failed && results.size() == k_count && results[0].outcome == results[k_count - 1].outcome) {
    facts.notes.push_back(results[0].error("the WordPress checks")->message);
    return facts;
  }
  for (std::size_t i = 0; i < k_count; ++i) {
    if (i >= results.size()) {
      facts.notes.push_back(fmt::format("`{}`: no answer", k_names[i]));
      continue;
    }
    const auto& r = results[i];
    if (auto error = r.error(k_names[i])) {
      facts.notes.push_back(error->message);
      continue;
    }
    std::optional<core::Error> problem;
    switch (i) {
    case 0:
      if (auto v = parse_cache_type(r.out)) facts.object_cache = *v; else problem = v.error();
      break;
    case 1:
      if (auto v = parse_total_bytes(r.out)) facts.autoload_bytes = *v; else problem = v.error();
      break;
    case 2:
      if (auto v = parse_cron_events(r.out, now, policy.cron_overdue_age)) facts.cron = *v; else problem = v.error();
      break;
    case 3: {
      auto info = cms::wpcli::parse_cli_info(r.out);
      auto php = info ? cms::parse_php_version(info->php_version) : tl::unexpected(info.error());
      if (php) facts.php_version = php->version; else problem = php.error();
      break;
    }
    default:
      if (auto v = parse_opcache(r.out)) facts.opcache_cli = *v; else problem = v.error();
      break;
    }
    if (problem) facts.notes.push_back(fmt::format("`{}`: {}", k_names[i], problem->message));
  }
  facts.findings = evaluate_wordpress(facts, policy);
  return facts;
}

std::vector<Finding> evaluate_wordpress(const WordPressFacts& facts, const inventory::PerfPolicy& policy) {
  std::vector<Finding> out;
  if (facts.autoload_bytes && *facts.autoload_bytes > policy.autoload_size) {
    out.push_back({"autoload-size",
                   fmt::format("autoloaded options weigh {} (threshold {}), loaded on every request",
                               core::format_size(*facts.autoload_bytes), core::format_size(policy.autoload_size)),
                   {},
                   1});
  }
  if (facts.cron && facts.cron->overdue > 0 && facts.cron->overdue >= static_cast<std::size_t>(policy.cron_overdue)) {
    out.push_back({"cron-overdue",
                   fmt::format("{} of {} cron event(s) overdue by more than {}, the oldest by {}", facts.cron->overdue,
                               facts.cron->events, core::format_duration(policy.cron_overdue_age),
                               core::format_duration(core::Seconds(facts.cron->oldest_overdue_s))),
                   {},
                   facts.cron->overdue});
  }
  if (policy.object_cache && facts.object_cache && *facts.object_cache == "Default") {
    out.push_back({"no-object-cache", "no persistent object cache (wp cache type: Default)", {}, 1});
  }
  return out;
}

WordPressFacts check_wordpress(transport::Transport& shell, const inventory::Environment& env,
                               const inventory::PerfPolicy& policy, core::SysSeconds now) {
  return read_wordpress_facts(shell.run_batch(wordpress_commands(env)), now, policy);
}

} // namespace tma::perf
