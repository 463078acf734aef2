// endoflife.date documents to verdicts: parsing both API versions, matching a version to its cycle,
// and the date arithmetic of "ended" and "ends soon".
#include <tma/check/eol.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/core/timezone.hpp>
#include <tma/version/version.hpp>

namespace tma::check {

// Defined in the file cmake/TmaTemplates.cmake generates from data/eol/.
extern const std::pair<std::string_view, std::string_view> k_shipped_eol[];
extern const unsigned k_shipped_eol_count;

namespace {

using nlohmann::json;

// A JSON scalar as text: the v0 schema allows numbers for `cycle` and `latest` (`3.9`).
std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) return value.dump();
  return "";
}

// `2026-12-31` (a longer timestamp keeps its date part); nullopt for anything else.
std::optional<core::Date> date_of(const json& value) {
  if (!value.is_string()) return std::nullopt;
  auto text = value.get<std::string>();
  auto date = core::parse_date(std::string_view(text).substr(0, 10));
  if (!date) return std::nullopt;
  return *date;
}

EolCycle v0_cycle(const json& row) {
  EolCycle cycle;
  cycle.cycle = text_of(row.value("cycle", json()));
  if (auto it = row.find("eol"); it != row.end()) {
    cycle.eol = date_of(*it);
    cycle.eol_ended = it->is_boolean() && it->get<bool>();
  }
  if (auto it = row.find("support"); it != row.end()) cycle.support = date_of(*it);
  if (auto it = row.find("extendedSupport"); it != row.end()) cycle.extended = date_of(*it);
  cycle.latest = text_of(row.value("latest", json()));
  cycle.codename = text_of(row.value("codename", json()));
  return cycle;
}

EolCycle v1_cycle(const json& row) {
  EolCycle cycle;
  cycle.cycle = text_of(row.value("name", json()));
  cycle.eol = date_of(row.value("eolFrom", json()));
  // `isEol` was frozen when the site was built: trust it only when there is no date to recompute from.
  cycle.eol_ended = !cycle.eol && row.value("isEol", json()).is_boolean() && row["isEol"].get<bool>();
  cycle.support = date_of(row.value("eoasFrom", json()));
  cycle.extended = date_of(row.value("eoesFrom", json()));
  if (auto it = row.find("latest"); it != row.end() && it->is_object()) cycle.latest = text_of(it->value("name", json()));
  cycle.codename = text_of(row.value("codename", json()));
  return cycle;
}

// The leading `digits(.digits)*` of a version: servers add distribution suffixes.
std::string numeric_part(std::string_view version) {
  std::size_t end = 0;
  while (end < version.size() && (std::isdigit(static_cast<unsigned char>(version[end])) != 0 || version[end] == '.')) ++end;
  while (end > 0 && version[end - 1] == '.') --end;
  return std::string(version.substr(0, end));
}

bool ended_by(const EolCycle& cycle, long long day) {
  if (cycle.eol) return core::days_from_civil(*cycle.eol) <= day;
  return cycle.eol_ended;
}

} // namespace

core::Result<EolProduct> parse_eol_product(std::string slug, std::string_view text) {
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded()) return core::fail(core::ErrorKind::cms, fmt::format("end-of-life data for {}: not JSON", slug));
  EolProduct product;
  product.slug = std::move(slug);
  const json* rows = nullptr;
  bool v1 = false;
  if (document.is_array()) {
    rows = &document;
  } else if (document.is_object() && document.contains("result") && document["result"].is_object() &&
             document["result"].contains("releases") && document["result"]["releases"].is_array()) {
    rows = &document["result"]["releases"];
    v1 = true;
  } else {
    return core::fail(core::ErrorKind::cms,
                      fmt::format("end-of-life data for {}: neither an array of cycles nor {{\"result\": {{\"releases\": ...}}}}",
                                  product.slug));
  }
  for (const auto& row : *rows) {
    if (!row.is_object()) {
      return core::fail(core::ErrorKind::cms, fmt::format("end-of-life data for {}: a cycle is not an object", product.slug));
    }
    auto cycle = v1 ? v1_cycle(row) : v0_cycle(row);
    if (cycle.cycle.empty()) {
      return core::fail(core::ErrorKind::cms, fmt::format("end-of-life data for {}: a cycle has no name", product.slug));
    }
    product.cycles.push_back(std::move(cycle));
  }
  return product;
}

const EolCycle* find_cycle(const EolProduct& product, std::string_view version) {
  auto number = numeric_part(version);
  if (number.empty()) return nullptr;
  const EolCycle* best = nullptr;
  for (const auto& cycle : product.cycles) {
    const auto& name = cycle.cycle;
    bool matches = number == name || (number.size() > name.size() && number.compare(0, name.size(), name) == 0 &&
                                      number[name.size()] == '.');
    if (matches && (best == nullptr || name.size() > best->cycle.size())) best = &cycle;
  }
  return best;
}

std::string_view to_string(EolState state) {
  switch (state) {
  case EolState::supported: return "supported";
  case EolState::eol_soon: return "eol-soon";
  case EolState::eol: return "eol";
  }
  return "supported";
}

std::optional<EolVerdict> evaluate_eol(const EolProduct& product, std::string_view version, core::Date today,
                                       int horizon_days) {
  const auto* cycle = find_cycle(product, version);
  if (cycle == nullptr) return std::nullopt;
  auto day = core::days_from_civil(today);
  EolVerdict verdict;
  verdict.product = product.slug;
  verdict.version = std::string(version);
  verdict.cycle = cycle->cycle;
  verdict.eol = cycle->eol;
  verdict.extended = cycle->extended;
  if (ended_by(*cycle, day)) {
    verdict.state = EolState::eol;
  } else if (ended_by(*cycle, day + horizon_days)) {
    verdict.state = EolState::eol_soon;
  }
  for (const auto& other : product.cycles) {
    if (verdict.newest.empty() || version::php_version_compare(other.cycle, verdict.newest) > 0) verdict.newest = other.cycle;
    bool newer = version::php_version_compare(other.cycle, cycle->cycle) > 0;
    bool lasts = !ended_by(other, day + horizon_days);
    if (newer && lasts && (verdict.successor.empty() || version::php_version_compare(other.cycle, verdict.successor) < 0)) {
      verdict.successor = other.cycle;
    }
  }
  return verdict;
}

std::vector<std::string> shipped_eol_products() {
  std::vector<std::string> products;
  for (unsigned i = 0; i < k_shipped_eol_count; ++i) products.emplace_back(k_shipped_eol[i].first);
  std::sort(products.begin(), products.end());
  return products;
}

std::optional<std::string_view> shipped_eol_document(std::string_view product) {
  for (unsigned i = 0; i < k_shipped_eol_count; ++i) {
    if (k_shipped_eol[i].first == product) return k_shipped_eol[i].second;
  }
  return std::nullopt;
}

std::optional<std::string> os_eol_product(std::string_view os_id) {
  if (os_id == "debian" || os_id == "ubuntu") return std::string(os_id);
  return std::nullopt;
}

} // namespace tma::check

namespace tma::check {

std::string product_label(std::string_view slug) {
  if (slug == "php") return "PHP";
  if (slug == "wordpress") return "WordPress";
  if (slug == "drupal") return "Drupal";
  if (slug == "mariadb") return "MariaDB";
  if (slug == "mysql") return "MySQL";
  if (slug == "debian") return "Debian";
  if (slug == "ubuntu") return "Ubuntu";
  return std::string(slug);
}

namespace {

std::string days_phrase(long long days) {
  if (days == 0) return "today";
  if (days == 1) return "tomorrow";
  return fmt::format("in {} days", days);
}

std::string verdict_note(const EolVerdict& verdict, core::Date today) {
  std::string note;
  auto label = product_label(verdict.product) + " " + verdict.cycle;
  auto ends_on = verdict.eol ? core::format_date(*verdict.eol) : std::string();
  if (verdict.state == EolState::eol) {
    note = verdict.eol ? fmt::format("{}: security support ended on {}", label, ends_on)
                       : fmt::format("{}: no longer supported", label);
    if (verdict.extended && core::days_from_civil(*verdict.extended) > core::days_from_civil(today)) {
      note += fmt::format("; extended support until {}", core::format_date(*verdict.extended));
    }
  } else {
    auto days = core::days_from_civil(*verdict.eol) - core::days_from_civil(today);
    note = fmt::format("{}: security support ends on {} ({})", label, ends_on, days_phrase(days));
  }
  if (!verdict.successor.empty()) {
    note += fmt::format("; {} {} is supported", product_label(verdict.product), verdict.successor);
  } else {
    note += "; no supported successor in the data";
  }
  return note;
}

Finding eol_finding(const SiteCheck& check, cms::ComponentKind kind, const EolVerdict& verdict, core::Date today) {
  Finding finding;
  finding.site = check.site;
  finding.env = check.env;
  finding.kind = kind;
  finding.name = verdict.product;
  finding.installed = verdict.version;
  finding.latest = verdict.successor.empty() ? verdict.newest : verdict.successor;
  finding.type = verdict.state == EolState::eol ? FindingType::eol : FindingType::eol_soon;
  finding.severity = verdict.state == EolState::eol ? Severity::major : Severity::minor;
  finding.source = "endoflife.date";
  if (verdict.eol) finding.ends_on = core::format_date(*verdict.eol);
  finding.note = verdict_note(verdict, today);
  return finding;
}

} // namespace

std::string eol_note(const EolCatalog& catalog, std::string_view product, const std::string& version, core::Date today,
                     int horizon_days) {
  const auto* data = catalog.find(product);
  if (data == nullptr) return "";
  auto verdict = evaluate_eol(*data, version, today, horizon_days);
  if (!verdict || verdict->state == EolState::supported) return "";
  return verdict_note(*verdict, today);
}

const EolProduct* EolCatalog::find(std::string_view product) const {
  auto it = products.find(product);
  return it == products.end() ? nullptr : &it->second;
}

EolCatalog shipped_eol_catalog() {
  EolCatalog catalog;
  for (const auto& slug : shipped_eol_products()) {
    // The snapshot is checked by the unit tests: a broken file there is a build defect, not a user's.
    if (auto product = parse_eol_product(slug, *shipped_eol_document(slug))) {
      catalog.products.emplace(slug, std::move(*product));
      catalog.origin.emplace(slug, "snapshot");
    }
  }
  return catalog;
}

std::vector<Finding> eol_findings(const SiteCheck& check, const EolCatalog& catalog, core::Date today, int horizon_days) {
  std::vector<Finding> findings;
  auto add = [&](cms::ComponentKind kind, std::string_view product, const std::string& version) {
    const auto* data = catalog.find(product);
    if (data == nullptr || version.empty()) return;
    auto verdict = evaluate_eol(*data, version, today, horizon_days);
    if (verdict && verdict->state != EolState::supported) findings.push_back(eol_finding(check, kind, *verdict, today));
  };
  for (const auto& component : check.components) {
    if (component.kind == cms::ComponentKind::core && !component.refused) add(component.kind, component.name, component.installed);
  }
  for (const auto& piece : check.platform) add(cms::ComponentKind::platform, piece.product, piece.version);
  return findings;
}

} // namespace tma::check
