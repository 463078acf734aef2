#pragma once
// A Transport for tests of code built on transports (check, backup, update): records every command
// and answers from canned replies, without any process or network.

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <tma/transport/transport.hpp>

namespace tma::test {

class FakeTransport final : public transport::Transport {
public:
  explicit FakeTransport(std::string host = "fake:22") : m_host(std::move(host)) {}

  /// Reply to commands whose argv joined by spaces equals `command_line`: `result.out` is sent to
  /// the sink (or returned), the rest returned as is. Replies for one command line are used in
  /// order; the last one repeats.
  void reply(const std::string& command_line, transport::CommandResult result);
  /// Reply for any command without a specific reply (default: exit 0, empty output).
  void reply_default(transport::CommandResult result) { m_default = std::move(result); }
  /// Shorthand: exit 0 with `out` on stdout.
  static transport::CommandResult ok(std::string out = {});
  /// Shorthand: exit `code` with `err` on stderr.
  static transport::CommandResult exit(int code, std::string err = {});
  /// Shorthand: unreachable with `message`.
  static transport::CommandResult unreachable(std::string message = "connection refused");

  /// Every command run, in order (argv and cwd; the stdin source, if any, is drained into `stdin_data`).
  struct Call {
    std::vector<std::string> argv;
    std::string cwd;
    std::string stdin_data;
  };
  const std::vector<Call>& calls() const { return m_calls; }
  /// The command lines (argv joined by spaces) run so far.
  std::vector<std::string> command_lines() const;

  transport::CommandResult run(const transport::Command& command) override;
  std::string describe() const override { return "fake " + m_host; }
  std::string host_key() const override { return m_host; }

private:
  std::string m_host;
  std::map<std::string, std::deque<transport::CommandResult>> m_replies;
  transport::CommandResult m_default = ok();
  std::vector<Call> m_calls;
};

} // namespace tma::test
