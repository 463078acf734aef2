#pragma once
// A time entry: work done for a client, logged by hand (`tma hours log`) or recorded automatically by
// update and restore runs. It is a value built from a `time.logged` journal event; accounting
// (accounting.hpp) never touches the journal.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/units.hpp>

namespace tma::contract {

using core::Date;
using core::Seconds;

/// What the time was spent on.
enum class Category { update, security, bugfix, performance, support, backup, feature };

/// The lowercase name (`update`, ...).
std::string_view to_string(Category category);

/// Parse a lowercase category name; nullopt when unknown.
std::optional<Category> parse_category(std::string_view text);

/// Every category name, in declaration order (for help texts and did-you-mean).
const std::vector<std::string>& category_names();

/// Whether an entry may be billed. Automatic entries are never billed whatever this says.
enum class Billable { yes, no };

/// Who created an entry: a person (`tma hours log`) or a run of `update`/`restore`.
enum class Origin { manual, automatic };

struct TimeEntry {
  std::string id;                   ///< the journal event id
  std::chrono::sys_seconds at{};    ///< when it was recorded (UTC)
  Date date;                        ///< the day the work was done, in the agency's time zone
  std::optional<std::string> site;  ///< absent for work on the client as a whole
  std::string client;
  Seconds duration{0};
  std::string description;
  Category category = Category::support;
  std::optional<std::string> ticket;
  std::optional<std::string> request; ///< the client request worked on (`REQ-YYYY-NNNN`, docs/requests.md)
  Billable billable = Billable::yes;
  Origin origin = Origin::manual;
  std::string actor;                ///< who logged it (`name <email>`), from the journal event
  /// Set on an entry imported from another tool (docs/connectors.md): `<connector>:<its id>`. The
  /// journal may hold several versions of it; readers keep the latest (`external_version`, then
  /// `at`, then `external_updated`), and none when that one is `withdrawn` (deleted in the tool).
  std::optional<std::string> external;
  std::string external_updated;     ///< the tool's last-update stamp of this version
  std::int64_t external_version = 0; ///< 1 for the first import, one more than the version it replaces
  bool withdrawn = false;

  /// Billable work by a person: the only entries contracts bill.
  bool counts() const { return billable == Billable::yes && origin == Origin::manual; }
};

} // namespace tma::contract
