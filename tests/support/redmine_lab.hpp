#pragma once
// A real Redmine 5.0 for the connector tests (issue 20): Debian's `redmine` package with SQLite, served
// by thin on 127.0.0.1:<free port>, its files in a temp dir (docs/lab.md, "Redmine"). Started by
// tests/lab/start_redmine; the server's process group is killed at scope exit. If Redmine cannot
// start, the constructor throws with the log tail: the test fails, it is never skipped.

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace tma::test {

class RedmineLab {
public:
  RedmineLab();
  ~RedmineLab();
  RedmineLab(const RedmineLab&) = delete;
  RedmineLab& operator=(const RedmineLab&) = delete;

  /// `http://127.0.0.1:<port>`.
  const std::string& url() const { return m_url; }
  /// `url() + path`.
  std::string url(const std::string& path) const { return m_url + path; }
  int port() const { return m_port; }
  /// The admin's API key (send it as `X-Redmine-API-Key`).
  const std::string& api_key() const { return m_api_key; }
  /// The identifier of the seeded private project: `acme`.
  const std::string& project() const { return m_project; }
  /// What tests/lab/start_redmine printed: trackers, priorities, activities, statuses (names, in
  /// Redmine's order), seconds, cached.
  const nlohmann::json& info() const { return m_info; }
  /// The server's log (thin and Rails), for failure messages.
  std::string log() const;
  /// Stop the server (TERM, then KILL of its process group); also done by the destructor.
  void stop();

private:
  TempDir m_dir;
  std::string m_run_dir;
  int m_port = 0;
  pid_t m_pgid = -1;
  std::string m_url;
  std::string m_api_key;
  std::string m_project;
  nlohmann::json m_info;
};

} // namespace tma::test
