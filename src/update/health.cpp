#include <tma/update/health.hpp>

namespace tma::update {

core::Result<void> HealthSmokeTest::healthy() {
  std::string problems;
  for (const auto& result : check::run_health(m_site, m_env, m_http)) {
    for (const auto& p : result.problems) {
      if (p.level != check::HealthLevel::critical) {
        continue;
      }
      problems += (problems.empty() ? "" : "; ") + result.url + ": " + p.message;
    }
  }
  if (!problems.empty()) {
    return core::fail(core::ErrorKind::http, problems);
  }
  return {};
}

} // namespace tma::update
