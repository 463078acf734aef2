#pragma once
// PRIVATE to src/client_report: the quarterly pack's topics for the follow-up meeting, drawn from
// what the report already holds (recommendations, security, contract, incidents, uptime, speed), and
// their localised view.

#include <nlohmann/json.hpp>

#include <tma/client_report/report.hpp>

namespace tma::client_report {

/// The topics of a quarter's report (`report.kind == quarter`; empty otherwise), most pressing
/// first: open vulnerabilities, end of support and upgrades to plan, recurring incidents, months
/// below 99.5 % uptime, pages slower than last quarter, the contract's hours; then always the
/// priorities for the next quarter.
std::vector<Topic> meeting_topics(const ClientReport& report);

/// `{has, rows: [{text}]}`.
nlohmann::json topics_view(const ClientReport& report);

/// `[{kind, values}]`.
nlohmann::json topics_json(const std::vector<Topic>& topics);

} // namespace tma::client_report
