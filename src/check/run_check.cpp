// One target's `tma check`: run the CMS queries through the transport (or fingerprint over HTTP),
// parse them, and compute findings. Every failure becomes SiteCheck::error so other sites carry on.
#include <tma/check/run_check.hpp>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include <tma/check/eol.hpp>
#include <tma/check/evaluate.hpp>
#include <tma/check/plugin_directory.hpp>
#include <tma/check/release_age.hpp>
#include <tma/cms/commands.hpp>
#include <tma/cms/drupal.hpp>
#include <tma/cms/names.hpp>
#include <tma/cms/platform.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/cms/wpcli.hpp>
#include <tma/core/redact.hpp>
#include "check/anticipate.hpp"
#include "check/fetch.hpp"
#include <tma/transport/secret.hpp>

namespace tma::check {
namespace {

using detail::base_url;
using detail::cached_get;
using detail::url_encode;
using version::Scheme;

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

// One tool command's output when its exit code is in ok_exit_codes, else the error naming it.
core::Result<std::string> tool_output(const cms::ToolCommand& tool, transport::CommandResult result) {
  auto what = command_text(tool.argv);
  if (result.outcome != transport::Outcome::completed) {
    return tl::unexpected(*result.error(what));
  }
  for (int code : tool.ok_exit_codes) {
    if (result.exit_code == code) return std::move(result.out);
  }
  auto detail = result.err.empty() ? std::string() : ": " + core::redact(std::string(result.err.substr(0, 300)));
  return core::fail(core::ErrorKind::remote, fmt::format("`{}` exited with {}{}", what, result.exit_code, detail));
}

// Every query of a site in one session (one login shell on the server), each judged on its own.
std::vector<core::Result<std::string>> run_tools(transport::Transport& shell, const std::vector<cms::ToolCommand>& tools,
                                                 const inventory::Environment& env) {
  std::vector<transport::Command> commands;
  for (const auto& tool : tools) {
    transport::Command command;
    command.argv = tool.argv;
    command.cwd = tool.cwd;
    command.timeout = std::chrono::duration_cast<transport::Milliseconds>(env.command_timeout);
    commands.push_back(std::move(command));
  }
  auto results = shell.run_batch(commands);
  std::vector<core::Result<std::string>> outputs;
  for (std::size_t i = 0; i < tools.size(); ++i) outputs.push_back(tool_output(tools[i], std::move(results[i])));
  return outputs;
}

// Parser errors name the command whose output could not be read.
template <class T>
core::Result<T> parsed(core::Result<T> value, const cms::ToolCommand& tool) {
  if (!value) {
    return tl::unexpected(core::with_context(core::Error{core::ErrorKind::cms, value.error().message},
                                             "output of `" + command_text(tool.argv) + "`"));
  }
  return value;
}

// The outputs of one session: the CMS queries first, then the platform queries (when asked).
struct Session {
  std::vector<cms::ToolCommand> tools;
  std::vector<core::Result<std::string>> outputs;
};

bool is_platform_query(cms::Query query) {
  return query == cms::Query::wp_cli_info || query == cms::Query::db_server_version || query == cms::Query::php_version ||
         query == cms::Query::os_release;
}

core::Result<std::vector<cms::Component>> wordpress_components(Session& session) {
  std::string core_version;
  std::vector<cms::wpcli::CoreOffer> offers;
  std::vector<cms::Component> plugins, themes;
  auto& tools = session.tools;
  auto& outputs = session.outputs;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto& tool = tools[i];
    auto& out = outputs[i];
    if (is_platform_query(tool.query)) continue;
    if (!out) return tl::unexpected(out.error());
    switch (tool.query) {
      case cms::Query::wp_core_version: {
        auto v = parsed(cms::wpcli::parse_core_version(*out), tool);
        if (!v) return tl::unexpected(v.error());
        core_version = *v;
        break;
      }
      case cms::Query::wp_core_check_update: {
        auto v = parsed(cms::wpcli::parse_core_check_update(*out), tool);
        if (!v) return tl::unexpected(v.error());
        offers = *v;
        break;
      }
      case cms::Query::wp_plugin_list: {
        auto v = parsed(cms::wpcli::parse_plugin_list(*out), tool);
        if (!v) return tl::unexpected(v.error());
        plugins = *v;
        break;
      }
      case cms::Query::wp_theme_list: {
        auto v = parsed(cms::wpcli::parse_theme_list(*out), tool);
        if (!v) return tl::unexpected(v.error());
        themes = *v;
        break;
      }
      default:
        break;
    }
  }
  std::vector<cms::Component> components{cms::wpcli::core_component(core_version, offers)};
  components.insert(components.end(), plugins.begin(), plugins.end());
  components.insert(components.end(), themes.begin(), themes.end());
  return components;
}

struct ComposerSide {
  std::vector<cms::Component> components;
  std::string php_version; ///< from `drush status`
  std::optional<cms::composer::Audit> audit;
};

core::Result<ComposerSide> composer_components(Session& session) {
  ComposerSide side;
  auto& tools = session.tools;
  auto& outputs = session.outputs;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto& tool = tools[i];
    auto& out = outputs[i];
    if (is_platform_query(tool.query)) continue;
    if (!out) return tl::unexpected(out.error());
    switch (tool.query) {
      case cms::Query::drush_status: {
        auto v = parsed(cms::drush::parse_status(*out), tool);
        if (!v) return tl::unexpected(v.error());
        side.components.insert(side.components.begin(), cms::drush::core_component(*v));
        side.php_version = v->php_version;
        break;
      }
      case cms::Query::composer_outdated: {
        auto v = parsed(cms::composer::parse_outdated(*out), tool);
        if (!v) return tl::unexpected(v.error());
        side.components.insert(side.components.end(), v->begin(), v->end());
        break;
      }
      case cms::Query::composer_audit: {
        auto v = parsed(cms::composer::parse_audit(*out), tool);
        if (!v) return tl::unexpected(v.error());
        side.audit = *v;
        break;
      }
      default:
        break;
    }
  }
  if (side.audit) {
    auto extra = audit_only_components(*side.audit, side.components);
    side.components.insert(side.components.end(), extra.begin(), extra.end());
  }
  return side;
}

// One session for the CMS queries and, when end-of-life data is loaded, the platform queries.
Session run_session(transport::Transport& shell, std::vector<cms::ToolCommand> tools, const inventory::Site& site,
                    const inventory::Environment& env, bool with_platform) {
  Session session;
  session.tools = std::move(tools);
  if (with_platform) {
    auto platform = cms::platform_commands(site.cms, env);
    session.tools.insert(session.tools.end(), platform.begin(), platform.end());
  }
  session.outputs = run_tools(shell, session.tools, env);
  return session;
}

std::string_view platform_subject(cms::Query query) {
  switch (query) {
  case cms::Query::wp_cli_info:
  case cms::Query::php_version: return "PHP version";
  case cms::Query::db_server_version: return "database server version";
  case cms::Query::os_release: return "operating system";
  default: return "platform";
  }
}

// The platform answers of a session; a query that failed leaves a note and the others count.
void read_platform(SiteCheck& check, const Session& session) {
  for (std::size_t i = 0; i < session.tools.size(); ++i) {
    const auto& tool = session.tools[i];
    if (!is_platform_query(tool.query)) continue;
    const auto& out = session.outputs[i];
    core::Result<cms::PlatformVersion> piece;
    if (!out) {
      piece = tl::unexpected(out.error());
    } else {
      switch (tool.query) {
      case cms::Query::wp_cli_info: {
        auto info = cms::wpcli::parse_cli_info(*out);
        piece = info ? cms::parse_php_version(info->php_version) : tl::unexpected(info.error());
        break;
      }
      case cms::Query::db_server_version: piece = cms::parse_db_version(*out); break;
      case cms::Query::php_version: piece = cms::parse_php_version(*out); break;
      case cms::Query::os_release: piece = cms::parse_os_release(*out); break;
      default: continue;
      }
    }
    if (piece) {
      check.platform.push_back(std::move(*piece));
    } else {
      check.platform_notes.push_back(fmt::format("{} unknown: {}", platform_subject(tool.query), piece.error().message));
    }
  }
}

// WordPress seen from outside: page, feed and readme fingerprints, then WordPress.org's answers.
core::Result<std::vector<cms::Component>> wordpress_http_components(const inventory::Site& site,
                                                                    const inventory::Environment& env,
                                                                    const CheckInputs& inputs) {
  namespace wh = cms::wordpress_http;
  auto& http = *inputs.http;
  auto root = base_url(env.url);
  auto page = http.send(transport::request_for(env.http, root + "/"));
  if (!page) return tl::unexpected(page.error());
  if (page->status >= 400) {
    return core::fail(core::ErrorKind::http, fmt::format("HTTP {} from {}/", page->status, transport::url_for_display(root)));
  }
  auto evidence = wh::core_evidence_from_page(page->body);
  if (auto feed = http.send(transport::request_for(env.http, root + "/feed/")); feed && feed->status == 200) {
    if (auto e = wh::core_evidence_from_feed(feed->body)) evidence.push_back(*e);
  }
  if (auto readme = http.send(transport::request_for(env.http, root + "/readme.html")); readme && readme->status == 200) {
    if (auto e = wh::core_evidence_from_readme_html(readme->body)) evidence.push_back(*e);
  }
  std::vector<cms::Component> components{wh::core_from_evidence(evidence)};
  auto api = base_url(inputs.wordpress_api);
  inventory::HttpSettings api_settings; // the API's own defaults, not the site's TLS exceptions
  auto& core = components.front();
  if (!core.installed.empty()) {
    auto body = cached_get(http, inputs.cache, api + "/core/version-check/1.7/?version=" + url_encode(core.installed),
                           api_settings);
    if (body) {
      if (auto check = wh::parse_core_version_check(*body)) wh::apply_latest(core, check->latest);
    }
  }
  auto slugs = wh::plugin_slugs_in_page(page->body);
  slugs.insert(slugs.end(), site.plugins.begin(), site.plugins.end());
  std::sort(slugs.begin(), slugs.end());
  slugs.erase(std::unique(slugs.begin(), slugs.end()), slugs.end());
  for (const auto& slug : slugs) {
    auto readme = http.send(transport::request_for(env.http, root + "/wp-content/plugins/" + url_encode(slug) + "/readme.txt"));
    if (!readme || readme->status != 200) continue; // not exposed: nothing to fingerprint
    auto parsed_readme = wh::parse_readme_txt(readme->body);
    if (!parsed_readme) continue;
    auto component = wh::plugin_from_readme(slug, *parsed_readme);
    auto body = cached_get(http, inputs.cache,
                           api + "/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=" + url_encode(slug),
                           api_settings);
    std::string latest;
    std::optional<std::chrono::sys_seconds> released; // `last_updated`: the date of `latest` alone
    if (body) {
      if (auto info = wh::parse_plugin_info(*body); info && info->state == wh::PluginInfo::State::listed) {
        latest = info->version;
        released = info->released;
      }
    } else if (body.error().message.find("HTTP 404") == std::string::npos) {
      component.note = "WordPress.org API unavailable";
      components.push_back(std::move(component));
      continue;
    }
    wh::apply_latest(component, latest);
    if (released && !latest.empty()) component.released.emplace(latest, *released);
    components.push_back(std::move(component));
  }
  return components;
}

} // namespace

// The CMS side of a check: components, version and security findings, end of life, the directories.
static SiteCheck check_site(const inventory::Site& site, const inventory::Environment& env, const CheckInputs& inputs) {
  SiteCheck check;
  check.site = site.name;
  check.env = env.name;
  check.cms = std::string(inventory::to_string(site.cms));
  check.url = env.url;
  auto context = fmt::format("site {}: {}", site.name, env.name);
  auto failed = [&](core::Error error) {
    // Kinds are kept: transport unreachable/timeout (status unreachable), remote (a command failed),
    // cms (parser), http, config; site_status() derives the status from them.
    check.error = core::with_context(std::move(error), context);
    return check;
  };
  if (site.cms == inventory::Cms::static_site) {
    return check; // nothing to check: health only
  }
  bool shell = env.local || env.ssh.has_value();
  bool hold = site.updates.min_release_age > core::Seconds{0}; // release dates wanted (check/release_age.hpp)
  if (site.cms == inventory::Cms::wordpress) {
    core::Result<std::vector<cms::Component>> components;
    if (shell) {
      auto transport = (*inputs.transports)(env);
      if (!transport) return failed(transport.error());
      auto session = run_session(**transport, cms::wordpress_check_commands(env), site, env, inputs.eol != nullptr);
      components = wordpress_components(session);
      if (components) read_platform(check, session);
    } else {
      if (inputs.http == nullptr) return failed(core::Error{core::ErrorKind::internal, "no HTTP client"});
      components = wordpress_http_components(site, env, inputs);
    }
    if (!components) return failed(components.error());
    check.components = std::move(*components);
    cms::refuse_unexpected_names(check.components);
    SecuritySources sources;
    if (inputs.wordfence != nullptr) {
      sources.wordfence = inputs.wordfence;
      check.security_checked = true;
    } else {
      check.security_note = inputs.feed_note.empty() ? "vulnerability feed not configured" : inputs.feed_note;
    }
    check.findings = findings_for(site.name, env.name, Scheme::php, check.components, sources);
    detail::add_eol_findings(check, inputs);
    detail::add_plugin_directory_findings(check, inputs, hold);
    apply_release_age(check, site.updates.min_release_age, inputs.now, inputs.zone);
    return check;
  }
  if (!shell) {
    return failed(core::Error{core::ErrorKind::config,
                              fmt::format("{} sites are checked over SSH or locally; this environment has neither",
                                          inventory::to_string(site.cms))});
  }
  auto transport = (*inputs.transports)(env);
  if (!transport) return failed(transport.error());
  auto tools = site.cms == inventory::Cms::drupal ? cms::drupal_check_commands(env, false)
                                                  : cms::composer_check_commands(env);
  auto session = run_session(**transport, std::move(tools), site, env, inputs.eol != nullptr);
  auto side = composer_components(session);
  if (!side) return failed(side.error());
  check.components = std::move(side->components);
  if (!side->php_version.empty() && inputs.eol != nullptr) {
    auto php = cms::parse_php_version(side->php_version);
    if (php) check.platform.push_back(std::move(*php));
    else check.platform_notes.push_back("PHP version unknown: " + php.error().message);
  }
  read_platform(check, session);
  cms::refuse_unexpected_names(check.components);
  SecuritySources sources;
  if (side->audit) {
    sources.composer_audit = &*side->audit;
    check.security_checked = true;
  } else {
    check.security_note = "composer audit did not answer";
  }
  check.findings = findings_for(site.name, env.name, Scheme::composer, check.components, sources);
  detail::add_eol_findings(check, inputs);
  if (site.cms == inventory::Cms::drupal) detail::add_drupal_coverage_findings(check, inputs, hold);
  apply_release_age(check, site.updates.min_release_age, inputs.now, inputs.zone);
  return check;
}

SiteCheck run_check(const inventory::Site& site, const inventory::Environment& env, const CheckInputs& inputs) {
  auto check = check_site(site, env, inputs);
  // Asked even when the CMS could not be checked: a lapsing domain matters most when nobody looks.
  detail::add_domain_findings(check, site, env, inputs);
  return check;
}

Feed load_feed(const inventory::Sources& sources, transport::HttpClient& http, ResponseCache* cache) {
  Feed feed;
  if (!sources.vulnerabilities_url) {
    feed.status.state = FeedStatus::State::not_configured;
    feed.status.message = "sources.vulnerabilities.url is not set";
    return feed;
  }
  inventory::HttpSettings settings;
  settings.timeout = std::chrono::seconds(120); // the full feed is large
  auto request_url = *sources.vulnerabilities_url;
  auto key = transport::url_for_display(request_url);
  std::optional<ResponseCache::Entry> entry;
  if (cache != nullptr) entry = cache->get(key);
  std::string body;
  if (entry && entry->fresh) {
    body = entry->body;
  } else {
    auto request = transport::request_for(settings, request_url);
    request.max_bytes = 512 * 1024 * 1024;
    if (!sources.vulnerabilities_api_key.empty()) {
      auto key_value = transport::resolve_secret(sources.vulnerabilities_api_key, "sources.vulnerabilities.api_key");
      if (!key_value) {
        feed.status.state = FeedStatus::State::unavailable;
        feed.status.message = core::redact(key_value.error().message);
        return feed;
      }
      request.headers.emplace_back("Authorization", "Bearer " + *key_value);
    }
    auto response = http.send(request);
    if (response && response->status == 200) {
      body = std::move(response->body);
      if (cache != nullptr) (void)cache->put(key, body);
    } else if (entry) {
      body = entry->body; // stale beats nothing; the feed only grows
    } else {
      feed.status.state = FeedStatus::State::unavailable;
      feed.status.message = response ? fmt::format("HTTP {} from {}", response->status, key)
                                     : core::redact(response.error().message);
      return feed;
    }
  }
  auto db = VulnerabilityDb::parse_wordfence(body);
  if (!db) {
    feed.status.state = FeedStatus::State::unavailable;
    feed.status.message = "unreadable feed from " + key + ": " + db.error().message;
    return feed;
  }
  feed.db = std::move(*db);
  feed.status.state = FeedStatus::State::available;
  return feed;
}

Feed feed_for_run(bool needed, const inventory::Sources& sources, transport::HttpClient& http, ResponseCache* cache) {
  if (needed) return load_feed(sources, http, cache);
  Feed feed;
  feed.status.message = "no WordPress site selected";
  return feed;
}

std::string feed_note(const Feed& feed) {
  if (feed.db) return "";
  if (feed.status.state == FeedStatus::State::not_configured) return "vulnerability feed not configured";
  return "vulnerability feed unavailable: " + feed.status.message;
}

} // namespace tma::check

