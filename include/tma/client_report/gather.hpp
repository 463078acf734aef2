#pragma once
// Reading what a client report needs: the journal (hours, incidents, update, backup and restore
// events of the period and of the one before) and the agency's logo file.
#include <functional>
#include <string>
#include <vector>

#include <tma/client_report/report.hpp>
#include <tma/core/error.hpp>

namespace tma::client_report {

/// The inputs of every client of `clients` (same order), with one scan of each kind for all of them:
/// what `tma report --all` uses, so a hundred clients cost about as much journal reading as one.
/// `lang_of` gives each client's report language.
core::Result<std::vector<Inputs>> gather_all(const journal::Journal& journal, const inventory::Inventory& inventory,
                                             const std::vector<const inventory::Client*>& clients,
                                             const contract::Period& period, PeriodKind kind, const core::TimeZone& zone,
                                             const std::function<inventory::Lang(const inventory::Client&)>& lang_of);

/// `data:image/...;base64,...` of the logo file `path` (PNG, JPEG or SVG by extension), so the HTML
/// stays one self-contained file. Fails naming the file when it cannot be read or exceeds 1 MiB.
core::Result<std::string> logo_data_uri(const std::string& path);

} // namespace tma::client_report
