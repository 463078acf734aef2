// The quarterly follow-up meeting's topics: see topics.hpp.
#include "client_report/topics.hpp"

#include <set>

#include <tma/client_report/locale.hpp>
#include <tma/core/text.hpp>

namespace tma::client_report {
namespace {

using nlohmann::json;

// Below this, a month's uptime is worth an agenda item; above it, the SLA section says enough.
constexpr double k_uptime_topic_below = 99.5;
// A page this much slower than last quarter (load time) is worth an agenda item.
constexpr double k_slower_topic_ratio = 1.2;

std::string joined(const std::set<std::string>& items) {
  return core::join(std::vector<std::string>(items.begin(), items.end()), ", ");
}

std::string component_name(const std::string& component) {
  auto colon = component.find(':');
  return colon == std::string::npos ? component : component.substr(colon + 1);
}

} // namespace

std::vector<Topic> meeting_topics(const ClientReport& r) {
  std::vector<Topic> out;
  if (r.kind != PeriodKind::quarter) return out;

  if (!r.open_security.empty()) {
    std::set<std::string> sites;
    for (const auto& o : r.open_security) sites.insert(o.site);
    out.push_back({"security_open", {{"count", std::to_string(r.open_security.size())}, {"sites", joined(sites)}}});
  }

  std::set<std::string> upgrades, upgrade_sites;
  for (const auto& rec : r.recommendations) {
    bool coming = rec.kind.rfind("coming_", 0) == 0 && rec.kind != "coming_domain" && rec.kind != "coming_certificate";
    if (!coming && rec.kind != "pending_major") continue;
    auto name = rec.values.count("name") ? rec.values.at("name") : component_name(rec.values.count("component") ? rec.values.at("component") : "");
    if (name.empty()) continue;
    upgrades.insert(name);
    upgrade_sites.insert(rec.site);
  }
  if (!upgrades.empty()) out.push_back({"upgrades", {{"items", joined(upgrades)}, {"sites", joined(upgrade_sites)}}});

  std::map<std::string, int> per_site;
  for (const auto& i : r.incidents) ++per_site[i.site];
  std::set<std::string> recurring;
  for (const auto& [site, count] : per_site) {
    if (count >= 2) recurring.insert(site);
  }
  if (!recurring.empty()) out.push_back({"recurring_incidents", {{"sites", joined(recurring)}}});

  std::vector<std::string> low_months;
  for (const auto& t : r.trends) {
    if (t.glance.uptime_percent && *t.glance.uptime_percent < k_uptime_topic_below) low_months.push_back(t.month.label);
  }
  if (!low_months.empty()) out.push_back({"uptime", {{"months", core::join(low_months, ",")}}});

  std::set<std::string> slower;
  for (const auto& p : r.speed) {
    if (p.previous_total && p.previous_total->count() > 0 &&
        static_cast<double>(p.total.count()) >= k_slower_topic_ratio * static_cast<double>(p.previous_total->count())) {
      slower.insert(p.site + " " + p.path);
    }
  }
  if (!slower.empty()) out.push_back({"slower_pages", {{"pages", joined(slower)}}});

  if (const auto* sub = std::get_if<contract::SubscriptionFigures>(&r.hours.figures)) {
    int over = 0;
    for (const auto& m : sub->months) over += m.overage.count() > 0 ? 1 : 0;
    if (over > 0) {
      out.push_back({"overage_months", {{"count", std::to_string(over)}, {"total", std::to_string(sub->months.size())}}});
    }
  }
  if (const auto* bank = std::get_if<contract::HourBankFigures>(&r.hours.figures); bank && bank->low_balance) {
    out.push_back({"low_balance", {{"seconds", std::to_string(bank->balance_left.count())}}});
  }
  out.push_back({"next_quarter", {}});
  return out;
}

json topics_view(const ClientReport& r) {
  json rows = json::array();
  for (const auto& topic : r.topics) {
    auto values = topic.values;
    if (auto it = values.find("months"); it != values.end()) {
      std::vector<std::string> names;
      std::string_view rest = it->second;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto month = contract::parse_month(rest.substr(0, comma));
        if (month) names.push_back(month_name(month->from.year, month->from.month, r.lang));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      it->second = core::join(names, ", ");
    }
    if (auto it = values.find("seconds"); it != values.end()) values["hours"] = format_hours(core::Seconds(std::stoll(it->second)));
    rows.push_back(json{{"text", fill(r.lang, "topic_" + topic.kind, values)}});
  }
  bool has = !rows.empty();
  return {{"has", has}, {"rows", std::move(rows)}};
}

json topics_json(const std::vector<Topic>& topics) {
  auto out = json::array();
  for (const auto& t : topics) out.push_back({{"kind", t.kind}, {"values", t.values}});
  return out;
}

} // namespace tma::client_report
