#include <tma/cms/drupal_actions.hpp>

#include <tma/cms/commands.hpp>
#include <tma/core/text.hpp>

#include <nlohmann/json.hpp>

#include "cms/run_command.hpp"

namespace tma::cms {

core::Result<std::string> core_package_from_composer_json(const std::string& composer_json) {
  auto doc = nlohmann::json::parse(composer_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::fail(core::ErrorKind::cms, "composer.json is not a JSON object");
  }
  auto require = doc.find("require");
  if (require == doc.end() || !require->is_object()) {
    return core::fail(core::ErrorKind::cms, "composer.json has no \"require\" object");
  }
  // core-recommended pins core's dependencies too: requiring it is how drupal.org says to update.
  for (const char* name : {"drupal/core-recommended", "drupal/core", "drupal/core-minimal"}) {
    if (require->contains(name)) {
      return std::string(name);
    }
  }
  return core::fail(core::ErrorKind::cms,
                    "composer.json requires none of drupal/core-recommended, drupal/core, drupal/core-minimal");
}

DrupalActions::DrupalActions(transport::Transport& transport, inventory::Environment env, inventory::Cms cms)
    : m_transport(transport), m_env(std::move(env)), m_cms(cms) {}

core::Result<std::string> DrupalActions::run(std::vector<std::string> argv, const std::string& what) {
  return run_env_command(m_transport, m_env, std::move(argv), what);
}

core::Result<void> DrupalActions::install(cms::ComponentKind kind, const std::string& name,
                                          const std::string& version) {
  std::string package = name;
  if (kind == cms::ComponentKind::core) {
    auto text = run(cms::composer_json_argv(), "cat composer.json");
    if (!text) {
      return tl::unexpected(text.error());
    }
    auto core_package = core_package_from_composer_json(*text);
    if (!core_package) {
      return core::fail(core_package.error().kind, m_env.path + "/" + core_package.error().message);
    }
    package = *core_package;
  } else if (kind != cms::ComponentKind::package) {
    return core::fail(core::ErrorKind::usage, std::string(inventory::to_string(m_cms)) + " sites have no " +
                                                  std::string(cms::to_string(kind)) + "s to update (" + name +
                                                  "); components are composer packages");
  }
  if (auto refused = refused_name(cms::ComponentKind::package, package, version)) return tl::unexpected(*refused);
  auto argv = cms::composer_require_argv(m_env, package, version);
  auto what = "composer require " + package + ":" + version;
  return run(std::move(argv), what).map([](auto&&) {});
}

core::Result<void> DrupalActions::set_maintenance(bool on) {
  if (!has_maintenance()) {
    return {};
  }
  auto argv = cms::drush_maintenance_set_argv(m_env, on);
  auto what = core::join(std::vector<std::string>(argv.begin(), argv.begin() + 4), " ");
  if (auto r = run(std::move(argv), what); !r) {
    return tl::unexpected(r.error());
  }
  return run(cms::drush_cache_rebuild_argv(m_env), "drush cache:rebuild").map([](auto&&) {});
}

core::Result<void> DrupalActions::database_updates() {
  if (m_cms != inventory::Cms::drupal) {
    return {};
  }
  if (auto r = run(cms::drush_updatedb_argv(m_env), "drush updatedb -y"); !r) {
    return tl::unexpected(r.error());
  }
  return run(cms::drush_cache_rebuild_argv(m_env), "drush cache:rebuild").map([](auto&&) {});
}

core::Result<std::optional<bool>> DrupalActions::maintenance_active() {
  if (!has_maintenance()) {
    return std::optional<bool>{};
  }
  auto out = run(cms::drush_maintenance_get_argv(m_env), "drush state:get system.maintenance_mode");
  if (!out) {
    return tl::unexpected(out.error());
  }
  auto text = *out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty() || text == "0" || text == "false") {
    return std::optional<bool>{false};
  }
  if (text == "1" || text == "true") {
    return std::optional<bool>{true};
  }
  return core::fail(core::ErrorKind::cms, "drush state:get system.maintenance_mode printed '" + text + "'");
}

} // namespace tma::cms
