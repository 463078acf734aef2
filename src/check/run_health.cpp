// One target's health run: HTTP GETs evaluated by the pure evaluate_health().
#include <tma/check/run_health.hpp>

namespace tma::check {

std::string join_url(std::string_view base, std::string_view path) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  if (path.empty() || path.front() != '/') {
    url += '/';
  }
  url += path;
  return url;
}

std::vector<HealthResult> run_health(const inventory::Site& site, const inventory::Environment& env,
                                     transport::HttpClient& http, std::chrono::system_clock::time_point now) {
  std::vector<HealthResult> results;
  for (const auto& check : smoke_checks(site)) {
    auto url = join_url(env.url, check.path);
    auto request = transport::request_for(env.http, url);
    // A smoke test judges the status it gets: no retries that would hide a flapping 500, and no
    // redirect-following beyond the client's default so a login redirect still shows as its target.
    request.max_attempts = 1;
    HttpObservation observation;
    auto response = http.send(request);
    if (!response) {
      observation.error = response.error();
    } else {
      observation.status = static_cast<int>(response->status);
      observation.body = std::move(response->body);
      observation.total_time = response->timings.total;
      if (response->certificate) {
        observation.tls_not_after = response->certificate->expires;
      }
    }
    results.push_back(evaluate_health(site.name, env.name, transport::url_for_display(url), check, site.health,
                                      observation, now));
  }
  return results;
}

} // namespace tma::check
