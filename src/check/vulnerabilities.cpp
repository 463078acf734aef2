#include <tma/check/vulnerabilities.hpp>

#include <algorithm>

#include <tma/version/version.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>

namespace tma::check {
namespace {

using nlohmann::json;
using version::php_version_compare;

// Free-text and bookkeeping fields tma never reads: dropping them while parsing keeps memory close
// to the size of what is used rather than the feed's ~150 MB of descriptions.
bool keep_key(int depth, json::parse_event_t event, json& parsed) {
  if (event != json::parse_event_t::key || depth < 2) {
    return true;
  }
  static const char* k_dropped[] = {"description", "copyrights", "researchers", "cwe",      "cve_link",
                                    "published",   "updated",    "remediation", "name"};
  const auto& key = parsed.get_ref<const std::string&>();
  // `name` is dropped only inside software entries (depth 4); records have no `name` of their own.
  for (const char* dropped : k_dropped) {
    if (key == dropped && (key != "name" || depth >= 4)) {
      return false;
    }
  }
  return true;
}

core::Result<AffectedRange> parse_range(const json& value, const std::string& where) {
  if (!value.is_object()) {
    return core::fail(core::ErrorKind::cms, where + ": affected range is not an object");
  }
  AffectedRange range;
  for (auto [key, target] : {std::pair{"from_version", &range.from}, std::pair{"to_version", &range.to}}) {
    auto it = value.find(key);
    if (it == value.end() || !it->is_string()) {
      return core::fail(core::ErrorKind::cms, where + ": \"" + key + "\" missing or not a string");
    }
    *target = it->get<std::string>();
  }
  for (auto [key, target] : {std::pair{"from_inclusive", &range.from_inclusive}, std::pair{"to_inclusive", &range.to_inclusive}}) {
    auto it = value.find(key);
    if (it != value.end() && it->is_boolean()) {
      *target = it->get<bool>();
    } else if (it != value.end() && !it->is_null()) {
      return core::fail(core::ErrorKind::cms, where + ": \"" + key + "\" is not a boolean");
    }
  }
  return range;
}

core::Result<Vulnerability> parse_record(const std::string& key, const json& record) {
  std::string where = "Wordfence feed: record " + key;
  if (!record.is_object()) {
    return core::fail(core::ErrorKind::cms, where + ": not an object");
  }
  Vulnerability v;
  v.id = cms::loose_string(record, "id");
  if (v.id.empty()) {
    v.id = key;
  }
  v.title = cms::loose_string(record, "title");
  v.cve = cms::loose_string(record, "cve");
  if (auto it = record.find("informational"); it != record.end() && it->is_boolean()) {
    v.informational = it->get<bool>();
  }
  if (auto it = record.find("cvss"); it != record.end() && it->is_object()) {
    if (auto score = it->find("score"); score != it->end() && score->is_number()) {
      v.cvss_score = score->get<double>();
    } else if (score != it->end() && score->is_string()) {
      try {
        v.cvss_score = std::stod(score->get<std::string>());
      } catch (const std::exception&) {
        return core::fail(core::ErrorKind::cms, where + ": cvss.score is not a number");
      }
    }
    v.cvss_rating = cms::loose_string(*it, "rating");
  }
  if (auto it = record.find("references"); it != record.end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
    v.link = (*it)[0].get<std::string>();
  }
  auto software = record.find("software");
  if (software == record.end() || !software->is_array()) {
    return core::fail(core::ErrorKind::cms, where + ": no \"software\" list");
  }
  for (const auto& s : *software) {
    AffectedSoftware a;
    auto type = cms::loose_string(s, "type");
    auto kind = cms::parse_component_kind(type);
    if (!kind || *kind == cms::ComponentKind::package) {
      return core::fail(core::ErrorKind::cms, where + ": unknown software type \"" + type + "\"");
    }
    a.kind = *kind;
    a.slug = cms::loose_string(s, "slug");
    if (a.slug.empty()) {
      return core::fail(core::ErrorKind::cms, where + ": software without a slug");
    }
    auto ranges = s.find("affected_versions");
    if (ranges != s.end() && ranges->is_object()) {
      for (const auto& [label, value] : ranges->items()) {
        auto range = parse_range(value, where + ": range \"" + label + "\"");
        if (!range) {
          return tl::unexpected(range.error());
        }
        a.ranges.push_back(*range);
      }
    } else if (ranges != s.end() && !(ranges->is_array() && ranges->empty())) {
      return core::fail(core::ErrorKind::cms, where + ": affected_versions is not an object");
    }
    if (auto p = s.find("patched_versions"); p != s.end() && p->is_array()) {
      for (const auto& version : *p) {
        if (version.is_string()) {
          a.patched_versions.push_back(version.get<std::string>());
        }
      }
    }
    v.software.push_back(std::move(a));
  }
  return v;
}

} // namespace

bool in_range(const AffectedRange& range, std::string_view version) {
  bool above_from = range.from == "*";
  if (!above_from) {
    int c = php_version_compare(version, range.from);
    above_from = c > 0 || (range.from_inclusive && c == 0);
  }
  bool below_to = range.to == "*";
  if (!below_to) {
    int c = php_version_compare(version, range.to);
    below_to = c < 0 || (range.to_inclusive && c == 0);
  }
  return above_from && below_to;
}

std::string smallest_fix(const std::vector<std::string>& patched_versions, std::string_view installed) {
  std::string best;
  for (const auto& p : patched_versions) {
    if (php_version_compare(p, installed) > 0 && (best.empty() || php_version_compare(p, best) < 0)) {
      best = p;
    }
  }
  return best;
}

core::Result<VulnerabilityDb> VulnerabilityDb::from_document(const json& document) {
  if (document.is_discarded()) {
    return core::fail(core::ErrorKind::cms, "Wordfence feed: malformed JSON");
  }
  if (!document.is_object()) {
    return core::fail(core::ErrorKind::cms, "Wordfence feed: expected an object keyed by vulnerability id, got " +
                                                std::string(document.type_name()));
  }
  VulnerabilityDb db;
  db.m_records.reserve(document.size());
  for (const auto& [key, record] : document.items()) {
    auto v = parse_record(key, record);
    if (!v) {
      return tl::unexpected(v.error());
    }
    std::size_t r = db.m_records.size();
    for (std::size_t s = 0; s < v->software.size(); ++s) {
      db.m_index[{v->software[s].kind, v->software[s].slug}].emplace_back(r, s);
    }
    db.m_records.push_back(std::move(*v));
  }
  return db;
}

core::Result<VulnerabilityDb> VulnerabilityDb::parse_wordfence(std::string_view text) {
  auto document = json::parse(text.begin(), text.end(), keep_key, false);
  return from_document(document);
}

core::Result<VulnerabilityDb> VulnerabilityDb::parse_wordfence(std::istream& input) {
  auto document = json::parse(input, keep_key, false);
  return from_document(document);
}

std::vector<VulnerabilityMatch> VulnerabilityDb::match(cms::ComponentKind kind, std::string_view slug,
                                                       std::string_view version) const {
  std::vector<VulnerabilityMatch> matches;
  if (version.empty()) {
    return matches;
  }
  auto it = m_index.find({kind, std::string(slug)});
  if (it == m_index.end()) {
    return matches;
  }
  for (auto [r, s] : it->second) {
    const auto& record = m_records[r];
    const auto& software = record.software[s];
    if (record.informational) {
      continue;
    }
    bool affected = std::any_of(software.ranges.begin(), software.ranges.end(),
                                [&](const AffectedRange& range) { return in_range(range, version); });
    if (affected) {
      matches.push_back({&record, smallest_fix(software.patched_versions, version)});
    }
  }
  return matches;
}

} // namespace tma::check
