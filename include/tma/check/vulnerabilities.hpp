#pragma once
// Vulnerability data: the Wordfence Intelligence v2/v3 feed (formats.md 6.1) matched by software type,
// slug and version ranges, and Composer constraints (`composer audit`'s `affectedVersions`). Pure.

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/cms/component.hpp>
#include <tma/version/constraint.hpp>
#include <tma/core/error.hpp>

namespace tma::check {

/// One labelled range of `affected_versions`; `"*"` means unbounded on that side.
struct AffectedRange {
  std::string from = "*";
  bool from_inclusive = true;
  std::string to = "*";
  bool to_inclusive = true;
};

/// True when `version` lies in `range` under PHP version_compare (wordfence-cli's rule):
/// `(from=="*" || v > from || (from_inclusive && v == from)) && (to=="*" || v < to || (to_inclusive && v == to))`.
bool in_range(const AffectedRange& range, std::string_view version);

/// The smallest of `patched_versions` that is newer than `installed` (PHP rules), "" when none is.
std::string smallest_fix(const std::vector<std::string>& patched_versions, std::string_view installed);

/// One affected software entry of a record.
struct AffectedSoftware {
  cms::ComponentKind kind = cms::ComponentKind::plugin; ///< core uses slug `wordpress`
  std::string slug;
  std::vector<AffectedRange> ranges; ///< OR-ed
  std::vector<std::string> patched_versions;
};

/// One feed record (only the fields tma uses are kept).
struct Vulnerability {
  std::string id;
  std::string title;
  std::string cve;
  std::optional<double> cvss_score;
  std::string cvss_rating;
  std::string link;
  bool informational = false;
  std::vector<AffectedSoftware> software;
};

/// A record that affects an installed component, with the fix for that component's version.
struct VulnerabilityMatch {
  const Vulnerability* vulnerability = nullptr;
  std::string fixed_in; ///< "" when no patched version above the installed one
};

/// The Wordfence feed, indexed by (type, slug).
class VulnerabilityDb {
public:
  /// Parse a feed document (object keyed by UUID). Not an object, a record without `software`, or a
  /// range with non-string bounds is an error naming the record id. Large free-text fields are
  /// dropped while parsing so a 150 MB feed does not become gigabytes of memory.
  static core::Result<VulnerabilityDb> parse_wordfence(std::string_view json);
  /// Same, reading from `input` without first loading the whole document.
  static core::Result<VulnerabilityDb> parse_wordfence(std::istream& input);

  /// Records affecting `version` of (`kind`, `slug`), informational records excluded, in feed order.
  /// Empty `version` (unknown) matches nothing.
  std::vector<VulnerabilityMatch> match(cms::ComponentKind kind, std::string_view slug, std::string_view version) const;

  std::size_t size() const { return m_records.size(); }

private:
  static core::Result<VulnerabilityDb> from_document(const nlohmann::json& document);
  std::vector<Vulnerability> m_records;
  std::map<std::pair<cms::ComponentKind, std::string>, std::vector<std::pair<std::size_t, std::size_t>>> m_index;
};

} // namespace tma::check
