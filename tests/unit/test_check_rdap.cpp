#include <catch2/catch.hpp>

#include <tma/check/domain_expiry.hpp>
#include <tma/check/rdap.hpp>
#include <tma/core/text.hpp>

using namespace tma;

namespace {

// Invented, in the shape of https://data.iana.org/rdap/dns.json (RFC 9224).
constexpr const char* k_bootstrap = R"({"version": "1.0", "publication": "2031-02-03T00:00:00Z",
  "services": [[["example", "sample"], ["https://rdap.registry-one.test/rdap/"]],
               [["test"], ["http://rdap.registry-two.test", "https://rdap.registry-two.test/"]],
               [["shop.test"], ["https://rdap.shop-registry.test/"]],
               [["broken"], []]]})";

} // namespace

TEST_CASE("RDAP bootstrap: longest label match, https first, trailing slash", "[unit][check][rdap]") {
  auto bootstrap = check::parse_rdap_bootstrap(k_bootstrap);
  REQUIRE(bootstrap);
  CHECK(bootstrap->publication == "2031-02-03T00:00:00Z");
  REQUIRE(bootstrap->services.size() == 3); // a service without URLs is useless
  CHECK(check::rdap_base_for(*bootstrap, "client.example") == "https://rdap.registry-one.test/rdap/");
  CHECK(check::rdap_base_for(*bootstrap, "WWW.Client.Sample") == "https://rdap.registry-one.test/rdap/");
  CHECK(check::rdap_base_for(*bootstrap, "acme.test") == "https://rdap.registry-two.test/");
  CHECK(check::rdap_base_for(*bootstrap, "acme.shop.test") == "https://rdap.shop-registry.test/");
  CHECK_FALSE(check::rdap_base_for(*bootstrap, "acme.invalid"));
  CHECK_FALSE(check::rdap_base_for(*bootstrap, "notexample")); // labels, not suffixes

  CHECK(check::registered_domain(*bootstrap, "www.client.example") == "client.example");
  CHECK(check::registered_domain(*bootstrap, "a.b.acme.shop.test") == "acme.shop.test");
  CHECK_FALSE(check::registered_domain(*bootstrap, "example"));
  CHECK_FALSE(check::registered_domain(*bootstrap, "127.0.0.1"));

  CHECK_FALSE(check::parse_rdap_bootstrap("[]"));
  CHECK_FALSE(check::parse_rdap_bootstrap(R"({"services": [["com"]]})"));
}

TEST_CASE("RDAP domain: the expiration event, statuses, errors", "[unit][check][rdap]") {
  auto domain = check::parse_rdap_domain(R"({"rdapConformance":["rdap_level_0"],"objectClassName":"domain",
    "ldhName":"Client-Shop.example","status":["client transfer prohibited","active"],
    "events":[{"eventAction":"registration","eventDate":"2019-04-01T10:11:12Z"},
              {"eventAction":"expiration","eventDate":"2031-04-01T10:11:12.000Z"},
              {"eventAction":"last changed","eventDate":"2030-03-02T08:00:00Z"}]})");
  REQUIRE(domain);
  CHECK(domain->domain == "client-shop.example");
  REQUIRE(domain->expires);
  CHECK(core::format_rfc3339_utc(*domain->expires) == "2031-04-01T10:11:12Z");
  CHECK(domain->statuses.size() == 2);
  CHECK_FALSE(check::alarming_status(domain->statuses[0]));
  CHECK(check::alarming_status("redemption period"));
  CHECK(check::alarming_status("Client Hold"));

  auto no_expiry = check::parse_rdap_domain(R"({"objectClassName":"domain","ldhName":"x.de","events":[]})");
  REQUIRE(no_expiry);
  CHECK_FALSE(no_expiry->expires); // DENIC publishes none: unknown, never "fine"
  auto odd_year = check::parse_rdap_domain(
      R"({"objectClassName":"domain","events":[{"eventAction":"expiration","eventDate":"+275760-09-13T00:00:00Z"}]})");
  REQUIRE(odd_year);
  CHECK_FALSE(odd_year->expires);

  auto error = check::parse_rdap_domain(R"({"errorCode":404,"title":"Not Found","description":["no such domain"]})");
  REQUIRE_FALSE(error);
  CHECK(error.error().message == "RDAP error 404: Not Found");
  CHECK_FALSE(check::parse_rdap_domain(R"({"objectClassName":"entity"})"));
  CHECK_FALSE(check::parse_rdap_domain("<html>"));
}

namespace {

inventory::Site site_at(const std::string& url, const std::string& env_name = "prod") {
  inventory::Site site;
  site.name = "shop";
  inventory::Environment env;
  env.name = env_name;
  env.url = url;
  site.environments.push_back(env);
  return site;
}

check::DomainRegistration expiring(const std::string& when, std::vector<std::string> statuses = {"active"}) {
  check::DomainRegistration registration;
  registration.domain = "client.example";
  registration.expires = *core::parse_rfc3339(when);
  registration.statuses = std::move(statuses);
  return registration;
}

} // namespace

TEST_CASE("RDAP: the shipped IANA bootstrap parses and routes the usual names", "[unit][check][rdap]") {
  auto bootstrap = check::parse_rdap_bootstrap(check::shipped_rdap_bootstrap_document());
  REQUIRE(bootstrap);
  CHECK(bootstrap->publication == "2026-02-13T23:00:01Z");
  CHECK(bootstrap->services.size() == 600);
  CHECK(check::rdap_base_for(*bootstrap, "www.lycee-voltaire.fr") == "https://rdap.nic.fr/");
  CHECK(check::rdap_base_for(*bootstrap, "shop.example.com") == "https://rdap.verisign.com/com/v1/");
  CHECK(check::rdap_base_for(*bootstrap, "atelier.paris") == "https://rdap.nic.paris/");
  CHECK(check::registered_domain(*bootstrap, "www.shop.co.uk") == "co.uk"); // why `domain:` exists
}

TEST_CASE("RDAP: which domain a site environment asks about", "[unit][check][rdap]") {
  auto bootstrap = *check::parse_rdap_bootstrap(k_bootstrap);
  using Kind = check::DomainQuery::Kind;

  auto site = site_at("https://www.client.example/shop/");
  auto query = check::domain_query(site, site.environments[0], bootstrap);
  // `.example` is reserved (RFC 2606): a URL under it is never asked, nor a `domain:` under it.
  CHECK(query.kind == Kind::skip);
  site.domain = "client.example";
  CHECK(check::domain_query(site, site.environments[0], bootstrap).kind == Kind::skip);

  auto sample = site_at("https://www.Client.Sample:8443/");
  query = check::domain_query(sample, sample.environments[0], bootstrap);
  REQUIRE(query.kind == Kind::ask);
  CHECK(query.domain == "client.sample");
  CHECK(query.base_url == "https://rdap.registry-one.test/rdap/");

  sample.domain = "other.sample"; // the inventory's name wins over the URL's
  query = check::domain_query(sample, sample.environments[0], bootstrap);
  REQUIRE(query.kind == Kind::ask);
  CHECK(query.domain == "other.sample");
  sample.domain_none = true;
  CHECK(check::domain_query(sample, sample.environments[0], bootstrap).kind == Kind::skip);

  auto preprod = site_at("https://preprod.client.sample/", "preprod");
  CHECK(check::domain_query(preprod, preprod.environments[0], bootstrap).kind == Kind::skip);
  for (const char* url : {"http://127.0.0.1:8080/", "http://[::1]:8080/", "http://localhost/", "http://intranet/"}) {
    auto lab = site_at(url);
    CHECK(check::domain_query(lab, lab.environments[0], bootstrap).kind == Kind::skip);
  }
  auto unknown = site_at("https://www.client.fr/");
  query = check::domain_query(unknown, unknown.environments[0], bootstrap);
  REQUIRE(query.kind == Kind::note);
  CHECK(query.note.find(".fr") != std::string::npos);
}

TEST_CASE("RDAP: the domain finding by horizon and status", "[unit][check][rdap]") {
  core::Date today{2031, 3, 1};
  check::DomainHorizons horizons{60, 14};
  CHECK_FALSE(check::domain_finding("shop", "prod", expiring("2031-05-01T00:00:00Z"), "client.example", today, horizons));

  auto soon = check::domain_finding("shop", "prod", expiring("2031-04-30T00:00:00Z"), "client.example", today, horizons);
  REQUIRE(soon);
  CHECK(soon->type == check::FindingType::domain);
  CHECK(soon->kind == cms::ComponentKind::domain);
  CHECK(soon->name == "client.example");
  CHECK(soon->severity == check::Severity::minor);
  CHECK(soon->ends_on == "2031-04-30");
  CHECK(soon->note == "registration expires on 2031-04-30 (in 60 days); check that it renews");

  auto urgent = check::domain_finding("shop", "prod", expiring("2031-03-15T12:00:00Z"), "client.example", today, horizons);
  REQUIRE(urgent);
  CHECK(urgent->severity == check::Severity::major);
  auto tomorrow = check::domain_finding("shop", "prod", expiring("2031-03-02T00:00:00Z"), "client.example", today, horizons);
  REQUIRE(tomorrow);
  CHECK(tomorrow->note == "registration expires on 2031-03-02 (in 1 day); check that it renews");

  auto expired = check::domain_finding("shop", "prod", expiring("2031-02-27T00:00:00Z"), "client.example", today, horizons);
  REQUIRE(expired);
  CHECK(expired->severity == check::Severity::major);
  CHECK(expired->note == "registration expired on 2031-02-27");

  auto held = check::domain_finding("shop", "prod", expiring("2032-01-01T00:00:00Z", {"active", "client hold"}),
                                    "client.example", today, horizons);
  REQUIRE(held);
  CHECK(held->severity == check::Severity::major);
  CHECK(held->note == "the registry reports the domain as `client hold` (registration ends 2032-01-01)");

  check::DomainRegistration undated;
  undated.statuses = {"active"};
  CHECK_FALSE(check::domain_finding("shop", "prod", undated, "client.de", today, horizons)); // the caller notes it
  undated.statuses = {"redemption period"};
  auto redemption = check::domain_finding("shop", "prod", undated, "client.de", today, horizons);
  REQUIRE(redemption);
  CHECK(redemption->name == "client.de");
  CHECK(redemption->ends_on.empty());
}

TEST_CASE("Domain names: the shape the inventory and RDAP URLs accept", "[unit][core]") {
  CHECK(core::is_domain_name("client.example"));
  CHECK(core::is_domain_name("xn--bcher-kva.example"));
  CHECK(core::is_domain_name("Shop.Example.CO.UK"));
  CHECK_FALSE(core::is_domain_name("example"));
  CHECK_FALSE(core::is_domain_name("client.example."));
  CHECK_FALSE(core::is_domain_name("-client.example"));
  CHECK_FALSE(core::is_domain_name("client-.example"));
  CHECK_FALSE(core::is_domain_name("cli ent.example"));
  CHECK_FALSE(core::is_domain_name("client..example"));
  CHECK_FALSE(core::is_domain_name("client.example/../x"));
  CHECK_FALSE(core::is_domain_name(std::string(64, 'a') + ".example"));
  CHECK(core::lower_ascii("Shop.EXAMPLE") == "shop.example");
}
