#pragma once
// First-response targets of requests (`contract.request_targets` in the inventory): per priority a
// budget of SLA time (incident/sla.hpp: business hours or 24x7) from the opening to the first
// response, and where a request stands against it. Pure.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/core/timezone.hpp>
#include <tma/incident/sla.hpp>
#include <tma/inventory/model.hpp>
#include <tma/request/request.hpp>

namespace tma::request {

/// Where a request's first response stands.
enum class ResponseState {
  met,  ///< answered before the deadline
  late, ///< answered after the deadline, or not answered and the deadline has passed
  due,  ///< not answered yet, the deadline is ahead
};
std::string_view to_string(ResponseState state);

struct ResponseCheck {
  ResponseState state = ResponseState::due;
  Seconds target{0};                ///< the contract's budget for the priority
  Seconds used{0};                  ///< SLA time from the opening to the response (or to now)
  std::optional<SysSeconds> deadline;
  std::optional<Seconds> due_in;    ///< `due` only: wall-clock time left until the deadline
};

/// The budget of `targets` for `priority`, if the contract sets one.
std::optional<Seconds> target_for(const inventory::RequestTargets& targets, Priority priority);

/// Evaluate `request` against its client's `request_targets` in `inventory` (business hours from
/// `inventory.agency`, in `zone`) at `now`; unset when the client's contract sets no target for the
/// request's priority.
std::optional<ResponseCheck> check_response(const Request& request, const inventory::Inventory& inventory,
                                            const core::TimeZone& zone, SysSeconds now);

/// `met`, `late`, `due in 2h30m` (whole minutes; `due now` under one), or `-` without a target.
std::string response_cell(const std::optional<ResponseCheck>& check);

/// `{id, client, site, title, priority, category, status, assignee, due, opened_at, opened_by,
/// first_response_at, resolved_at, response: {state, target_seconds, used_seconds, deadline,
/// due_in_seconds} | null, history: [{at, actor, what, text}]}` (docs/requests.md).
nlohmann::json to_json(const Request& request, const std::optional<ResponseCheck>& response);

} // namespace tma::request
