#pragma once
// A real SMTP server of the lab (tests/lab/smtp_server.py) on loopback, capturing each accepted
// message as one JSON line `{mail_from, rcpt, data, tls, auth}`; stopped at scope exit.
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/temp_dir.hpp"

namespace tma::test {

// A real SMTP server (tests/lab/smtp_server.py) capturing messages as JSON lines.
inline std::string lab_smtp_read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LabSmtp {
public:
  LabSmtp(std::optional<tma::test::LabCa::Cert> tls, std::optional<std::pair<std::string, std::string>> auth) {
    std::vector<std::string> argv{tma::test::lab_python(), std::string(TMA_LAB_DIR) + "/smtp_server.py", "--port-file",
                                  m_dir.file("port"), "--messages", m_dir.file("messages.jsonl")};
    if (tls) argv.insert(argv.end(), {"--cert", tls->cert, "--key", tls->key});
    if (auth) argv.insert(argv.end(), {"--user", auth->first, "--password", auth->second});
    m_process = tma::test::LabProcess(argv, m_dir.file("server.log"));
    for (int i = 0; i < 200; ++i) {
      auto text = lab_smtp_read(m_dir.file("port"));
      if (!text.empty() && text.back() == '\n') {
        m_port = std::stoi(text);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("lab smtp server did not start: " + lab_smtp_read(m_dir.file("server.log")));
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(m_port); }
  std::vector<nlohmann::json> messages() const {
    std::vector<nlohmann::json> out;
    std::istringstream in(lab_smtp_read(m_dir.file("messages.jsonl")));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

private:
  tma::test::TempDir m_dir;
  int m_port = 0;
  tma::test::LabProcess m_process;
};

} // namespace tma::test
