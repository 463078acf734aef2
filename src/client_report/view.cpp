// The localised view of a client report: every figure as the client reads it, in the client's
// language. The templates only place these strings.
#include <tma/client_report/locale.hpp>
#include <tma/client_report/render.hpp>
#include <tma/core/text.hpp>

#include "client_report/measures.hpp"
#include "client_report/topics.hpp"

#include <fmt/format.h>

namespace tma::client_report {
namespace {

using nlohmann::json;

std::string component_label(const std::string& component, Lang lang) {
  if (component == "core") return label(lang, "core");
  auto colon = component.find(':');
  return colon == std::string::npos ? component : component.substr(colon + 1);
}

std::string local_day(SysSeconds t, const core::TimeZone& zone, Lang lang) {
  return format_short_date(zone.local_date(t), lang);
}

std::string period_text(const ClientReport& r) {
  if (r.kind == PeriodKind::month) return month_name(r.period.from.year, r.period.from.month, r.lang);
  if (r.kind == PeriodKind::quarter) {
    return fill(r.lang, "quarter", {{"n", std::to_string((r.period.from.month - 1) / 3 + 1)},
                                    {"year", std::to_string(r.period.from.year)}});
  }
  return fill(r.lang, "range", {{"from", format_long_date(r.period.from, r.lang)},
                                {"to", format_long_date(r.period.to, r.lang)}});
}

std::string uptime_text(const std::optional<double>& uptime, Lang lang) {
  return uptime ? format_percent(*uptime, lang) : std::string("—");
}

json glance_view(const ClientReport& r) {
  const auto& g = r.glance;
  const auto* p = r.previous ? &*r.previous : nullptr;
  auto item = [&](std::string_view key, std::string value, std::optional<std::string> previous) {
    json out = {{"label", label(r.lang, key)}, {"value", std::move(value)}};
    if (previous) out["previous"] = fill(r.lang, "previous", {{"value", *previous}});
    return out;
  };
  auto num = [&](int v) { return format_integer(v, r.lang); };
  auto prev_num = [&](int Glance::*field) -> std::optional<std::string> {
    return p ? std::optional(num(p->*field)) : std::nullopt;
  };
  json items = json::array();
  items.push_back(item("glance_sites", num(g.sites), std::nullopt));
  items.push_back(item("glance_updates", num(g.updates), prev_num(&Glance::updates)));
  items.push_back(item("glance_security", num(g.security_fixes), prev_num(&Glance::security_fixes)));
  items.push_back(item("glance_backups", num(g.backups), prev_num(&Glance::backups)));
  items.push_back(item("glance_uptime", uptime_text(g.uptime_percent, r.lang),
                       p ? std::optional(uptime_text(p->uptime_percent, r.lang)) : std::nullopt));
  items.push_back(item("glance_incidents", num(g.incidents), prev_num(&Glance::incidents)));
  items.push_back(item("glance_hours", format_hours(g.hours_used),
                       p ? std::optional(format_hours(p->hours_used)) : std::nullopt));
  // Only for clients whose prod pages tma compares: a zero tile says nothing to the others.
  if (g.visual_pages > 0 || g.visual_reviewed > 0 || (p && (p->visual_pages > 0 || p->visual_reviewed > 0))) {
    items.push_back(item("glance_visual_pages", num(g.visual_pages), prev_num(&Glance::visual_pages)));
    items.push_back(item("glance_visual_reviewed", num(g.visual_reviewed), prev_num(&Glance::visual_reviewed)));
  }
  return items;
}

json section(json rows) {
  bool has = !rows.empty();
  return {{"has", has}, {"rows", std::move(rows)}};
}

json updates_view(const ClientReport& r, const core::TimeZone&) {
  json applied = json::array(), held = json::array(), security = json::array();
  for (const auto& u : r.updates) {
    json row = {{"site", u.site},
                {"component", component_label(u.component, r.lang)},
                {"version", fmt::format("{} → {}", u.from, u.to)},
                {"date", format_short_date(u.date, r.lang)},
                {"security", label(r.lang, u.security ? "yes" : "no")},
                {"is_security", u.security},
                {"preprod", label(r.lang, u.preprod_tested ? "yes" : "no")}};
    if (u.security) security.push_back(row);
    applied.push_back(std::move(row));
  }
  for (const auto& h : r.held_back) {
    auto reason = h.status == "rejected"      ? "status_rejected"
                  : h.status == "rolled back" ? "status_rolled_back"
                  : h.status == "pinned"      ? "status_pinned"
                                              : "status_pending";
    held.push_back({{"site", h.site},
                    {"component", component_label(h.component, r.lang)},
                    {"version", fmt::format("{} → {}", h.from, h.to)},
                    {"date", format_short_date(h.date, r.lang)},
                    {"reason", label(r.lang, reason)}});
  }
  json postponed = json::array();
  for (const auto& p : r.postponed) {
    auto reason = label(r.lang, p.reason == "backup_failed" ? "postponed_backup_failed" : "postponed_stopped");
    // The kind of error as a short phrase when there is one for it; the error's own text (paths,
    // hosts) stays in the journal.
    if (!p.error_kind.empty()) {
      try {
        reason += " (" + label(r.lang, "error_kind_" + p.error_kind) + ")";
      } catch (const std::out_of_range&) {
        // A kind without a phrase: the reason alone says enough.
      }
    }
    postponed.push_back({{"site", p.site},
                         {"component", component_label(p.component, r.lang)},
                         {"version", fmt::format("{} → {}", p.from, p.to)},
                         {"date", format_short_date(p.date, r.lang)},
                         {"reason", reason}});
  }
  json open = json::array();
  for (const auto& o : r.open_security) {
    auto fix = o.fixed_in.empty() ? label(r.lang, "security_no_fix") : fill(r.lang, "security_fix_in", {{"version", o.fixed_in}});
    open.push_back({{"site", o.site},
                    {"component", component_label(o.component, r.lang)},
                    {"version", o.installed},
                    {"detail", o.advisories.empty() ? fix : fix + " — " + core::join(o.advisories, ", ")}});
  }
  return {{"applied", section(applied)}, {"held_back", section(held)}, {"postponed", section(postponed)}, {"security", section(security)},
          {"security_open", section(open)}};
}

// `7 quotidiennes, 4 hebdomadaires, 12 mensuelles` / `7 daily, 4 weekly, 12 monthly`.
std::string retention_text(const inventory::KeepPolicy& keep, Lang lang) {
  std::string out;
  for (const auto& [count, key] : {std::pair{keep.last, "keep_last"}, {keep.hourly, "keep_hourly"}, {keep.daily, "keep_daily"},
                                  {keep.weekly, "keep_weekly"}, {keep.monthly, "keep_monthly"}, {keep.yearly, "keep_yearly"}}) {
    if (count <= 0) continue;
    if (!out.empty()) out += ", ";
    out += fill(lang, key, {{"n", format_integer(count, lang)}});
  }
  return out.empty() ? std::string("—") : out;
}

json backups_view(const ClientReport& r, const core::TimeZone& zone) {
  json rows = json::array();
  for (const auto& b : r.backups) {
    std::string kinds;
    for (const auto& [kind, count] : b.by_kind) {
      if (!kinds.empty()) kinds += ", ";
      std::string key = "kind_" + kind;
      std::string name = kind;
      try {
        name = label(r.lang, key);
      } catch (const std::out_of_range&) {
        // A kind added after this report was written: shown as recorded.
      }
      kinds += fmt::format("{} {}", format_integer(count, r.lang), name);
    }
    rows.push_back({{"site", b.site},
                    {"taken", format_integer(b.taken, r.lang)},
                    {"kinds", kinds.empty() ? json(nullptr) : json(kinds)},
                    {"last", b.last_ok ? local_day(*b.last_ok, zone, r.lang) : std::string("—")},
                    {"retention", retention_text(b.keep, r.lang)},
                    {"restores", format_integer(b.restores, r.lang)},
                    {"failed", format_integer(b.failed, r.lang)},
                    {"has_failures", b.failed > 0},
                    {"interrupted", b.interrupted > 0 ? json(fill(r.lang, "backups_interrupted",
                                                                  {{"n", format_integer(b.interrupted, r.lang)}}))
                                                      : json(nullptr)}});
  }
  return section(rows);
}

std::string sla_suffix(const std::optional<incident::SlaStatus>& status, Lang lang) {
  if (!status) return "";
  if (*status == incident::SlaStatus::met) return " (" + label(lang, "in_sla") + ")";
  if (*status == incident::SlaStatus::breached) return " (" + label(lang, "out_of_sla") + ")";
  return "";
}

json incidents_view(const ClientReport& r, const core::TimeZone& zone) {
  json rows = json::array();
  for (const auto& i : r.incidents) {
    auto severity = i.severity == inventory::Criticality::critical ? "severity_critical"
                    : i.severity == inventory::Criticality::minor  ? "severity_minor"
                                                                   : "severity_major";
    auto span = [&](const std::optional<SysSeconds>& done, const std::optional<incident::SlaStatus>& sla) {
      if (!done) return label(r.lang, "still_open");
      return format_hours(incident::elapsed(i.opened, *done)) + sla_suffix(sla, r.lang);
    };
    rows.push_back({{"id", i.id},
                    {"site", i.site},
                    {"severity", label(r.lang, severity)},
                    {"severity_class", i.severity == inventory::Criticality::critical ? "critical" : "other"},
                    {"title", i.title},
                    {"opened", local_day(i.opened, zone, r.lang)},
                    {"response", span(i.first_response, i.respond_sla)},
                    {"resolution", span(i.resolved, i.resolve_sla)}});
  }
  return section(rows);
}

json contract_view(const ClientReport& r) {
  json lines = json::array();
  auto line = [&](std::string_view key, std::string value) { lines.push_back({{"label", label(r.lang, key)}, {"value", value}}); };
  auto money = [&](core::Cents c) { return format_money(c, r.currency, r.lang); };
  std::string model;
  bool low = false;
  if (const auto* s = std::get_if<contract::SubscriptionFigures>(&r.hours.figures)) {
    model = "model_subscription";
    line("fee", money(s->fees));
    line("included", format_hours(s->included));
    line("used", format_hours(s->used));
    line("remaining", format_hours(s->remaining));
    if (s->overage.count() > 0) {
      line("overage", format_hours(s->overage));
      line("overage_amount", money(s->overage_amount));
    }
  } else if (const auto* d = std::get_if<contract::OnDemandFigures>(&r.hours.figures)) {
    model = "model_on_demand";
    line("used", format_hours(d->worked));
    line("billed", format_hours(d->billed));
    line("amount", money(d->amount));
  } else if (const auto* b = std::get_if<contract::HourBankFigures>(&r.hours.figures)) {
    model = "model_hour_bank";
    line("carried_in", format_hours(b->carried_in));
    if (b->purchased_hours.count() > 0) line("purchased", format_hours(b->purchased_hours));
    line("used", format_hours(b->used));
    if (b->expired.count() > 0) line("expired", format_hours(b->expired));
    line("balance_left", format_hours(b->balance_left));
    if (b->overage.count() > 0) {
      line("overage", format_hours(b->overage));
      line("overage_amount", money(b->overage_amount));
    }
    low = b->low_balance;
  }
  auto unbilled = r.hours.unbilled.non_billable + r.hours.unbilled.automatic;
  if (unbilled.count() > 0) line("not_billed", format_hours(unbilled));
  return {{"model", label(r.lang, model)}, {"lines", lines}, {"low_balance", low}};
}

json hours_view(const ClientReport& r, const std::string& accent) {
  json rows = json::array();
  for (const auto& [category, seconds] : r.by_category) {
    rows.push_back({{"category", label(r.lang, "cat_" + std::string(contract::to_string(category)))},
                    {"hours", format_hours(seconds)}});
  }
  std::vector<Bar> bars;
  for (const auto& w : r.weeks) {
    bars.push_back(Bar{format_short_date(w.monday, r.lang), static_cast<double>(w.billable.count()), format_hours(w.billable)});
  }
  auto out = section(rows);
  out["chart_svg"] = bar_chart_svg(label(r.lang, "hours_chart"), bars, accent);
  return out;
}

// A recommendation from the latest check (`coming_*`), dates in the report's language.
std::string coming_text(const ClientReport& r, const Recommendation& rec) {
  auto values = rec.values;
  values["site"] = rec.site;
  std::optional<core::Date> ends_on;
  if (auto parsed = core::parse_date(values["ends_on"])) ends_on = *parsed;
  if (ends_on) values["date"] = format_long_date(*ends_on, r.lang);
  if (rec.kind == "coming_eol" || rec.kind == "coming_eol_soon") {
    auto key = rec.kind == "coming_eol_soon" ? "rec_coming_eol_soon" : ends_on ? "rec_coming_eol" : "rec_coming_eol_undated";
    auto text = fill(r.lang, key, values);
    return text + fill(r.lang, values["successor"].empty() ? "rec_upgrade" : "rec_successor", values);
  }
  if (rec.kind == "coming_certificate") {
    auto today = core::TimeZone::utc().local_date(r.generated);
    return fill(r.lang, ends_on && *ends_on < today ? "rec_coming_certificate_expired" : "rec_coming_certificate", values);
  }
  if (rec.kind == "coming_domain") {
    if (!ends_on) return fill(r.lang, "rec_coming_domain_status", values);
    auto today = core::TimeZone::utc().local_date(r.generated);
    return fill(r.lang, *ends_on < today ? "rec_coming_domain_expired" : "rec_coming_domain", values);
  }
  return fill(r.lang, "rec_" + rec.kind, values);
}

// The quarter's months side by side (empty for a month or a range: the section is then left out).
json trends_view(const ClientReport& r) {
  json rows = json::array();
  for (const auto& t : r.trends) {
    const auto& g = t.glance;
    rows.push_back({{"month", month_name(t.month.from.year, t.month.from.month, r.lang)},
                    {"updates", format_integer(g.updates, r.lang)},
                    {"security", format_integer(g.security_fixes, r.lang)},
                    {"backups", format_integer(g.backups, r.lang)},
                    {"uptime", uptime_text(g.uptime_percent, r.lang)},
                    {"incidents", format_integer(g.incidents, r.lang)},
                    {"hours", format_hours(g.hours_used)}});
  }
  return section(rows);
}

json recommendations_view(const ClientReport& r) {
  json items = json::array();
  for (const auto& rec : r.recommendations) {
    if (rec.kind.rfind("coming_", 0) == 0) {
      items.push_back(json{{"text", coming_text(r, rec)}});
      continue;
    }
    auto values = rec.values;
    values["site"] = rec.site;
    if (auto it = values.find("component"); it != values.end()) it->second = component_label(it->second, r.lang);
    if (auto it = values.find("reason"); it != values.end()) {
      it->second = label(r.lang, it->second == "rejected" ? "status_rejected" : "status_rolled_back");
    }
    if (auto it = values.find("seconds"); it != values.end()) values["hours"] = format_hours(core::Seconds(std::stoll(it->second)));
    static const std::map<std::string, std::string, std::less<>> keys = {
        {"held_back", "rec_held_back"},     {"recurring_incidents", "rec_recurring"}, {"backup_failed", "rec_backup_failed"},
        {"backup_interrupted", "rec_backup_interrupted"}, {"no_backup", "rec_no_backup"},     {"low_balance", "rec_low_balance"},       {"overage", "rec_overage"},
        {"pending_major", "rec_pending_major"}};
    items.push_back(json{{"text", fill(r.lang, keys.at(rec.kind), values)}});
  }
  return section(items);
}

json labels_view(Lang lang) {
  json out = json::object();
  for (const char* key : {"title", "colon", "prepared_for", "period", "nothing", "glance_title", "updates_title", "col_site",
                          "col_component", "col_version", "col_date", "col_security", "col_preprod", "held_back_title",
                          "col_reason", "postponed_title", "postponed_intro", "trends_title", "col_month", "glance_updates", "glance_security", "glance_backups",
                          "glance_uptime", "glance_incidents", "glance_hours", "security_title", "security_fixed", "security_none", "security_open", "backups_title",
                          "col_backups", "col_last_backup", "col_retention", "col_restore_tests", "col_failures", "availability_title",
                          "incidents_title", "col_severity", "col_subject", "col_opened", "col_response",
                          "col_resolution", "daily_title", "daily_none", "speed_title", "speed_none", "speed_intro", "col_page",
                          "col_ttfb", "col_load", "col_weight", "col_requests", "col_change", "hours_title", "col_category", "col_hours", "hours_chart",
                          "contract_title", "low_balance", "recommendations_title", "rec_none", "topics_title", "topics_intro"}) {
    out[key] = label(lang, key);
  }
  return out;
}

} // namespace

std::string mail_subject(const ClientReport& r, const std::string& agency_name) {
  auto agency = agency_name.empty() ? std::string() : agency_name + label(r.lang, "colon");
  return fill(r.lang, "mail_subject", {{"agency", agency}, {"period", period_text(r)}, {"client", r.client_name}});
}

nlohmann::json view_of(const ClientReport& r, const Branding& branding, const core::TimeZone& zone) {
  json availability = {{"uptime_line", fill(r.lang, "uptime_line", {{"uptime", uptime_text(r.availability.uptime_percent, r.lang)}})}};
  if (r.availability.downtime.count() > 0) {
    availability["downtime_line"] = fill(r.lang, "downtime_line", {{"downtime", format_hours(r.availability.downtime)}});
  } else {
    availability["downtime_line"] = label(r.lang, "no_outage");
  }
  // Mustache sections test strings for presence, and an empty string still counts: absent is null.
  auto optional_text = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
  return {{"lang", std::string(lang_code(r.lang))},
          {"l", labels_view(r.lang)},
          {"agency", optional_text(branding.agency_name)},
          {"accent", branding.accent},
          {"logo", optional_text(branding.logo_data_uri)},
          {"closing", optional_text(branding.closing)},
          {"client", r.client_name},
          {"period", period_text(r)},
          {"glance", glance_view(r)},
          {"updates", updates_view(r, zone)},
          {"backups", backups_view(r, zone)},
          {"availability", availability},
          {"daily", daily_view(r, branding.accent)},
          {"speed", speed_view(r)},
          {"incidents", incidents_view(r, zone)},
          {"hours", hours_view(r, branding.accent)},
          {"contract", contract_view(r)},
          {"recommendations", recommendations_view(r)},
          {"trends", trends_view(r)},
          {"topics", topics_view(r)},
          {"generated", fill(r.lang, "generated", {{"date", format_long_date(zone.local_date(r.generated), r.lang)}})}};
}

} // namespace tma::client_report
