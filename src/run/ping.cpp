#include <tma/run/ping.hpp>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/units.hpp>

namespace tma::run {
namespace {

using nlohmann::json;

// Worse statuses win when the SSH and HTTP halves disagree.
int rank(Status s) {
  switch (s) {
  case Status::ok: return 0;
  case Status::findings: return 1;
  case Status::failed: return 2;
  case Status::unreachable: return 3;
  case Status::skipped: return 4;
  }
  return 2;
}

void worsen(SiteResult& result, Status status, std::optional<core::Error> error = std::nullopt) {
  if (rank(status) > rank(result.status)) {
    result.status = status;
    if (error) result.error = std::move(error);
  } else if (error && !result.error) {
    result.error = std::move(error);
  }
}

std::string first_line(std::string_view text, std::size_t& pos) {
  auto nl = text.find('\n', pos);
  auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
  pos = nl == std::string_view::npos ? text.size() : nl + 1;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return std::string(line);
}

json ping_shell(const inventory::Environment& env, const TransportFactory& transports, const PingOptions& options,
                SiteResult& result) {
  auto transport = transports(env);
  if (!transport) {
    worsen(result, status_for(transport.error()), transport.error());
    return json{{"ok", false}, {"error", transport.error().message}};
  }
  transport::Command command;
  command.argv = ping_probe_argv(env.binary("php"));
  command.timeout = options.command_timeout;
  command.capture_limit = 64 * 1024;
  auto r = (*transport)->run(command);
  json shell{{"transport", (*transport)->describe()}, {"time_ms", r.elapsed.count()}};
  if (auto error = r.error("ping probe")) {
    shell["ok"] = false;
    shell["error"] = error->message;
    if (r.outcome == transport::Outcome::host_key_changed) shell["host_key_changed"] = true;
    worsen(result, status_for(*error), error);
    return shell;
  }
  std::size_t pos = 0;
  auto system = first_line(r.out, pos);
  auto php = first_line(r.out, pos);
  shell["ok"] = true;
  shell["system"] = system;
  shell["php"] = php.empty() ? json(nullptr) : json(php);
  return shell;
}

json ping_http(const inventory::Site& site, const inventory::Environment& env, transport::HttpClient& http,
               const PingOptions& options, SiteResult& result, json& warnings) {
  auto request = transport::request_for(env.http, env.url);
  auto r = http.send(request);
  json out{{"url", transport::url_for_display(env.url)}};
  if (!r) {
    out["ok"] = false;
    out["error"] = r.error().message;
    worsen(result, status_for(r.error()), r.error());
    return out;
  }
  for (const auto& w : r->warnings) warnings.push_back(w);
  out["status"] = r->status;
  out["time_ms"] = r->timings.total.count();
  out["attempts"] = r->attempts;
  out["timings_ms"] = {{"dns", r->timings.dns.count()},
                       {"connect", r->timings.connect.count()},
                       {"tls", r->timings.tls.count()},
                       {"first_byte", r->timings.first_byte.count()},
                       {"total", r->timings.total.count()}};
  auto days = r->tls_days_left(options.now);
  out["tls_days_left"] = days ? json(*days) : json(nullptr);
  out["tls_issuer"] = r->certificate ? json(r->certificate->issuer) : json(nullptr);
  out["ok"] = r->status < 400;
  if (r->status >= 400) {
    worsen(result, Status::failed,
           core::Error{core::ErrorKind::http, fmt::format("GET {}: HTTP {}", transport::url_for_display(env.url), r->status)});
  }
  if (days && *days * 86400 < site.health.tls_warn.count()) {
    auto message = fmt::format("TLS certificate expires in {} day{}", *days, *days == 1 ? "" : "s");
    warnings.push_back(message);
    worsen(result, Status::findings);
  }
  return out;
}

std::string short_ms(long long ms) { return core::format_elapsed(std::chrono::milliseconds(ms)); }

} // namespace

std::vector<std::string> ping_probe_argv(const std::string& php_binary) {
  // One round trip: proves a command runs, then says what the server is. The php binary is a
  // positional parameter, never part of the script text.
  return {"sh", "-c",
          "uname -sr; if command -v \"$1\" >/dev/null 2>&1; then \"$1\" -r 'echo PHP_VERSION, \"\\n\";' "
          "2>/dev/null || echo; else echo; fi",
          "tma-ping", php_binary};
}

SiteResult ping_target(const inventory::Site& site, const inventory::Environment& env,
                       const TransportFactory& transports, transport::HttpClient& http, const PingOptions& options) {
  SiteResult result;
  json warnings = json::array();
  json shell = nullptr;
  json web = nullptr;
  if (env.local || env.ssh) shell = ping_shell(env, transports, options, result);
  if (options.php_note && shell.is_object() && shell.contains("php") && shell["php"].is_string()) {
    if (auto note = options.php_note(shell["php"].get<std::string>()); !note.empty()) warnings.push_back(note);
  }
  if (!env.url.empty()) web = ping_http(site, env, http, options, result, warnings);
  result.data = json{{"ssh", shell}, {"http", web}, {"warnings", warnings}};
  return result;
}

std::vector<Job> ping_jobs(const std::vector<inventory::Target>& targets, const TransportFactory& transports,
                           transport::HttpClient& http, const PingOptions& options) {
  std::vector<Job> jobs;
  for (const auto& t : targets) {
    Job job;
    job.site = t.site->name;
    job.env = t.env->name;
    job.host = host_key(*t.env);
    job.work = [site = t.site, env = t.env, &transports, &http, options] {
      return ping_target(*site, *env, transports, http, options);
    };
    jobs.push_back(std::move(job));
  }
  return jobs;
}

report::Table ping_table(const std::vector<SiteResult>& results) {
  using report::Style;
  report::Table table({"SITE", "ENV", "SSH", "SYSTEM", "PHP", "HTTP", "TIME", "TLS", "STATUS", "NOTE"});
  for (const auto& r : results) {
    const auto& shell = r.data.contains("ssh") ? r.data["ssh"] : json(nullptr);
    const auto& web = r.data.contains("http") ? r.data["http"] : json(nullptr);
    report::Cell ssh_cell("-", Style::dim);
    std::string system = "-", php = "-";
    if (shell.is_object()) {
      if (shell.value("ok", false)) {
        ssh_cell = report::Cell(short_ms(shell.value("time_ms", 0LL)), Style::good);
        system = shell.value("system", "");
        php = shell["php"].is_string() ? shell["php"].get<std::string>() : "-";
      } else {
        ssh_cell = report::Cell(shell.value("host_key_changed", false) ? "HOST KEY" : "error", Style::bad);
      }
    }
    report::Cell http_cell("-", Style::dim);
    std::string time = "-", tls = "-";
    if (web.is_object()) {
      if (web.contains("status")) {
        long status = web["status"].get<long>();
        http_cell = report::Cell(std::to_string(status), status < 400 ? Style::good : Style::bad);
        time = short_ms(web.value("time_ms", 0LL));
        if (web["tls_days_left"].is_number()) tls = fmt::format("{}d", web["tls_days_left"].get<long>());
      } else {
        http_cell = report::Cell("error", Style::bad);
      }
    }
    auto style = r.status == Status::ok         ? Style::good
                 : r.status == Status::findings ? Style::warn
                                                : Style::bad;
    std::string note = r.error ? r.error->message : std::string();
    if (r.data.contains("warnings")) {
      for (const auto& w : r.data["warnings"]) note += (note.empty() ? "" : "; ") + w.get<std::string>();
    }
    table.add_row({r.site, r.env, ssh_cell, system, php, http_cell, time, tls,
                   report::Cell(std::string(to_string(r.status)), style), note});
  }
  return table;
}

nlohmann::json ping_json(const std::vector<SiteResult>& results, const Summary& summary) {
  json list = json::array();
  for (const auto& r : results) {
    json entry{{"site", r.site},
               {"env", r.env},
               {"status", to_string(r.status)},
               {"elapsed_ms", r.elapsed.count()},
               {"error", r.error ? json{{"kind", core::to_string(r.error->kind)}, {"message", r.error->message}}
                                 : json(nullptr)}};
    for (const auto& [key, value] : r.data.items()) entry[key] = value;
    list.push_back(std::move(entry));
  }
  return json{{"command", "ping"}, {"results", list}, {"summary", summary.to_json()}};
}

} // namespace tma::run
