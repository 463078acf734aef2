#pragma once
// `tma report --send`: each client's report emailed to the client's contacts through the
// inventory's email channel, at least once (through the journal, like every notification), and
// never twice for the same client and period unless `--resend`.
#include <string>
#include <vector>

#include <tma/client_report/report.hpp>

#include "cli/common.hpp"

namespace tma::cli {

/// One report ready to go: the file written, and the HTML and text bodies of the email.
struct ReportMail {
  const inventory::Client* client = nullptr;
  client_report::ClientReport report;
  std::string file;     ///< the report as written (attached)
  std::string html;     ///< the HTML report: the email's HTML body
  std::string markdown; ///< the Markdown report: the email's text body
};

/// Throws ConfigError when the inventory has no email channel (checked before any report is made).
void require_email_channel(const inventory::Inventory& inventory);

/// Queue and send `mails` (already written to disk) through the journal's notifications; prints one
/// line per client on stdout (sent, or already sent) and problems on stderr; returns the exit bits
/// (2 when a client's report was not delivered).
int send_reports(Context& context, const std::vector<ReportMail>& mails, bool resend);

} // namespace tma::cli
