#pragma once
// The real SmokeTest: the site's smoke checks (check::run_health) against one environment. Only a
// critical problem fails it; warnings (slow answer, certificate expiring) do not block an update.

#include <tma/check/run_health.hpp>
#include <tma/update/pipeline.hpp>

namespace tma::update {

class HealthSmokeTest final : public SmokeTest {
public:
  /// `site`, `env` and `http` must outlive this object.
  HealthSmokeTest(const inventory::Site& site, const inventory::Environment& env, transport::HttpClient& http)
      : m_site(site), m_env(env), m_http(http) {}
  /// Error (kind http) listing every critical problem as `<url>: <message>`.
  core::Result<void> healthy() override;

private:
  const inventory::Site& m_site;
  const inventory::Environment& m_env;
  transport::HttpClient& m_http;
};

} // namespace tma::update
