#include <tma/backup/retention.hpp>

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

namespace tma::backup {

IsoWeek iso_week(const core::Date& date) {
  long long days = core::days_from_civil(date);
  // 1970-01-01 was a Thursday (ISO weekday 4).
  int weekday = static_cast<int>(((days % 7 + 7) % 7 + 3) % 7) + 1;
  long long thursday = days - weekday + 4; // the week belongs to the year of its Thursday
  int year = core::civil_from_days(thursday).year;
  long long jan1 = core::days_from_civil(core::Date{year, 1, 1});
  return IsoWeek{year, static_cast<int>((thursday - jan1) / 7 + 1)};
}

PeriodKeys period_keys(core::SysSeconds time, const core::TimeZone& zone) {
  auto local = zone.to_local(time).local;
  const auto& d = local.date;
  PeriodKeys keys;
  keys.yearly = d.year;
  keys.monthly = keys.yearly * 100 + d.month;
  keys.daily = keys.monthly * 100 + d.day;
  keys.hourly = keys.daily * 100 + local.hour;
  auto week = iso_week(d);
  keys.weekly = static_cast<long long>(week.year) * 100 + week.week;
  return keys;
}

std::vector<BackupRef> RetentionPlan::kept() const {
  std::vector<BackupRef> out;
  for (const auto& d : decisions) {
    if (d.keep) out.push_back(d.backup);
  }
  return out;
}

std::vector<BackupRef> RetentionPlan::removed() const {
  std::vector<BackupRef> out;
  for (const auto& d : decisions) {
    if (!d.keep) out.push_back(d.backup);
  }
  return out;
}

std::string describe_policy(const inventory::KeepPolicy& policy) {
  std::vector<std::string> parts;
  auto add = [&](const char* name, int n) {
    if (n != 0) parts.push_back(fmt::format("{} {}", name, n));
  };
  add("last", policy.last);
  add("hourly", policy.hourly);
  add("daily", policy.daily);
  add("weekly", policy.weekly);
  add("monthly", policy.monthly);
  add("yearly", policy.yearly);
  return parts.empty() ? "empty" : fmt::format("{}", fmt::join(parts, ", "));
}

namespace {

enum class Rule { last, hourly, daily, weekly, monthly, yearly };

struct Bucket {
  Rule rule;
  const char* name;
  int count;             ///< counts left
  long long last_key = -1;
};

long long key_of(Rule rule, const PeriodKeys& keys, std::size_t position) {
  switch (rule) {
    case Rule::last: return static_cast<long long>(position); // every backup is its own period
    case Rule::hourly: return keys.hourly;
    case Rule::daily: return keys.daily;
    case Rule::weekly: return keys.weekly;
    case Rule::monthly: return keys.monthly;
    case Rule::yearly: return keys.yearly;
  }
  return -1;
}

std::string label_of(Rule rule, const PeriodKeys& keys, std::size_t position) {
  switch (rule) {
    case Rule::last: return fmt::format("#{}", position + 1);
    case Rule::hourly:
      return fmt::format("{}-{:02}-{:02} {:02}h", keys.hourly / 1000000, keys.hourly / 10000 % 100,
                         keys.hourly / 100 % 100, keys.hourly % 100);
    case Rule::daily:
      return fmt::format("{}-{:02}-{:02}", keys.daily / 10000, keys.daily / 100 % 100, keys.daily % 100);
    case Rule::weekly: return fmt::format("{}-W{:02}", keys.weekly / 100, keys.weekly % 100);
    case Rule::monthly: return fmt::format("{}-{:02}", keys.monthly / 100, keys.monthly % 100);
    case Rule::yearly: return fmt::format("{}", keys.yearly);
  }
  return {};
}

} // namespace

core::Result<RetentionPlan> plan_retention(const std::vector<BackupRef>& backups, const inventory::KeepPolicy& policy,
                                           const core::TimeZone& zone, const RetentionGuards& guards) {
  if (policy.empty()) {
    return core::fail(core::ErrorKind::config, "refusing an empty retention policy: it would keep nothing");
  }
  if (policy.last < 0 || policy.hourly < 0 || policy.daily < 0 || policy.weekly < 0 || policy.monthly < 0 ||
      policy.yearly < 0) {
    return core::fail(core::ErrorKind::config, "retention counts must not be negative");
  }
  std::set<std::string> ids;
  for (const auto& b : backups) {
    if (!ids.insert(b.id).second) {
      return core::fail(core::ErrorKind::config, fmt::format("duplicate backup id '{}'", b.id));
    }
  }

  std::vector<BackupRef> sorted = backups;
  // Newest first, so the backup kept for a period is its newest; ties broken by id so the
  // plan does not depend on the order of the input.
  std::sort(sorted.begin(), sorted.end(), [](const BackupRef& a, const BackupRef& b) {
    return a.time != b.time ? a.time > b.time : a.id > b.id;
  });

  RetentionPlan plan;
  if (guards.current_backup_failed) {
    plan.refused = "the current backup failed: pruning is skipped so the history is not thinned";
    for (const auto& b : sorted) plan.decisions.push_back(Decision{b, true, {"guard: current backup failed"}});
    return plan;
  }

  std::array<Bucket, 6> buckets{{{Rule::last, "last", policy.last},
                                 {Rule::hourly, "hourly", policy.hourly},
                                 {Rule::daily, "daily", policy.daily},
                                 {Rule::weekly, "weekly", policy.weekly},
                                 {Rule::monthly, "monthly", policy.monthly},
                                 {Rule::yearly, "yearly", policy.yearly}}};

  // A pre-update backup is the way back from an update; once a LATER update has completed, that
  // update's own backup is the way back, so the older one returns to the policy. The newest
  // completed one itself stays protected until the next update completes.
  const BackupRef* newest_completed = nullptr;
  for (const auto& b : sorted) {
    if (b.pre_update && b.update_completed) {
      newest_completed = &b;
      break;
    }
  }
  auto update_protected = [&](const BackupRef& b) {
    if (!b.pre_update) return false;
    if (newest_completed == nullptr) return true;
    return b.time != newest_completed->time ? b.time > newest_completed->time : b.id >= newest_completed->id;
  };

  for (std::size_t position = 0; position < sorted.size(); ++position) {
    const auto& backup = sorted[position];
    bool oldest = position + 1 == sorted.size();
    auto keys = period_keys(backup.time, zone);
    Decision decision{backup, false, {}};
    for (auto& bucket : buckets) {
      if (bucket.count <= 0) continue;
      long long key = key_of(bucket.rule, keys, position);
      // restic keeps the oldest backup too while a rule has counts left: the longest history.
      if (key != bucket.last_key || oldest) {
        bool new_period = key != bucket.last_key;
        bucket.last_key = key;
        --bucket.count;
        decision.keep = true;
        decision.reasons.push_back(fmt::format("{}{} {}", new_period ? "" : "oldest ", bucket.name,
                                               label_of(bucket.rule, keys, position)));
      }
    }
    if (update_protected(backup)) {
      decision.keep = true;
      decision.reasons.push_back(k_pre_update_reason);
    }
    if (position == 0 && !decision.keep) {
      // Unreachable with a non-empty policy, kept as the hard guard the docs promise.
      decision.keep = true;
      decision.reasons.push_back("newest backup (guard)");
    }
    plan.decisions.push_back(std::move(decision));
  }
  return plan;
}

} // namespace tma::backup
