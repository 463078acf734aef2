// `clients:` and their contracts.
#include <algorithm>

#include <fmt/format.h>

#include "inventory/sections.hpp"

namespace tma::inventory::detail {
namespace {

std::optional<SlaTarget> read_sla_target(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  MapReader map(ctx, node, key);
  SlaTarget target;
  auto respond = map.duration("respond");
  auto resolve = map.duration("resolve");
  if (map.ok() && !map.has("respond")) ctx.error(node, map.sub("respond"), "required key is missing");
  if (map.ok() && !map.has("resolve")) ctx.error(node, map.sub("resolve"), "required key is missing");
  map.finish();
  if (!respond || !resolve) return std::nullopt;
  if (*respond > *resolve) ctx.error(node, key, "'respond' must not be longer than 'resolve'");
  return SlaTarget{*respond, *resolve};
}

Sla read_sla(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  Sla sla;
  MapReader map(ctx, node, key);
  if (auto v = map.choice("clock", {"business", "24x7"})) sla.clock = *v == "business" ? SlaClock::business : SlaClock::always;
  if (auto n = map.get("critical"); n.IsDefined()) sla.critical = read_sla_target(ctx, n, map.sub("critical"));
  if (auto n = map.get("major"); n.IsDefined()) sla.major = read_sla_target(ctx, n, map.sub("major"));
  if (auto n = map.get("minor"); n.IsDefined()) sla.minor = read_sla_target(ctx, n, map.sub("minor"));
  map.finish();
  return sla;
}

RequestTargets read_request_targets(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  RequestTargets targets;
  MapReader map(ctx, node, key);
  if (auto v = map.choice("clock", {"business", "24x7"})) {
    targets.clock = *v == "business" ? SlaClock::business : SlaClock::always;
  }
  targets.urgent = map.duration("urgent");
  targets.high = map.duration("high");
  targets.normal = map.duration("normal");
  targets.low = map.duration("low");
  map.finish();
  return targets;
}

Contract read_contract(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  Contract contract;
  MapReader map(ctx, node, key);
  if (!map.ok()) return contract;
  auto model = map.choice("model", {"subscription", "on_demand", "hour_bank"});
  if (!map.has("model")) ctx.error(node, map.sub("model"), "required key is missing (subscription, on_demand or hour_bank)");
  if (auto n = map.get("sla"); n.IsDefined()) contract.sla = read_sla(ctx, n, map.sub("sla"));
  if (auto n = map.get("request_targets"); n.IsDefined()) {
    contract.request_targets = read_request_targets(ctx, n, map.sub("request_targets"));
  }
  if (!model) {
    map.finish();
    return contract;
  }
  // Only the keys of the chosen model are known, so a stray `rate:` on a subscription is reported.
  if (*model == "subscription") {
    contract.model = ContractModel::subscription;
    if (auto v = map.money("monthly_fee", true)) contract.monthly_fee = *v;
    if (auto v = map.duration("included_hours")) contract.included = *v;
    else if (!map.has("included_hours")) ctx.error(node, map.sub("included_hours"), "required key is missing");
    if (auto v = map.money("overage_rate")) contract.overage_rate = *v;
  } else if (*model == "on_demand") {
    contract.model = ContractModel::on_demand;
    if (auto v = map.money("rate", true)) contract.rate = *v;
    if (auto v = map.duration("increment")) contract.increment = *v;
    if (auto v = map.duration("minimum")) contract.minimum = *v;
  } else {
    contract.model = ContractModel::hour_bank;
    if (auto packs = map.get("packs"); packs.IsDefined()) {
      if (!packs.IsSequence()) ctx.error(packs, map.sub("packs"), "expected a list of packs");
      for (std::size_t i = 0; packs.IsSequence() && i < packs.size(); ++i) {
        MapReader p(ctx, packs[i], fmt::format("{}[{}]", map.sub("packs"), i));
        HourPack pack;
        if (auto v = p.date("date", true)) pack.date = *v;
        if (auto v = p.duration("hours")) pack.hours = *v;
        else if (p.ok() && !p.has("hours")) ctx.error(packs[i], p.sub("hours"), "required key is missing");
        if (auto v = p.money("price", true)) pack.price = *v;
        if (auto v = p.date("expires")) {
          if (*v <= pack.date) ctx.error(p.get("expires"), p.sub("expires"), "a pack must expire after its date");
          pack.expires = *v;
        }
        p.finish();
        contract.packs.push_back(pack);
      }
    } else {
      ctx.error(node, map.sub("packs"), "required key is missing");
    }
    if (auto v = map.duration("low_balance")) contract.low_balance = *v;
    if (auto v = map.money("overage_rate")) contract.overage_rate = *v;
  }
  map.finish();
  return contract;
}

} // namespace

std::vector<Client> read_clients(LoadContext& ctx, const YAML::Node& node) {
  std::vector<Client> out;
  for (const auto& entry : named_entries(ctx, node, "clients")) {
    auto key = join_key("clients", entry.name);
    if (!check_name(ctx, entry.key_node, key, entry.name)) continue;
    MapReader map(ctx, entry.value, key);
    Client client;
    client.id = entry.name;
    client.name = entry.name;
    client.mark = ctx.mark(entry.key_node);
    if (auto v = map.string("name")) client.name = *v;
    if (auto v = map.choice("lang", {"fr", "en"})) client.lang = *v == "fr" ? Lang::fr : Lang::en;
    if (auto n = map.get("contacts"); n.IsDefined()) client.contacts = read_contacts(ctx, n, map.sub("contacts"));
    if (auto n = map.get("contract"); n.IsDefined()) client.contract = read_contract(ctx, n, map.sub("contract"));
    else if (map.ok()) ctx.error(entry.value, map.sub("contract"), "required key is missing");
    if (auto n = map.get("report"); n.IsDefined()) {
      MapReader report(ctx, n, map.sub("report"));
      if (auto schedule = read_schedule_key(report, "schedule")) client.report_schedule = std::move(*schedule);
      report.finish();
    }
    map.finish();
    out.push_back(std::move(client));
  }
  std::sort(out.begin(), out.end(), [](const Client& a, const Client& b) { return a.id < b.id; });
  return out;
}

} // namespace tma::inventory::detail
