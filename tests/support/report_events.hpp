#pragma once
// What the client report tests share: the two sites of their inventories, and journal events
// written by hand (no journal, no I/O).
#include <string>

#include <nlohmann/json.hpp>

#include <tma/core/timezone.hpp>
#include <tma/journal/journal.hpp>

namespace tma::test {

/// `portal` (client lyc, prod and preprod) and `shop` (client other, prod): the `sites:` part of
/// the report tests' inventories, after their own `agency:` and `clients:`.
inline const std::string k_report_sites = R"(sites:
  portal:
    client: lyc
    cms: wordpress
    environments:
      prod: {url: "https://portal.example", ssh: "deploy@web1", path: /srv/portal}
      preprod: {url: "https://pre.portal.example", ssh: "deploy@web1", path: /srv/pre}
  shop:
    client: other
    cms: wordpress
    environments:
      prod: {url: "https://shop.example", ssh: "deploy@web1", path: /srv/shop}
)";

inline core::SysSeconds at(const char* text) { return *core::parse_rfc3339(text); }

/// An event of its own run (ids `run<N>-1`, `run<N>`).
inline journal::Event report_event(const char* when, std::string type, std::string site, std::string env,
                                   std::string client, nlohmann::json data) {
  static int n = 0;
  journal::Event e;
  e.id = "run" + std::to_string(++n) + "-1";
  e.run = "run" + std::to_string(n);
  e.at = at(when);
  e.type = std::move(type);
  e.site = std::move(site);
  e.env = std::move(env);
  e.client = std::move(client);
  e.data = std::move(data);
  return e;
}

} // namespace tma::test
