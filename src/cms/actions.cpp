#include <tma/cms/actions.hpp>

#include <fmt/format.h>

#include <tma/cms/drupal_actions.hpp>
#include <tma/cms/wordpress_actions.hpp>

namespace tma::cms {

core::Result<std::unique_ptr<CmsActions>> make_actions(const inventory::Site& site, const inventory::Environment& env,
                                                       transport::Transport& transport) {
  switch (site.cms) {
    case inventory::Cms::wordpress: return std::unique_ptr<CmsActions>(std::make_unique<WordPressActions>(transport, env));
    case inventory::Cms::drupal:
    case inventory::Cms::composer:
      return std::unique_ptr<CmsActions>(std::make_unique<DrupalActions>(transport, env, site.cms));
    default: break;
  }
  return core::fail(core::ErrorKind::usage, fmt::format("site {}: tma cannot update a {} site", site.name,
                                                        inventory::to_string(site.cms)));
}

} // namespace tma::cms
