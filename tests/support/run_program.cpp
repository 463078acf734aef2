#include "support/run_program.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

namespace tma::test {

std::string lab_bin(const std::string& tool) { return std::string(TMA_LAB_DIR) + "/bin/" + tool; }

ProgramResult run_program(const std::vector<std::string>& args, const ProgramOptions& options) {
  TempDir dir;
  auto in_path = dir.write("stdin", options.stdin_text);
  auto out_path = dir.file("stdout");
  auto err_path = dir.file("stderr");

  pid_t pid = start_process({args, options.env, options.cwd, in_path, out_path, err_path, true});
  ProgramResult result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      break;
    }
    if (done < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

namespace {

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tma-bg-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data())) {
    throw std::runtime_error("mkdtemp failed");
  }
  return buffer.data();
}

} // namespace

Background::Background(const std::vector<std::string>& args, const ProgramOptions& options) : m_dir(make_temp_dir()) {
  m_pid = start_process({args, options.env, options.cwd, {}, m_dir + "/stdout", m_dir + "/stderr", true});
}

Background::~Background() {
  if (m_pid > 0) {
    kill(-m_pid, SIGKILL);
    int status = 0;
    while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

std::string Background::out() const { return read_file(m_dir + "/stdout"); }

bool Background::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (out().find(text) != std::string::npos) {
      return true;
    }
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

} // namespace tma::test
