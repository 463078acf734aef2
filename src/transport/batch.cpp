// One session, several calls: the script and its framed output.
#include <tma/transport/batch.hpp>

#include <charconv>
#include <random>

#include <fmt/format.h>

#include <tma/transport/shell_quote.hpp>
#include <tma/core/units.hpp>

namespace tma::transport {

std::string batch_script(const std::vector<BatchCall>& calls, std::string_view boundary) {
  // Every process counts: a portfolio check runs this on hundreds of sites at once. Per call, the
  // shell starts the call (and `timeout` when it has one) and nothing else: outputs go straight to
  // the session's streams, each followed by a trailer made of builtins (printf), and the calls run
  // in the script's own shell, each after its own `cd`, so no subshell is needed.
  std::string script = fmt::format(
      "b={}\n"
      "h=$PWD\n"
      "if command -v timeout >/dev/null 2>&1; then to=timeout; else to=; fi\n"
      "printf '%s\\n' \"$b\"; printf '%s\\n' \"$b\" >&2\n",
      boundary);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& call = calls[i];
    std::string run = shell_join(call.argv);
    if (call.timeout.count() > 0) {
      // -k: a call that ignores TERM is killed 5 s later; the next calls still run.
      run = fmt::format("${{to:+$to -k 5 {}}} {}", call.timeout.count(), run);
    }
    std::string cd = call.cwd.empty() ? std::string("\"$h\"") : shell_quote(call.cwd);
    script += fmt::format("cd -- {} && {} </dev/null; printf '\\n%s {} %s\\n' \"$b\" $?; printf '\\n%s {}\\n' \"$b\" >&2\n",
                          cd, run, i, i);
  }
  return script;
}

namespace {

std::optional<long long> number(std::string_view text) {
  long long value = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

/// Where the calls' output starts in `text`: after the script's opening `<boundary>` line (what a
/// login shell printed before it is skipped); npos when the script never got there.
std::size_t after_opening(std::string_view text, std::string_view boundary) {
  std::string line = std::string(boundary) + "\n";
  if (text.rfind(line, 0) == 0) return line.size();
  auto pos = text.find("\n" + line);
  return pos == std::string_view::npos ? pos : pos + 1 + line.size();
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0; start <= line.size();) {
    auto space = line.find(' ', start);
    if (space == std::string_view::npos) space = line.size();
    out.push_back(line.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

/// Each call's stderr, by index, from the session's stderr (`\n<boundary> <index>\n` after each
/// call). The session keeps only the tail of stderr: a call whose trailer was cut off gets none.
std::vector<std::string> split_stderr(std::string_view err, std::string_view boundary, std::size_t expected) {
  std::vector<std::string> out(expected);
  auto pos = after_opening(err, boundary);
  if (pos == std::string_view::npos) pos = 0; // the opening was cut off: start with what is left
  const std::string marker = "\n" + std::string(boundary) + " ";
  for (auto found = err.find(marker, pos); found != std::string_view::npos; found = err.find(marker, pos)) {
    auto end = err.find('\n', found + 1);
    if (end == std::string_view::npos) break;
    auto index = number(err.substr(found + marker.size(), end - found - marker.size()));
    if (index && static_cast<std::size_t>(*index) < expected) {
      out[static_cast<std::size_t>(*index)] = std::string(err.substr(pos, found - pos));
    }
    pos = end + 1;
  }
  return out;
}

} // namespace

core::Result<std::vector<BatchPart>> parse_batch(std::string_view out, std::string_view err,
                                                 std::string_view boundary, std::size_t expected) {
  std::vector<BatchPart> parts;
  auto pos = after_opening(out, boundary);
  if (pos == std::string_view::npos) return parts; // no call ran (or the batch died at once)
  auto errs = split_stderr(err, boundary, expected);
  const std::string marker = "\n" + std::string(boundary) + " ";
  while (parts.size() < expected) {
    auto found = out.find(marker, pos);
    if (found == std::string_view::npos) break; // the batch stopped during this call
    auto end = out.find('\n', found + 1);
    if (end == std::string_view::npos) {
      return core::fail(core::ErrorKind::remote, "batch output: a trailer is cut short");
    }
    auto fields = words(out.substr(found + 1, end - found - 1));
    auto index = fields.size() == 3 ? number(fields[1]) : std::nullopt;
    auto code = fields.size() == 3 ? number(fields[2]) : std::nullopt;
    if (!index || !code) {
      return core::fail(core::ErrorKind::remote,
                        fmt::format("batch output: unreadable trailer after {} part(s)", parts.size()));
    }
    if (*index != static_cast<long long>(parts.size())) {
      return core::fail(core::ErrorKind::remote,
                        fmt::format("batch output: part {} where {} was expected", *index, parts.size()));
    }
    BatchPart part;
    part.exit_code = static_cast<int>(*code);
    part.out = std::string(out.substr(pos, found - pos));
    part.err = std::move(errs[parts.size()]);
    parts.push_back(std::move(part));
    pos = end + 1;
  }
  return parts;
}

std::string new_boundary() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", random());
  return "tma" + out;
}

std::vector<CommandResult> run_batched(Transport& transport, const std::vector<Command>& commands,
                                       const std::string& path) {
  std::vector<BatchCall> calls;
  Milliseconds total{0};
  std::size_t capture = 0;
  for (const auto& command : commands) {
    BatchCall call;
    call.argv = command.argv;
    call.cwd = command.cwd.empty() ? path : (command.cwd == "-" ? std::string() : command.cwd);
    call.timeout = std::chrono::duration_cast<std::chrono::seconds>(command.timeout + std::chrono::milliseconds(999));
    total += command.timeout;
    capture += command.capture_limit;
    calls.push_back(std::move(call));
  }
  auto boundary = new_boundary();
  Command session;
  session.argv = {"sh", "-c", batch_script(calls, boundary)};
  session.cwd = "-";
  session.timeout = total + std::chrono::seconds(30);
  session.capture_limit = capture + 4096;
  auto result = transport.run(session);
  std::vector<CommandResult> results(commands.size());
  if (result.outcome != Outcome::completed) {
    for (auto& r : results) {
      r.outcome = result.outcome;
      r.message = result.message;
      r.err = result.err;
      r.elapsed = result.elapsed;
    }
    return results;
  }
  auto parts = parse_batch(result.out, result.err, boundary, commands.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& r = results[i];
    r.elapsed = result.elapsed;
    if (parts && i < parts->size()) {
      r.exit_code = (*parts)[i].exit_code;
      r.out = std::move((*parts)[i].out);
      r.err = std::move((*parts)[i].err);
      // GNU timeout exits 124 when it stopped the call (137 when it had to KILL it): reported as a
      // time-out, as the transport reports a command it stopped itself.
      if (calls[i].timeout.count() > 0 && (r.exit_code == 124 || r.exit_code == 137)) {
        r.outcome = Outcome::timed_out;
        r.message = "timed out after " + core::format_elapsed(calls[i].timeout);
      }
    } else {
      // The call never reported: the session ended first (or its output was unreadable).
      r.exit_code = result.exit_code == 0 ? 255 : result.exit_code;
      r.err = parts ? fmt::format("the batch ended before this call ran (session exit code {}){}", result.exit_code,
                                  result.err.empty() ? "" : ": " + result.err.substr(0, 300))
                    : parts.error().message;
    }
  }
  return results;
}

} // namespace tma::transport
