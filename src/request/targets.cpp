#include <tma/request/targets.hpp>

#include <fmt/format.h>

namespace tma::request {

std::string_view to_string(ResponseState state) {
  switch (state) {
  case ResponseState::met: return "met";
  case ResponseState::late: return "late";
  case ResponseState::due: return "due";
  }
  return "due";
}

std::optional<Seconds> target_for(const inventory::RequestTargets& targets, Priority priority) {
  switch (priority) {
  case Priority::urgent: return targets.urgent;
  case Priority::high: return targets.high;
  case Priority::normal: return targets.normal;
  case Priority::low: return targets.low;
  }
  return std::nullopt;
}

std::optional<ResponseCheck> check_response(const Request& request, const inventory::Inventory& inventory,
                                            const core::TimeZone& zone, SysSeconds now) {
  const auto* client = inventory.client(request.client);
  if (client == nullptr || !client->contract.request_targets) return std::nullopt;
  const auto& targets = *client->contract.request_targets;
  auto budget = target_for(targets, request.priority);
  if (!budget) return std::nullopt;
  // The incidents' SLA clock, on the same agency business hours: a 4h target opened on Friday at
  // 17:00 is due on Monday at 12:00.
  auto clock = targets.clock == inventory::SlaClock::business
                   ? incident::SlaClock::business(inventory.agency.business_hours, zone)
                   : incident::SlaClock::always();
  auto sla = incident::evaluate(clock, request.opened, request.first_response, *budget, now);
  ResponseCheck check;
  check.target = *budget;
  check.used = sla.used;
  check.deadline = sla.deadline;
  if (sla.status == incident::SlaStatus::met) check.state = ResponseState::met;
  else if (sla.status == incident::SlaStatus::breached) check.state = ResponseState::late;
  else {
    check.state = ResponseState::due;
    if (sla.deadline) check.due_in = incident::elapsed(now, *sla.deadline);
  }
  return check;
}

std::string response_cell(const std::optional<ResponseCheck>& check) {
  if (!check) return "-";
  if (check->state == ResponseState::due && check->due_in) {
    // Whole minutes: a table read by people (JSON keeps the seconds).
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(*check->due_in);
    if (minutes.count() == 0) return "due now";
    return fmt::format("due in {}", core::format_duration(minutes));
  }
  return std::string(to_string(check->state));
}

nlohmann::json to_json(const Request& request, const std::optional<ResponseCheck>& response) {
  auto time_or_null = [](const std::optional<SysSeconds>& t) -> nlohmann::json {
    return t ? nlohmann::json(core::format_rfc3339_utc(*t)) : nlohmann::json(nullptr);
  };
  auto text_or_null = [](const std::string& text) -> nlohmann::json {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  nlohmann::json check = nullptr;
  if (response) {
    check = {{"state", std::string(to_string(response->state))},
             {"target_seconds", response->target.count()},
             {"used_seconds", response->used.count()},
             {"deadline", time_or_null(response->deadline)},
             {"due_in_seconds", response->due_in ? nlohmann::json(response->due_in->count()) : nlohmann::json(nullptr)}};
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& change : request.history) {
    history.push_back({{"at", core::format_rfc3339_utc(change.at)},
                       {"actor", change.actor},
                       {"what", change.what},
                       {"text", change.text}});
  }
  return {{"id", request.id},
          {"client", request.client},
          {"site", text_or_null(request.site)},
          {"title", request.title},
          {"priority", std::string(to_string(request.priority))},
          {"category", std::string(to_string(request.category))},
          {"status", std::string(to_string(request.status))},
          {"assignee", text_or_null(request.assignee)},
          {"due", request.due ? nlohmann::json(core::format_date(*request.due)) : nlohmann::json(nullptr)},
          {"opened_at", core::format_rfc3339_utc(request.opened)},
          {"opened_by", request.opened_by},
          {"first_response_at", time_or_null(request.first_response)},
          {"resolved_at", time_or_null(request.resolved)},
          {"response", check},
          {"external", request.external ? nlohmann::json{{"connector", request.external->connector},
                                                         {"id", request.external->id},
                                                         {"url", request.external->url},
                                                         {"updated_on", request.external->updated_on}}
                                        : nlohmann::json(nullptr)},
          {"history", history}};
}

} // namespace tma::request
