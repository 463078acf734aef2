#include "support/redmine_lab.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_program.hpp"

namespace tma::test {
namespace {

using namespace std::chrono_literals;

constexpr int port_taken = 75; // tests/lab/start_redmine: the port was taken meanwhile, try another

// Kill a process group we did not spawn (the script's server outlives the script): TERM, up to 10 s
// for thin to finish, then KILL.
void kill_group(pid_t pgid) {
  if (pgid <= 0) return;
  if (::kill(-pgid, SIGTERM) != 0) return;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(100ms);
    if (::kill(-pgid, 0) != 0 && errno == ESRCH) return;
  }
  ::kill(-pgid, SIGKILL);
}

pid_t read_pid(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return -1;
  try {
    return static_cast<pid_t>(std::stol(read_file(file)));
  } catch (const std::exception&) {
    return -1;
  }
}

} // namespace

RedmineLab::RedmineLab() {
  std::string failure;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    m_port = free_port();
    m_run_dir = m_dir.file("run-" + std::to_string(attempt));
    std::filesystem::create_directories(m_run_dir);
    ProgramOptions options;
    options.timeout = std::chrono::minutes(5);
    auto result = run_program({lab_python(), std::string(TMA_LAB_DIR) + "/start_redmine", m_run_dir,
                               std::to_string(m_port)},
                              options);
    m_pgid = read_pid(m_run_dir + "/redmine.pid");
    if (result.exit_code == 0 && !result.timed_out) {
      try {
        m_info = nlohmann::json::parse(result.out);
        m_url = m_info.at("url").get<std::string>();
        m_api_key = m_info.at("api_key").get<std::string>();
        m_project = m_info.at("project").get<std::string>();
        return;
      } catch (const std::exception& e) {
        failure = std::string("unreadable answer (") + e.what() + "): " + result.out;
        break;
      }
    }
    kill_group(m_pgid); // after a time-out the server may be up: it is in its own session
    m_pgid = -1;
    failure = result.timed_out ? "timed out after 5 min\n" + log() : result.err;
    if (result.exit_code != port_taken) break;
  }
  kill_group(m_pgid);
  throw std::runtime_error("lab Redmine did not start: " + failure);
}

RedmineLab::~RedmineLab() { stop(); }

void RedmineLab::stop() {
  kill_group(m_pgid);
  m_pgid = -1;
}

std::string RedmineLab::log() const {
  std::string text;
  for (const char* name : {"/setup.log", "/server.log"}) {
    std::error_code ec;
    if (std::filesystem::exists(m_run_dir + name, ec)) text += read_file(m_run_dir + name);
  }
  return text.size() > 8000 ? text.substr(text.size() - 8000) : text;
}

} // namespace tma::test
