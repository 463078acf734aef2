#include <tma/cms/wordpress_actions.hpp>

#include <chrono>

#include <tma/cms/commands.hpp>

#include "cms/run_command.hpp"

namespace tma::cms {

std::vector<std::string> wp_install_argv(const inventory::Environment& env, cms::ComponentKind kind,
                                         const std::string& name, const std::string& version) {
  if (kind == cms::ComponentKind::core) {
    return wp_argv(env, {"core", "update", "--version=" + version, "--force"});
  }
  return wp_argv(env, {std::string(cms::to_string(kind)), "update", name, "--version=" + version});
}

WordPressActions::WordPressActions(transport::Transport& transport, inventory::Environment env)
    : m_transport(transport), m_env(std::move(env)) {}

core::Result<std::string> WordPressActions::wp(std::vector<std::string> argv, const std::string& what) {
  return run_env_command(m_transport, m_env, std::move(argv), what);
}

core::Result<void> WordPressActions::install(cms::ComponentKind kind, const std::string& name,
                                             const std::string& version) {
  if (kind == cms::ComponentKind::package) {
    return core::fail(core::ErrorKind::usage, "WordPress sites have no composer packages to update (" +
                                                  name + ")");
  }
  // WP-CLI reads `--` as a slug, so it cannot end the options: the shapes are what keeps a name
  // from the server (`--exec=<php>`) from becoming one.
  if (auto refused = refused_name(kind, name, version)) return tl::unexpected(*refused);
  auto what = "wp " + std::string(cms::to_string(kind)) + " update " +
              (kind == cms::ComponentKind::core ? std::string() : name + " ") + "--version=" + version;
  auto done = wp(wp_install_argv(m_env, kind, name, version), what);
  if (!done) {
    return tl::unexpected(done.error());
  }
  // WordPress' upgrader removes .maintenance when it finishes; put back what tma asked for.
  if (m_maintenance) {
    return wp(wp_argv(m_env, {"maintenance-mode", "activate", "--force"}), "wp maintenance-mode activate")
        .map([](auto&&) {});
  }
  return {};
}

core::Result<void> WordPressActions::set_maintenance(bool on) {
  m_maintenance = on;
  transport::Command command;
  command.argv = wp_argv(m_env, {"maintenance-mode", on ? "activate" : "deactivate"});
  command.timeout = std::chrono::duration_cast<transport::Milliseconds>(m_env.command_timeout);
  auto result = m_transport.run(command);
  auto already = std::string("Maintenance mode already ") + (on ? "activated" : "deactivated");
  if (result.outcome == transport::Outcome::completed && result.exit_code != 0 &&
      result.err.find(already) != std::string::npos) {
    return {};
  }
  if (auto error = result.error(std::string("wp maintenance-mode ") + (on ? "activate" : "deactivate"))) {
    return tl::unexpected(*error);
  }
  return {};
}

core::Result<void> WordPressActions::database_updates() {
  return wp(wp_argv(m_env, {"core", "update-db"}), "wp core update-db").map([](auto&&) {});
}

} // namespace tma::cms
