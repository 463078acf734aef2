// One session, several calls: the script and its framed output.
#include <tma/transport/batch.hpp>

#include <charconv>
#include <random>

#include <fmt/format.h>

#include <tma/transport/shell_quote.hpp>

namespace tma::transport {

std::string batch_script(const std::vector<BatchCall>& calls, std::string_view boundary) {
  // Outputs go through files in a private temporary directory: they may hold any byte, NULs and a
  // missing last newline included, which shell variables would not keep.
  std::string script = fmt::format(
      "b={}\n"
      "d=$(mktemp -d) || exit 97\n"
      "trap 'rm -rf \"$d\"' EXIT\n"
      "if command -v timeout >/dev/null 2>&1; then to=timeout; else to=; fi\n"
      "part() {{ printf '%s %s %s %s %s\\n' \"$b\" \"$1\" \"$2\" $(($(wc -c <\"$d/o\"))) $(($(wc -c <\"$d/e\"))); "
      "cat \"$d/o\" \"$d/e\"; }}\n",
      boundary);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& call = calls[i];
    std::string run = shell_join(call.argv);
    if (call.timeout.count() > 0) {
      // -k: a call that ignores TERM is killed 5 s later; the next calls still run.
      run = fmt::format("${{to:+$to -k 5 {}}} {}", call.timeout.count(), run);
    }
    std::string cd = call.cwd.empty() ? std::string() : "cd -- " + shell_quote(call.cwd) + " && ";
    script += fmt::format("({}exec {}) </dev/null >\"$d/o\" 2>\"$d/e\"; part {} $?\n", cd, run, i);
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

} // namespace

core::Result<std::vector<BatchPart>> parse_batch(std::string_view output, std::string_view boundary,
                                                 std::size_t expected) {
  std::vector<BatchPart> parts;
  // The first frame starts a line; whatever a login shell printed before it is skipped.
  std::string first = std::string(boundary) + " 0 ";
  std::size_t pos = output.rfind(first, 0) == 0 ? 0 : output.find("\n" + first);
  if (pos == std::string_view::npos) return parts; // no call ran (or the batch died at once)
  if (output[pos] == '\n') ++pos;
  while (pos < output.size() && parts.size() < expected) {
    auto end = output.find('\n', pos);
    if (end == std::string_view::npos) return core::fail(core::ErrorKind::remote, "batch output: a frame header is cut short");
    std::vector<std::string_view> fields;
    for (std::size_t start = pos; start <= end;) {
      auto space = output.find(' ', start);
      if (space == std::string_view::npos || space > end) space = end;
      fields.push_back(output.substr(start, space - start));
      start = space + 1;
    }
    auto index = fields.size() == 5 ? number(fields[1]) : std::nullopt;
    auto code = fields.size() == 5 ? number(fields[2]) : std::nullopt;
    auto out_size = fields.size() == 5 ? number(fields[3]) : std::nullopt;
    auto err_size = fields.size() == 5 ? number(fields[4]) : std::nullopt;
    if (fields.size() != 5 || fields[0] != boundary || !index || !code || !out_size || !err_size) {
      return core::fail(core::ErrorKind::remote, fmt::format("batch output: unreadable frame header after {} part(s)", parts.size()));
    }
    if (*index != static_cast<long long>(parts.size())) {
      return core::fail(core::ErrorKind::remote, fmt::format("batch output: part {} where {} was expected", *index, parts.size()));
    }
    auto body = end + 1;
    auto need = static_cast<std::size_t>(*out_size) + static_cast<std::size_t>(*err_size);
    if (output.size() - body < need) {
      return core::fail(core::ErrorKind::remote, fmt::format("batch output: part {} is cut short", *index));
    }
    BatchPart part;
    part.exit_code = static_cast<int>(*code);
    part.out = std::string(output.substr(body, static_cast<std::size_t>(*out_size)));
    part.err = std::string(output.substr(body + static_cast<std::size_t>(*out_size), static_cast<std::size_t>(*err_size)));
    parts.push_back(std::move(part));
    pos = body + need;
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
  auto parts = parse_batch(result.out, boundary, commands.size());
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
        r.message = fmt::format("timed out after {}s", calls[i].timeout.count());
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
