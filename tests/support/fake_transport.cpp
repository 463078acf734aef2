#include "support/fake_transport.hpp"

#include <tma/core/text.hpp>

namespace tma::test {

void FakeTransport::reply(const std::string& command_line, transport::CommandResult result) {
  m_replies[command_line].push_back(std::move(result));
}

transport::CommandResult FakeTransport::ok(std::string out) {
  transport::CommandResult r;
  r.exit_code = 0;
  r.out = std::move(out);
  return r;
}

transport::CommandResult FakeTransport::exit(int code, std::string err) {
  transport::CommandResult r;
  r.exit_code = code;
  r.err = std::move(err);
  return r;
}

transport::CommandResult FakeTransport::unreachable(std::string message) {
  transport::CommandResult r;
  r.outcome = transport::Outcome::unreachable;
  r.message = std::move(message);
  return r;
}

std::vector<std::string> FakeTransport::command_lines() const {
  std::vector<std::string> lines;
  for (const auto& c : m_calls) lines.push_back(core::join(c.argv, " "));
  return lines;
}

transport::CommandResult FakeTransport::run(const transport::Command& command) {
  Call call{command.argv, command.cwd, {}};
  if (command.stdin_source) {
    char buffer[65536];
    while (auto n = command.stdin_source(buffer, sizeof buffer)) call.stdin_data.append(buffer, n);
  }
  m_calls.push_back(std::move(call));
  auto line = core::join(command.argv, " ");
  transport::CommandResult result = m_default;
  auto it = m_replies.find(line);
  if (it != m_replies.end() && !it->second.empty()) {
    result = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
  }
  if (command.on_stdout && result.outcome == transport::Outcome::completed) {
    if (!result.out.empty() && !command.on_stdout(result.out)) {
      result.outcome = transport::Outcome::output_limit;
      result.message = "output limit";
    }
    result.out.clear();
  } else if (result.out.size() > command.capture_limit) {
    result.outcome = transport::Outcome::output_limit;
    result.message = "output limit";
    result.out.resize(command.capture_limit);
  }
  return result;
}

} // namespace tma::test
