#pragma once
// One target's health run: GET every smoke check of a site environment with the HTTP client and
// evaluate it (check::evaluate_health). Used by `tma health` and by the update pipeline's smoke test.

#include <chrono>
#include <vector>

#include <tma/check/health.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::check {

/// GET `env.url + check.path` for each `smoke_checks(site)` entry (with `env.http` timeouts, TLS
/// settings and CA file) and evaluate each answer at `now`. Never throws; a failed request is a
/// result with `unreachable` set. One result per smoke check, in the site's order.
std::vector<HealthResult> run_health(const inventory::Site& site, const inventory::Environment& env,
                                     transport::HttpClient& http,
                                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// `base` joined with `path` with exactly one `/` between them (`https://a.example/` + `/x`).
std::string join_url(std::string_view base, std::string_view path);

} // namespace tma::check
