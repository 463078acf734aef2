#pragma once
// PRIVATE to src/client_report: what did not happen on prod and left no figure of its own: scheduled
// backups whose run was stopped (killed) after claiming them, and updates a run planned but stopped
// before prod. Pure: journal events in, report figures out (docs/report.md, "Backups" and "Updates").

#include <map>
#include <string>
#include <vector>

#include <tma/client_report/report.hpp>

namespace tma::client_report {

/// The interrupted scheduled backups of `client`'s prod sites claimed in [from, until), by site (see
/// SiteBackups::interrupted). `events` may reach past `until`: an outcome recorded later still counts.
std::map<std::string, int> interrupted_backups(const std::vector<journal::Event>& events, const std::string& client,
                                               SysSeconds from, SysSeconds until, SysSeconds now);

/// The prod updates of `client`'s `sites` that runs ending in [from, until) stopped before prod and that
/// no later run of the period applied, rejected or rolled back (see PostponedUpdate).
std::vector<PostponedUpdate> postponed_updates(const std::vector<journal::Event>& events, const std::string& client,
                                               const std::vector<std::string>& sites, const core::TimeZone& zone,
                                               SysSeconds from, SysSeconds until);

} // namespace tma::client_report
