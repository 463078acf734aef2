#include <tma/incident/incident.hpp>

#include <tma/core/json.hpp>
#include <tma/incident/numbering.hpp>

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace tma::incident {

namespace {

std::optional<SysSeconds> time_field(const nlohmann::json& data, const char* key) {
  if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return std::nullopt;
  auto parsed = core::parse_rfc3339(data[key].get<std::string>());
  if (!parsed) return std::nullopt;
  return *parsed;
}

nlohmann::json follow_up(const Incident& incident) {
  return {{"incident", incident.number}, {"opened_event", incident.opened_event}};
}

journal::Subject subject_of(const Incident& incident) { return {incident.site, incident.env, incident.client}; }

core::Error usage(std::string message) { return core::Error{core::ErrorKind::usage, std::move(message)}; }

} // namespace

std::optional<SysSeconds> Incident::first_response() const {
  if (acknowledged && resolved) return std::min(*acknowledged, *resolved);
  return acknowledged ? acknowledged : resolved;
}

std::string_view to_string(Source source) {
  switch (source) {
  case Source::manual: return "manual";
  case Source::monitoring: return "monitoring";
  case Source::update: return "update";
  }
  return "manual";
}

std::optional<Criticality> parse_severity(std::string_view text) {
  if (text == "critical") return Criticality::critical;
  if (text == "major") return Criticality::major;
  if (text == "minor") return Criticality::minor;
  return std::nullopt;
}

std::vector<Incident> fold(const std::vector<journal::Event>& events) {
  std::vector<const journal::Event*> sorted;
  sorted.reserve(events.size());
  for (const auto& e : events) {
    if (e.type.rfind("incident.", 0) == 0) sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return event_before(*a, *b); });

  std::vector<Incident> incidents;
  std::map<std::string, std::size_t> by_event;  // opened_event -> index
  std::map<std::string, std::vector<std::size_t>> by_number;
  for (const auto* e : sorted) {
    if (e->type != k_opened) continue;
    Incident incident;
    incident.number = core::json_string(e->data, "incident");
    if (incident.number.empty()) continue;
    incident.opened_event = e->id;
    incident.site = e->site;
    incident.env = e->env;
    incident.client = e->client;
    incident.severity = parse_severity(core::json_string(e->data, "severity")).value_or(Criticality::major);
    incident.title = core::json_string(e->data, "title");
    incident.ticket = core::json_string(e->data, "ticket");
    incident.request = core::json_string(e->data, "request");
    auto source = core::json_string(e->data, "source");
    incident.source = source == "monitoring" ? Source::monitoring : source == "update" ? Source::update : Source::manual;
    incident.problem = core::json_string(e->data, "problem");
    incident.run = core::json_string(e->data, "run");
    incident.opened = time_field(e->data, "opened_at").value_or(e->at);
    incident.opened_by = e->actor;
    if (incident.source == Source::monitoring) incident.outages.push_back({incident.opened, std::nullopt});
    // The clash rule: the first opening (by event time, then id) keeps the number.
    auto& same = by_number[incident.number];
    incident.id = display_id(incident.number, same.empty(), e->run);
    same.push_back(incidents.size());
    by_event[e->id] = incidents.size();
    incidents.push_back(std::move(incident));
  }

  for (const auto* e : sorted) {
    if (e->type == k_opened) continue;
    auto key = core::json_string(e->data, "opened_event");
    std::optional<std::size_t> index;
    if (auto it = by_event.find(key); it != by_event.end()) {
      index = it->second;
    } else if (auto n = by_number.find(core::json_string(e->data, "incident")); n != by_number.end() && n->second.size() == 1) {
      index = n->second.front();
    }
    if (!index) continue;
    auto& incident = incidents[*index];
    if (e->type == k_acknowledged) {
      if (!incident.acknowledged) incident.acknowledged = time_field(e->data, "acknowledged_at").value_or(e->at);
    } else if (e->type == k_noted) {
      incident.notes.push_back({e->at, e->actor, core::json_string(e->data, "text")});
    } else if (e->type == k_resolved) {
      if (incident.resolved) continue; // a second resolution (after a sync) changes nothing
      incident.resolved = time_field(e->data, "resolved_at").value_or(e->at);
      incident.cause = core::json_string(e->data, "cause");
      if (e->data.contains("downtime_seconds") && e->data["downtime_seconds"].is_number_integer()) {
        Seconds downtime{std::max(0LL, e->data["downtime_seconds"].get<long long>())};
        incident.downtime += downtime;
        // The measured downtime is authoritative for the outage's start (first failed check).
        if (!incident.outages.empty() && !incident.outages.back().end) incident.outages.pop_back();
        incident.outages.push_back({*incident.resolved - downtime, incident.resolved});
      } else if (!incident.outages.empty() && !incident.outages.back().end) {
        incident.outages.back().end = incident.resolved;
      }
    } else if (e->type == k_reopened) {
      incident.resolved.reset();
      incident.cause.clear();
      incident.notes.push_back({e->at, e->actor, "reopened: " + core::json_string(e->data, "reason")});
      if (incident.source == Source::monitoring) {
        incident.outages.push_back({time_field(e->data, "down_since").value_or(e->at), std::nullopt});
      }
    }
  }
  // Listed by when they started (`--at` may predate incidents recorded earlier).
  std::stable_sort(incidents.begin(), incidents.end(),
                   [](const Incident& a, const Incident& b) { return a.opened < b.opened; });
  return incidents;
}

core::Result<std::vector<Incident>> load_all(const journal::Journal& journal) {
  journal::Filter filter;
  filter.types = {"incident."};
  auto events = journal::read_events(journal, filter);
  if (!events) return tl::unexpected(events.error());
  return fold(*events);
}

core::Result<Incident> find(const std::vector<Incident>& incidents, std::string_view id) {
  std::vector<const Incident*> numbered;
  for (const auto& incident : incidents) {
    if (incident.id == id) return incident;
    if (incident.number == id) numbered.push_back(&incident);
  }
  if (numbered.size() == 1) return *numbered.front();
  if (numbered.empty()) return tl::unexpected(usage(fmt::format("no incident '{}' in the journal", id)));
  std::string names;
  for (const auto* i : numbered) names += (names.empty() ? "" : ", ") + i->id;
  return tl::unexpected(usage(fmt::format("'{}' names several incidents after a journal sync: {}", id, names)));
}

std::string next_number(const std::vector<Incident>& incidents, SysSeconds opened, const core::TimeZone& zone) {
  std::vector<std::string> taken;
  taken.reserve(incidents.size());
  for (const auto& incident : incidents) taken.push_back(incident.number);
  return incident::next_number("INC", taken, opened, zone);
}

core::Result<Incident> open(journal::Journal& journal, journal::Run& run, const OpenRequest& request,
                            const core::TimeZone& zone) {
  if (request.title.empty()) return tl::unexpected(usage("an incident needs a title"));
  auto now = journal.now();
  auto opened = request.at.value_or(now);
  if (opened > now) return tl::unexpected(usage("--at: the incident cannot start in the future"));
  auto existing = load_all(journal);
  if (!existing) return tl::unexpected(existing.error());
  auto number = next_number(*existing, opened, zone);
  nlohmann::json data = request.extra.is_object() ? request.extra : nlohmann::json::object();
  data["incident"] = number;
  data["severity"] = std::string(inventory::to_string(request.severity));
  data["title"] = request.title;
  data["source"] = std::string(to_string(request.source));
  data["opened_at"] = core::format_rfc3339_utc(opened);
  if (!request.ticket.empty()) data["ticket"] = request.ticket;
  if (!request.request.empty()) data["request"] = request.request;
  if (!request.problem.empty()) data["problem"] = request.problem;
  if (!request.run.empty()) data["run"] = request.run;
  auto event = run.record(std::string(k_opened), {request.site, request.env, request.client}, data);
  // Commit now: the number is taken in the journal before anything slow happens.
  if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
  auto incidents = fold({event});
  return incidents.front();
}

core::Result<journal::Event> acknowledge(journal::Run& run, const Incident& incident, std::optional<SysSeconds> at) {
  if (!incident.is_open()) return tl::unexpected(usage(fmt::format("{} is already resolved", incident.id)));
  if (incident.acknowledged) {
    return tl::unexpected(usage(fmt::format("{} was already acknowledged at {}", incident.id,
                                            core::format_rfc3339_utc(*incident.acknowledged))));
  }
  if (auto when = at.value_or(run.now()); when < incident.opened) {
    return tl::unexpected(usage(fmt::format("{} cannot be acknowledged at {}, before it was opened at {}", incident.id,
                                            core::format_rfc3339_utc(when), core::format_rfc3339_utc(incident.opened))));
  }
  auto data = follow_up(incident);
  if (at) data["acknowledged_at"] = core::format_rfc3339_utc(*at);
  return run.record(std::string(k_acknowledged), subject_of(incident), data);
}

core::Result<journal::Event> note(journal::Run& run, const Incident& incident, const std::string& text) {
  if (text.empty()) return tl::unexpected(usage("a note needs some text"));
  auto data = follow_up(incident);
  data["text"] = text;
  return run.record(std::string(k_noted), subject_of(incident), data);
}

core::Result<journal::Event> resolve(journal::Run& run, const Incident& incident, const std::string& cause,
                                     std::optional<SysSeconds> at, std::optional<Seconds> downtime) {
  if (!incident.is_open()) {
    return tl::unexpected(usage(fmt::format("{} was already resolved at {}", incident.id,
                                            core::format_rfc3339_utc(*incident.resolved))));
  }
  auto when = at.value_or(run.now());
  if (when < incident.opened) {
    return tl::unexpected(usage(fmt::format("{} cannot be resolved at {}, before it was opened at {}", incident.id,
                                            core::format_rfc3339_utc(when), core::format_rfc3339_utc(incident.opened))));
  }
  if (incident.acknowledged && when < *incident.acknowledged) {
    return tl::unexpected(usage(fmt::format("{} cannot be resolved at {}, before it was acknowledged at {}", incident.id,
                                            core::format_rfc3339_utc(when),
                                            core::format_rfc3339_utc(*incident.acknowledged))));
  }
  auto data = follow_up(incident);
  if (at) data["resolved_at"] = core::format_rfc3339_utc(*at);
  if (!cause.empty()) data["cause"] = cause;
  if (downtime) data["downtime_seconds"] = downtime->count();
  return run.record(std::string(k_resolved), subject_of(incident), data);
}

journal::Event reopen(journal::Run& run, const Incident& incident, const std::string& reason, SysSeconds down_since) {
  auto data = follow_up(incident);
  data["reason"] = reason;
  data["down_since"] = core::format_rfc3339_utc(down_since);
  return run.record(std::string(k_reopened), subject_of(incident), data);
}

std::string priority_of(const Incident& incident) {
  return incident.internal() ? std::string("internal") : std::string(inventory::to_string(incident.severity));
}

Timing timing(const Incident& incident, const inventory::Inventory& inventory, const core::TimeZone& zone,
              SysSeconds now) {
  Timing t;
  if (incident.acknowledged) t.to_acknowledge = elapsed(incident.opened, *incident.acknowledged);
  if (incident.resolved) t.to_resolve = elapsed(incident.opened, *incident.resolved);
  const auto* client = inventory.client(incident.client);
  if (client == nullptr || !client->contract.sla || incident.internal()) return t;
  auto target = target_for(*client->contract.sla, incident.severity);
  if (!target) return t;
  auto clock = SlaClock::for_sla(*client->contract.sla, inventory.agency, zone);
  t.respond = evaluate(clock, incident.opened, incident.first_response(), target->respond, now);
  t.resolve = evaluate(clock, incident.opened, incident.resolved, target->resolve, now);
  return t;
}

std::string_view status_of(const Incident& incident) {
  if (incident.resolved) return "resolved";
  return incident.acknowledged ? "acknowledged" : "open";
}

nlohmann::json to_json(const Incident& incident, const Timing& timing) {
  auto time_or_null = [](const std::optional<SysSeconds>& t) -> nlohmann::json {
    return t ? nlohmann::json(core::format_rfc3339_utc(*t)) : nlohmann::json(nullptr);
  };
  auto seconds_or_null = [](const std::optional<Seconds>& s) -> nlohmann::json {
    return s ? nlohmann::json(s->count()) : nlohmann::json(nullptr);
  };
  auto sla = [&](const std::optional<SlaCheck>& check) -> nlohmann::json {
    if (!check) return nullptr;
    return {{"status", std::string(to_string(check->status))},
            {"budget_seconds", check->budget.count()},
            {"used_seconds", check->used.count()},
            {"deadline", time_or_null(check->deadline)}};
  };
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : incident.notes) {
    notes.push_back({{"at", core::format_rfc3339_utc(n.at)}, {"actor", n.actor}, {"text", n.text}});
  }
  return {{"id", incident.id},
          {"site", incident.site},
          {"env", incident.env},
          {"client", incident.client},
          {"severity", std::string(inventory::to_string(incident.severity))},
          {"priority", priority_of(incident)},
          {"internal", incident.internal()},
          {"title", incident.title},
          {"ticket", incident.ticket},
          {"request", incident.request.empty() ? nlohmann::json(nullptr) : nlohmann::json(incident.request)},
          {"source", std::string(to_string(incident.source))},
          {"problem", incident.problem},
          {"run", incident.run},
          {"status", std::string(status_of(incident))},
          {"opened_at", core::format_rfc3339_utc(incident.opened)},
          {"acknowledged_at", time_or_null(incident.acknowledged)},
          {"resolved_at", time_or_null(incident.resolved)},
          {"cause", incident.cause},
          {"downtime_seconds", incident.downtime.count()},
          {"time_to_acknowledge_seconds", seconds_or_null(timing.to_acknowledge)},
          {"time_to_resolve_seconds", seconds_or_null(timing.to_resolve)},
          {"sla", {{"respond", sla(timing.respond)}, {"resolve", sla(timing.resolve)}}},
          {"notes", notes}};
}

} // namespace tma::incident
