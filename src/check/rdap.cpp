// RDAP bootstrap matching and domain objects.
#include <tma/check/rdap.hpp>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace tma::check {

extern const std::string_view k_shipped_rdap_bootstrap; // generated rdap_bootstrap.cpp

namespace {

using nlohmann::json;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> labels_of(std::string_view name) {
  std::vector<std::string> labels;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    labels.push_back(lower(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels;
}

// How many trailing labels of `domain` the service label covers (0: none).
std::size_t match_length(const std::vector<std::string>& domain, const std::string& label) {
  auto service = labels_of(label);
  if (service.size() > domain.size()) return 0;
  return std::equal(service.rbegin(), service.rend(), domain.rbegin()) ? service.size() : 0;
}

// The best service for a domain and how many labels it matched.
std::pair<const RdapBootstrap::Service*, std::size_t> best_service(const RdapBootstrap& bootstrap, std::string_view domain) {
  auto labels = labels_of(domain);
  const RdapBootstrap::Service* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& service : bootstrap.services) {
    for (const auto& label : service.labels) {
      auto length = match_length(labels, label);
      if (length > best_length) {
        best = &service;
        best_length = length;
      }
    }
  }
  return {best, best_length};
}

} // namespace

core::Result<RdapBootstrap> parse_rdap_bootstrap(std::string_view text) {
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("services") || !document["services"].is_array()) {
    return core::fail(core::ErrorKind::cms, "RDAP bootstrap: not an object with a \"services\" array");
  }
  RdapBootstrap bootstrap;
  if (document.contains("publication") && document["publication"].is_string()) {
    bootstrap.publication = document["publication"].get<std::string>();
  }
  for (const auto& entry : document["services"]) {
    if (!entry.is_array() || entry.size() < 2 || !entry[0].is_array() || !entry[1].is_array()) {
      return core::fail(core::ErrorKind::cms, "RDAP bootstrap: a service is not [[labels...], [urls...]]");
    }
    RdapBootstrap::Service service;
    for (const auto& label : entry[0]) {
      if (label.is_string()) service.labels.push_back(lower(label.get<std::string>()));
    }
    std::vector<std::string> https, http;
    for (const auto& url : entry[1]) {
      if (!url.is_string()) continue;
      auto text_url = url.get<std::string>();
      if (text_url.empty()) continue;
      if (text_url.back() != '/') text_url += '/';
      if (text_url.rfind("https://", 0) == 0) https.push_back(text_url);
      else if (text_url.rfind("http://", 0) == 0) http.push_back(text_url);
    }
    service.urls = https;
    service.urls.insert(service.urls.end(), http.begin(), http.end());
    if (!service.labels.empty() && !service.urls.empty()) bootstrap.services.push_back(std::move(service));
  }
  return bootstrap;
}

std::optional<std::string> rdap_base_for(const RdapBootstrap& bootstrap, std::string_view domain) {
  auto [service, length] = best_service(bootstrap, domain);
  if (service == nullptr) return std::nullopt;
  return service->urls.front();
}

std::optional<std::string> registered_domain(const RdapBootstrap& bootstrap, std::string_view host) {
  auto labels = labels_of(host);
  auto [service, length] = best_service(bootstrap, host);
  if (service == nullptr || labels.size() <= length) return std::nullopt;
  std::string domain;
  for (std::size_t i = labels.size() - length - 1; i < labels.size(); ++i) {
    if (!domain.empty()) domain += '.';
    domain += labels[i];
  }
  return domain;
}

core::Result<DomainRegistration> parse_rdap_domain(std::string_view text) {
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return core::fail(core::ErrorKind::http, "RDAP: the answer is not a JSON object");
  if (document.contains("errorCode")) {
    auto title = document.value("title", std::string());
    return core::fail(core::ErrorKind::http, "RDAP error " + document["errorCode"].dump() + (title.empty() ? "" : ": " + title));
  }
  if (document.value("objectClassName", std::string()) != "domain") {
    return core::fail(core::ErrorKind::http, "RDAP: the answer is not a domain object");
  }
  DomainRegistration registration;
  registration.domain = lower(document.value("ldhName", std::string()));
  if (document.contains("status") && document["status"].is_array()) {
    for (const auto& s : document["status"]) {
      if (s.is_string()) registration.statuses.push_back(s.get<std::string>());
    }
  }
  if (document.contains("events") && document["events"].is_array()) {
    for (const auto& event : document["events"]) {
      if (!event.is_object() || event.value("eventAction", std::string()) != "expiration") continue;
      // A date tma cannot read (a six-digit year in redemption) leaves the expiry unknown, never wrong.
      if (auto when = core::parse_rfc3339(event.value("eventDate", std::string()))) registration.expires = *when;
    }
  }
  return registration;
}

std::string_view shipped_rdap_bootstrap_document() { return k_shipped_rdap_bootstrap; }

bool alarming_status(std::string_view status) {
  auto s = lower(status);
  return s == "client hold" || s == "server hold" || s == "redemption period" || s == "pending delete" || s == "inactive";
}

} // namespace tma::check
