#pragma once
// The real CmsActions for WordPress: WP-CLI over the environment's transport, always with an exact
// version (`wp plugin update <slug> --version=V`, `wp theme update <slug> --version=V`,
// `wp core update --version=V --force`, `wp core update-db`, `wp maintenance-mode activate|deactivate`).

#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>
#include <tma/cms/actions.hpp>

namespace tma::cms {

/// The argv of one exact-version install (`--force` on core so that a revert may downgrade; plugin
/// and theme `--version` installs whatever version is asked). `path` is the site root.
std::vector<std::string> wp_install_argv(const inventory::Environment& env, cms::ComponentKind kind,
                                         const std::string& name, const std::string& version);

class WordPressActions final : public CmsActions {
public:
  /// `transport` runs commands in `env` and must outlive this object.
  WordPressActions(transport::Transport& transport, inventory::Environment env);

  core::Result<void> install(cms::ComponentKind kind, const std::string& name,
                             const std::string& version) override;
  /// Idempotent: "already activated/deactivated" from WP-CLI is success.
  core::Result<void> set_maintenance(bool on) override;
  core::Result<void> database_updates() override;

private:
  core::Result<std::string> wp(std::vector<std::string> args, const std::string& what);

  transport::Transport& m_transport;
  inventory::Environment m_env;
  bool m_maintenance = false; ///< what tma asked for last: re-asserted after each install
};

} // namespace tma::cms
