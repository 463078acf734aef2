// The client report from journal events: pure, see report.hpp.
#include <tma/client_report/report.hpp>

#include "client_report/measures.hpp"
#include "client_report/missed.hpp"
#include "client_report/topics.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <tma/core/json.hpp>

namespace tma::client_report {
namespace {

constexpr std::string_view k_prod = "prod";

// What happened on the client's prod sites in [from, until).
struct Activity {
  std::vector<AppliedUpdate> updates;
  std::vector<HeldBackUpdate> held_back;
  std::map<std::string, SiteBackups> backups; ///< by site
  std::vector<const incident::Incident*> incidents;
  int visual_pages = 0, visual_reviewed = 0;
};

int count_of(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_number_integer() && it->get<long long>() > 0
             ? static_cast<int>(std::min<long long>(it->get<long long>(), 1'000'000))
             : 0;
}

void add_update_run(const journal::Event& event, const core::TimeZone& zone, Activity& out) {
  auto steps = event.data.find("steps");
  if (steps == event.data.end() || !steps->is_array()) return; // a run that failed before planning
  auto preprod = core::json_string(event.data, "preprod");
  auto date = zone.local_date(event.at);
  for (const auto& step : *steps) {
    if (!step.is_object()) continue;
    auto status = core::json_string(step, "status");
    auto component = core::json_string(step, "component");
    auto from = core::json_string(step, "from");
    auto to = core::json_string(step, "to");
    if (status == "applied") {
      // A visual change someone approved on preprod (`--accept-visual`) before it reached prod.
      if (!core::json_string(step, "visual_report").empty()) ++out.visual_reviewed;
      auto security = step.find("security");
      out.updates.push_back(AppliedUpdate{event.site, component, from, to, date,
                                          security != step.end() && security->is_boolean() && security->get<bool>(),
                                          preprod == "validated" || preprod == "promoted"});
    } else if (status == "rejected" || status == "rolled back") {
      out.held_back.push_back(HeldBackUpdate{event.site, component, from, to, date, status});
    }
  }
  // Components the plan left out because the inventory pins them (`updates.pin`): kept at their
  // version on purpose, listed once per site and component (the latest run's versions).
  auto skipped = event.data.find("skipped");
  if (skipped == event.data.end() || !skipped->is_array()) return;
  for (const auto& item : *skipped) {
    if (!item.is_object() || core::json_string(item, "reason").rfind("pinned to ", 0) != 0) continue;
    auto component = core::json_string(item, "component");
    std::erase_if(out.held_back, [&](const HeldBackUpdate& h) {
      return h.status == "pinned" && h.site == event.site && h.component == component;
    });
    out.held_back.push_back(
        HeldBackUpdate{event.site, component, core::json_string(item, "installed"), core::json_string(item, "latest"),
                       date, "pinned"});
  }
}

Activity collect(const Inputs& in, SysSeconds from, SysSeconds until) {
  Activity out;
  const auto& client = in.client->id;
  for (const auto& site : in.inventory->sites) {
    if (site.client == client && site.env(std::string(k_prod))) {
      out.backups[site.name].site = site.name;
      out.backups[site.name].keep = site.backup.keep;
    }
  }
  // Events newest first from the journal; the report lists oldest first.
  std::vector<const journal::Event*> events;
  for (const auto& e : in.events) {
    if (e.at >= from && e.at < until && e.client == client) events.push_back(&e);
  }
  std::stable_sort(events.begin(), events.end(), [](const auto* a, const auto* b) { return a->at < b->at; });
  for (const auto* e : events) {
    if (e->type == "restore.finished") {
      // A restore of a prod backup counts wherever it went: restoring into preprod is how the agency
      // tests that prod's backups restore.
      if ((e->env == k_prod || core::json_string(e->data, "from") == k_prod) && out.backups.count(e->site)) {
        ++out.backups[e->site].restores;
      }
      continue;
    }
    if (e->env != k_prod || !out.backups.count(e->site)) continue; // keyed by the client's prod sites
    if (e->type == "update.finished") {
      add_update_run(*e, in.zone, out);
    } else if (e->type == "backup.finished") {
      auto& b = out.backups[e->site];
      ++b.taken;
      auto kind = core::json_string(e->data, "kind");
      ++b.by_kind[kind.empty() ? "manual" : kind];
      b.last_ok = e->at;
    } else if (e->type == "backup.failed") {
      ++out.backups[e->site].failed;
    } else if (e->type == "visual.compared") {
      out.visual_pages += count_of(e->data, "pages");
      out.visual_reviewed += count_of(e->data, "changed") + count_of(e->data, "broken");
    } else if (e->type == "update.visual") {
      out.visual_pages += count_of(e->data, "pages");
      out.visual_reviewed += count_of(e->data, "flagged");
    }
  }
  for (const auto& [site, count] : interrupted_backups(in.events, client, from, until, in.now)) {
    if (auto it = out.backups.find(site); it != out.backups.end()) it->second.interrupted = count;
  }
  // A component held back and applied later in the period is not held back any more.
  std::erase_if(out.held_back, [&](const HeldBackUpdate& h) {
    return std::any_of(out.updates.begin(), out.updates.end(), [&](const AppliedUpdate& u) {
      return u.site == h.site && u.component == h.component && u.date >= h.date;
    });
  });
  for (const auto& incident : in.incidents) {
    if (incident.client == client && incident.env == k_prod && incident.opened >= from && incident.opened < until) {
      out.incidents.push_back(&incident);
    }
  }
  return out;
}

std::vector<incident::Incident> prod_incidents(const Inputs& in) {
  std::vector<incident::Incident> out;
  for (const auto& incident : in.incidents) {
    if (incident.env == k_prod) out.push_back(incident);
  }
  return out;
}

Glance glance_of(const Activity& activity, const incident::MonthStats& stats, const contract::ClientHours& hours) {
  Glance g;
  g.sites = static_cast<int>(activity.backups.size());
  g.updates = static_cast<int>(activity.updates.size());
  g.security_fixes = static_cast<int>(
      std::count_if(activity.updates.begin(), activity.updates.end(), [](const auto& u) { return u.security; }));
  for (const auto& [site, b] : activity.backups) g.backups += b.taken;
  g.incidents = static_cast<int>(activity.incidents.size());
  g.uptime_percent = stats.uptime_percent;
  g.hours_used = hours.billable;
  g.visual_pages = activity.visual_pages;
  g.visual_reviewed = activity.visual_reviewed;
  return g;
}

IncidentRow row_of(const incident::Incident& incident, const Inputs& in) {
  IncidentRow row{incident.id,       incident.site,
                  incident.title,    incident.severity,
                  incident.opened,   incident.first_response(),
                  incident.resolved, std::nullopt,
                  std::nullopt};
  const auto& sla = in.client->contract.sla;
  if (!sla) return row;
  auto target = incident::target_for(*sla, incident.severity);
  if (!target) return row;
  auto clock = incident::SlaClock::for_sla(*sla, in.inventory->agency, in.zone);
  row.respond_sla = incident::evaluate(clock, incident.opened, row.first_response, target->respond, in.now).status;
  row.resolve_sla = incident::evaluate(clock, incident.opened, incident.resolved, target->resolve, in.now).status;
  return row;
}

std::vector<WeekHours> weeks_of(const Inputs& in) {
  std::vector<WeekHours> weeks;
  auto monday = contract::add_days(in.period.from, 1 - incident::iso_weekday(in.period.from));
  for (auto day = monday; day <= in.period.to; day = contract::add_days(day, 7)) weeks.push_back(WeekHours{day, {}});
  for (const auto& entry : in.entries) {
    if (entry.client != in.client->id || !entry.counts() || !in.period.contains(entry.date)) continue;
    for (auto it = weeks.rbegin(); it != weeks.rend(); ++it) {
      if (it->monday <= entry.date) {
        it->billable += entry.duration;
        break;
      }
    }
  }
  return weeks;
}

// What the latest check of each prod site before `until` anticipates (the `lifecycle` of its `check`
// event, docs/journal.md): support ending, a domain lapsing, a plugin withdrawn. `untested` plugins
// stay internal: the agency's concern, not yet the client's.
// The latest `check` event of each of the client's prod sites before `until`.
std::map<std::string, const journal::Event*> latest_checks(const Inputs& in, SysSeconds until) {
  std::map<std::string, const journal::Event*> latest; // by site
  for (const auto& e : in.events) {
    if (e.type != "check" || e.env != k_prod || e.client != in.client->id || e.at >= until) continue;
    const auto* site = in.inventory->site(e.site);
    if (site == nullptr || site->client != in.client->id) continue; // a site since removed or handed over
    auto& slot = latest[e.site];
    if (slot == nullptr || slot->at < e.at) slot = &e;
  }
  return latest;
}

// Security findings still open and major updates pending, from the `open` of the latest checks.
void add_open_findings(const std::map<std::string, const journal::Event*>& latest, ClientReport& r) {
  for (const auto& [site, event] : latest) {
    auto items = event->data.find("open");
    if (items == event->data.end() || !items->is_array()) continue;
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      auto severity = core::json_string(item, "severity");
      if (severity == "security") {
        OpenSecurity open{site, core::json_string(item, "component"), core::json_string(item, "installed"),
                          core::json_string(item, "fixed_in"), {}};
        if (auto ids = item.find("advisories"); ids != item.end() && ids->is_array()) {
          for (const auto& id : *ids) {
            if (id.is_string()) open.advisories.push_back(id.get<std::string>());
          }
        }
        r.open_security.push_back(std::move(open));
      } else if (severity == "major") {
        r.recommendations.push_back({"pending_major", site,
                                     {{"component", core::json_string(item, "component")},
                                      {"version", core::json_string(item, "installed")},
                                      {"latest", core::json_string(item, "latest")}}});
      }
    }
  }
}

void add_coming_up(const std::map<std::string, const journal::Event*>& latest, std::vector<Recommendation>& out) {
  static const std::map<std::string, std::string, std::less<>> kinds = {
      {"eol", "coming_eol"},         {"eol-soon", "coming_eol_soon"},       {"domain", "coming_domain"},
      {"closed", "coming_closed"},   {"abandoned", "coming_abandoned"},     {"unsupported", "coming_unsupported"},
      {"insecure", "coming_insecure"}};
  for (const auto& [site, event] : latest) {
    auto items = event->data.find("lifecycle");
    if (items == event->data.end() || !items->is_array()) continue;
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      auto kind = kinds.find(core::json_string(item, "type"));
      if (kind == kinds.end()) continue;
      auto label = core::json_string(item, "label");
      out.push_back({kind->second, site,
                     {{"name", label.empty() ? core::json_string(item, "name") : label},
                      {"version", core::json_string(item, "installed")},
                      {"successor", core::json_string(item, "latest")},
                      {"ends_on", core::json_string(item, "ends_on")}}});
    }
  }
}

std::vector<Recommendation> recommend(const ClientReport& r) {
  std::vector<Recommendation> out;
  for (const auto& h : r.held_back) {
    if (h.status == "pinned") continue; // a choice made with the client, not something to chase
    out.push_back({"held_back", h.site, {{"component", h.component}, {"version", h.to}, {"reason", h.status}}});
  }
  std::map<std::string, int> per_site;
  for (const auto& i : r.incidents) ++per_site[i.site];
  for (const auto& [site, count] : per_site) {
    if (count >= 2) out.push_back({"recurring_incidents", site, {{"count", std::to_string(count)}}});
  }
  for (const auto& b : r.backups) {
    if (b.failed > 0) out.push_back({"backup_failed", b.site, {{"count", std::to_string(b.failed)}}});
    // Its own kind, not `backup_failed`'s count: no failure was recorded, the run itself was stopped,
    // so the agency looks at the scheduler, not at the site's backup.
    if (b.interrupted > 0) out.push_back({"backup_interrupted", b.site, {{"count", std::to_string(b.interrupted)}}});
    if (b.taken == 0) out.push_back({"no_backup", b.site, {}});
  }
  if (const auto* bank = std::get_if<contract::HourBankFigures>(&r.hours.figures); bank && bank->low_balance) {
    out.push_back({"low_balance", "", {{"seconds", std::to_string(bank->balance_left.count())}}});
  }
  if (const auto* sub = std::get_if<contract::SubscriptionFigures>(&r.hours.figures); sub && sub->overage.count() > 0) {
    out.push_back({"overage", "", {{"seconds", std::to_string(sub->overage.count())}}});
  }
  return out;
}

} // namespace

contract::Period previous_period(const contract::Period& period, PeriodKind kind) {
  auto before = contract::add_days(period.from, -1);
  if (kind == PeriodKind::month) return contract::month_of(before);
  if (kind == PeriodKind::quarter) {
    auto first_month = (before.month - 1) / 3 * 3 + 1;
    auto quarter = contract::parse_quarter(fmt::format("{:04}-Q{}", before.year, (first_month - 1) / 3 + 1));
    return *quarter;
  }
  auto days = core::days_from_civil(period.to) - core::days_from_civil(period.from);
  return *contract::make_range(contract::add_days(before, -static_cast<int>(days)), before);
}

ClientReport build(const Inputs& in) {
  ClientReport r;
  r.client_id = in.client->id;
  r.client_name = in.client->name.empty() ? in.client->id : in.client->name;
  r.lang = in.lang;
  r.period = in.period;
  r.kind = in.kind;
  r.timezone = in.zone.name();
  r.currency = in.inventory->agency.currency;
  r.generated = in.now;

  auto from = in.zone.start_of_day(in.period.from);
  auto until = in.zone.start_of_day(contract::add_days(in.period.to, 1));
  auto activity = collect(in, from, until);
  auto prod = prod_incidents(in);
  r.availability = incident::period_stats(prod, r.client_id, *in.inventory, in.zone, from, until, in.now);

  for (const auto& [site, b] : activity.backups) r.sites.push_back(site);
  r.updates = activity.updates;
  r.held_back = activity.held_back;
  r.postponed = postponed_updates(in.events, r.client_id, r.sites, in.zone, from, until);
  for (const auto& [site, b] : activity.backups) r.backups.push_back(b);
  for (const auto* incident : activity.incidents) r.incidents.push_back(row_of(*incident, in));
  r.hours = in.hours;
  std::map<contract::Category, Seconds> categories;
  for (const auto& entry : in.entries) {
    if (entry.client == r.client_id && entry.counts() && in.period.contains(entry.date)) {
      categories[entry.category] += entry.duration;
    }
  }
  for (const auto& [category, seconds] : categories) r.by_category.emplace_back(category, seconds);
  r.weeks = weeks_of(in);
  r.glance = glance_of(activity, r.availability, in.hours);

  if (in.previous_covered) {
    auto previous = previous_period(in.period, in.kind);
    auto p_from = in.zone.start_of_day(previous.from);
    auto p_until = in.zone.start_of_day(contract::add_days(previous.to, 1));
    auto p_activity = collect(in, p_from, p_until);
    auto p_stats = incident::period_stats(prod, r.client_id, *in.inventory, in.zone, p_from, p_until, in.now);
    r.previous = glance_of(p_activity, p_stats, in.previous_hours);
  }
  if (in.kind == PeriodKind::quarter) {
    // The quarterly pack's trends: each month as its own monthly report would count it.
    for (auto day = in.period.from; day <= in.period.to; day = contract::add_days(contract::month_of(day).to, 1)) {
      auto month = contract::month_of(day);
      auto m_from = in.zone.start_of_day(month.from);
      auto m_until = in.zone.start_of_day(contract::add_days(month.to, 1));
      auto m_stats = incident::period_stats(prod, r.client_id, *in.inventory, in.zone, m_from, m_until, in.now);
      auto m_hours = contract::summarize_client(*in.client, in.entries, month);
      r.trends.push_back({month, glance_of(collect(in, m_from, m_until), m_stats, m_hours)});
    }
  }
  r.daily = daily_health(in.events, r.sites, in.period);
  {
    auto previous = previous_period(in.period, in.kind);
    r.speed = page_speed(in.events, r.sites, from, until, in.zone.start_of_day(previous.from),
                         in.zone.start_of_day(contract::add_days(previous.to, 1)));
  }
  r.recommendations = recommend(r);
  add_certificate_recommendations(r.daily, *in.inventory, r.recommendations);
  auto checks = latest_checks(in, until);
  add_open_findings(checks, r);
  add_coming_up(checks, r.recommendations);
  r.topics = meeting_topics(r);
  return r;
}

} // namespace tma::client_report
