// The ssh and custom methods and the artifact pipeline they share (the http method is in
// http_method.cpp).
#include <tma/backup/methods.hpp>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <tma/backup/local_compressor.hpp>
#include <tma/backup/store.hpp>
#include <tma/backup/verify.hpp>
#include <tma/cms/commands.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>
#include <tma/transport/secret.hpp>
#include <tma/transport/shell_quote.hpp>

namespace tma::backup {

using core::ErrorKind;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string extension(const std::string& compression) {
  if (compression == "gzip") return ".gz";
  if (compression == "zstd") return ".zst";
  return "";
}

std::vector<std::string> compressor_argv(const std::string& compression) {
  if (compression == "gzip") return {"gzip", "-c"};
  if (compression == "zstd") return {"zstd", "-c", "-q"};
  return {};
}

std::string compression_name(inventory::Compression c) {
  switch (c) {
    case inventory::Compression::gzip: return "gzip";
    case inventory::Compression::zstd: return "zstd";
    case inventory::Compression::none: return "none";
  }
  return "none";
}

std::string trimmed(std::string_view text) {
  auto t = core::trim(text);
  return std::string(t.size() > 600 ? t.substr(t.size() - 600) : t);
}

/// One remote session: `stage` (| compressor), every stage's status checked.
struct StagedRun {
  std::vector<std::string> stage;
  std::string name;
  std::vector<std::string> compressor;
  std::vector<int> warning_codes;    ///< stage exit codes that are warnings, not failures
  std::string stdin_text;            ///< secrets for the stage, sent on stdin
  std::vector<std::string> version_argv; ///< asked in the same session (set for the first one only)
};

/// Run `run` into `sink`; `report` receives what the session printed on stderr (statuses, version,
/// a missing compressor) whether or not it succeeded.
core::Result<std::vector<std::string>> run_staged(transport::Transport& transport, const inventory::Environment& env,
                                                  const StagedRun& run, const transport::OutputSink& sink,
                                                  StageReport& report) {
  transport::Command command;
  command.argv = {"sh", "-c",
                  with_session_prologue(staged_pipeline(run.stage, run.name, run.compressor), run.version_argv,
                                        env.path, run.compressor)};
  command.timeout = std::chrono::duration_cast<transport::Milliseconds>(env.command_timeout);
  command.on_stdout = sink;
  command.bulk_stdout = true;
  std::size_t sent = 0;
  if (!run.stdin_text.empty()) {
    // Secrets travel on stdin (inside the SSH channel), never on a command line.
    command.stdin_source = [&run, &sent](char* buffer, std::size_t size) {
      std::size_t n = std::min(size, run.stdin_text.size() - sent);
      std::copy_n(run.stdin_text.data() + sent, n, buffer);
      sent += n;
      return n;
    };
  }
  auto result = transport.run(command);
  std::string what = fmt::format("{} ({})", run.name, core::join(run.stage, " "));
  if (result.outcome == transport::Outcome::output_limit) {
    return core::fail(ErrorKind::io, fmt::format("{}: the local artifact refused more data", what));
  }
  if (result.outcome != transport::Outcome::completed) {
    auto error = result.error(what);
    return tl::unexpected(error ? *error : core::Error{ErrorKind::remote, what + " failed"});
  }
  report = parse_stage_report(result.err);
  if (!report.missing_compressor.empty()) {
    return core::fail(ErrorKind::remote, fmt::format("{}: {} is not installed on the server", what,
                                                     report.missing_compressor));
  }
  std::vector<std::string> warnings;
  auto code = report.codes.find(run.name);
  if (code == report.codes.end()) {
    return core::fail(ErrorKind::remote, fmt::format("{} did not report its exit status (connection cut? exit {}): {}",
                                                     what, result.exit_code, trimmed(report.rest)));
  }
  if (code->second != 0) {
    const auto& codes = run.warning_codes;
    bool warning = std::find(codes.begin(), codes.end(), code->second) != codes.end();
    if (!warning) {
      return core::fail(ErrorKind::remote, fmt::format("{} failed with exit code {}: {}", what, code->second,
                                                       trimmed(report.rest)));
    }
    warnings.push_back(fmt::format("{} exited {}: {}", run.name, code->second, trimmed(report.rest)));
  }
  if (!run.compressor.empty()) {
    auto c = report.codes.find("compress");
    if (c == report.codes.end() || c->second != 0) {
      return core::fail(ErrorKind::remote, fmt::format("{}: compression ({}) failed: {}", what,
                                                       run.compressor.front(), trimmed(report.rest)));
    }
  }
  if (result.exit_code != 0) {
    return core::fail(ErrorKind::remote, fmt::format("{}: remote shell exited {}: {}", what, result.exit_code,
                                                     trimmed(report.rest)));
  }
  return warnings;
}

std::string option_value(const std::string& value) {
  // MySQL option files: a double-quoted value understands \\ and \" (and \n...).
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

} // namespace

std::string mysql_option_file(const inventory::DatabaseDump& spec, const std::string& password) {
  std::string out = "[client]\n";
  out += "user=" + option_value(spec.user) + "\n";
  if (!password.empty()) out += "password=" + option_value(password) + "\n";
  if (!spec.host.empty()) out += "host=" + option_value(spec.host) + "\n";
  if (spec.port != 0) out += fmt::format("port={}\n", spec.port);
  return out;
}

core::Result<std::string> plain_dump_password(const inventory::Environment& env, const inventory::DatabaseDump& spec) {
  // Site::plain_dump gives the environment's own map whenever it has one.
  return transport::resolve_secret(spec.password, env.database ? fmt::format("environments.{}.database.password", env.name)
                                                      : std::string("backup.database.password"));
}

std::string option_file_prologue(std::size_t size) {
  // dd bs=1 reads byte by byte, so not one byte of what follows on stdin (a dump to import) is taken.
  return fmt::format("umask 077; f=$(mktemp) || exit 1; trap 'rm -f -- \"$f\"' EXIT; trap 'exit 1' HUP INT TERM; "
                     "dd bs=1 count={} of=\"$f\" 2>/dev/null || exit 1; ",
                     size);
}

core::Result<std::string> plain_dump_script(const inventory::DatabaseDump& spec, std::size_t option_file_size) {
  if (spec.name.empty() || spec.name.front() == '-') {
    return core::fail(ErrorKind::config, fmt::format("backup.database.name '{}' is not a database name", spec.name));
  }
  return option_file_prologue(option_file_size) +
         fmt::format("{} --defaults-extra-file=\"$f\" --single-transaction --quick {}",
                     transport::shell_quote(spec.tool), transport::shell_quote(spec.name));
}

std::string staged_pipeline(const std::vector<std::string>& stage, const std::string& stage_name,
                            const std::vector<std::string>& compressor) {
  // POSIX sh has no pipefail: each stage prints its own status on stderr, which is not piped.
  std::string run = fmt::format("{}; echo \"@tma-stage {} $?\" >&2", transport::shell_join(stage), stage_name);
  if (compressor.empty()) return run;
  return fmt::format("{{ {}; }} | {}; echo \"@tma-stage compress $?\" >&2", run, transport::shell_join(compressor));
}

std::string with_session_prologue(const std::string& pipeline, const std::vector<std::string>& version_argv,
                                  const std::string& path, const std::vector<std::string>& compressor,
                                  int version_timeout_s) {
  std::string script;
  if (!version_argv.empty()) {
    // Its own stdin and stdout: the pipeline's stdin may carry secrets, its stdout is the artifact.
    // Bounded, because the session waits for it: a hung `wp` must not hold a finished backup.
    std::string cd = path.empty() ? std::string() : fmt::format("cd -- {} && ", transport::shell_quote(path));
    script += fmt::format("(t=; command -v timeout >/dev/null 2>&1 && t='timeout {}'; {}v=$($t {} 2>/dev/null) "
                          "&& printf '@tma-version %s\\n' \"$v\" >&2; exit 0) </dev/null >/dev/null & ",
                          version_timeout_s, cd, transport::shell_join(version_argv));
  }
  if (!compressor.empty()) {
    script += fmt::format("command -v {0} >/dev/null 2>&1 || {{ echo '@tma-no-compressor '{0} >&2; wait; exit 0; }}; ",
                          transport::shell_quote(compressor.front()));
  }
  script += pipeline;
  if (!version_argv.empty()) script += "; wait";
  return script;
}

StageReport parse_stage_report(const std::string& stderr_text) {
  StageReport report;
  std::size_t pos = 0;
  while (pos < stderr_text.size()) {
    auto end = stderr_text.find('\n', pos);
    auto line = std::string_view(stderr_text).substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? stderr_text.size() : end + 1;
    constexpr std::string_view marker = "@tma-stage ", version = "@tma-version ", missing = "@tma-no-compressor ";
    if (line.rfind(version, 0) == 0) {
      report.version = std::string(core::trim(line.substr(version.size())));
      continue;
    }
    if (line.rfind(missing, 0) == 0) {
      report.missing_compressor = std::string(core::trim(line.substr(missing.size())));
      continue;
    }
    if (line.rfind(marker, 0) == 0) {
      auto rest = line.substr(marker.size());
      auto space = rest.find(' ');
      if (space != std::string_view::npos) {
        try {
          report.codes[std::string(rest.substr(0, space))] = std::stoi(std::string(rest.substr(space + 1)));
          continue;
        } catch (const std::exception&) {
        }
      }
    }
    report.rest.append(line);
    report.rest.push_back('\n');
  }
  return report;
}

ArtifactKind kind_from_name(const std::string& name) {
  if (name.find(".sql") != std::string::npos) return ArtifactKind::database;
  if (name.find(".tar") != std::string::npos || ends_with(name, ".tgz")) return ArtifactKind::files;
  return ArtifactKind::other;
}

std::string compression_from_name(const std::string& name) {
  if (ends_with(name, ".gz") || ends_with(name, ".tgz")) return "gzip";
  if (ends_with(name, ".zst")) return "zstd";
  return "none";
}

ArtifactProgress MethodContext::progress_for(const std::string& name, ArtifactKind kind) const {
  ArtifactProgress out;
  out.job = progress;
  out.phase = kind == ArtifactKind::database ? "dump" : "transfer";
  if (auto previous = previous_sizes.find(name); previous != previous_sizes.end()) out.expected = previous->second;
  return out;
}

core::Result<ArtifactInfo> MethodContext::receive(const std::string& name, ArtifactKind kind,
                                                 const std::string& compression, const Producer& produce) const {
  auto watcher = progress_for(name, kind);
  if (destination != nullptr) return destination->receive(name, kind, compression, produce, watcher);
  return stream_artifact(dir, name, kind, compression, produce, watcher);
}

core::Result<ArtifactInfo> stream_artifact(const std::string& dir, const std::string& name, ArtifactKind kind,
                                           const std::string& compression, const Producer& produce,
                                           const ArtifactProgress& progress) {
  auto writer = ArtifactWriter::create(dir, name);
  if (!writer) return tl::unexpected(writer.error());
  auto& w = **writer;
  if (progress.job != nullptr) progress.job->start_phase(progress.phase + " " + name, progress.expected);
  auto produced = produce([&w, job = progress.job](std::string_view chunk) {
    if (job != nullptr) job->add_bytes(chunk.size());
    return w.write(chunk);
  });
  // A write error (disk full) explains a stopped producer better than the producer's own message.
  if (w.error()) return core::fail(ErrorKind::io, *w.error());
  if (!produced) return tl::unexpected(produced.error());
  if (auto finished = w.finish(); !finished) return tl::unexpected(finished.error());
  if (progress.job != nullptr) progress.job->start_phase("verify " + name);
  if (auto verified = verify_artifact(w.partial_path(), kind, compression); !verified) {
    return tl::unexpected(verified.error());
  }
  if (auto committed = w.commit(); !committed) return tl::unexpected(committed.error());
  return ArtifactInfo{name, kind, compression, w.size(), w.sha256(), *produced};
}

core::Result<std::vector<std::string>> dump_argv(const inventory::Site& site, const inventory::Environment& env) {
  if (auto argv = cms::database_export_argv(site.cms, env)) return *argv;
  return core::fail(ErrorKind::config,
                    fmt::format("site {}: no database dump tool for cms {}; set backup.database: false or use "
                                "backup.method: custom",
                                site.name, inventory::to_string(site.cms)));
}

core::Result<std::vector<ArtifactInfo>> run_ssh_method(MethodContext& c) {
  const auto& site = *c.site;
  const auto& env = *c.env;
  auto& transport = *c.transport;
  std::string compression = compression_name(site.backup.compression);
  std::vector<std::string> notes;

  // The first session also asks the CMS version (best effort) and checks the compressor: no
  // round trip of their own.
  auto version_argv = cms::version_query_argv(site.cms, env).value_or(std::vector<std::string>{});
  const auto where = site.backup.compress_on;
  bool here = where == inventory::CompressOn::local; // compress on this machine
  auto stream = [&](const std::string& base, ArtifactKind kind, StagedRun run) -> core::Result<ArtifactInfo> {
    for (;;) {
      const auto compressor = compressor_argv(compression);
      run.compressor = here ? std::vector<std::string>{} : compressor;
      run.version_argv = std::exchange(version_argv, {}); // the first session only
      StageReport report;
      auto artifact = c.receive(
          base + extension(compression), kind, compression,
          [&](const transport::OutputSink& sink) -> core::Result<std::vector<std::string>> {
            if (!here || compressor.empty()) return run_staged(transport, env, run, sink, report);
            LocalCompressor local(compressor, sink);
            auto produced = run_staged(
                transport, env, run, [&local](std::string_view chunk) { return local.push(chunk); }, report);
            // A compressor that died explains a refused stream better than the stream's own message.
            if (auto finished = local.finish(); !finished) return tl::unexpected(finished.error());
            return produced;
          });
      if (!report.version.empty()) c.manifest->versions["core"] = report.version;
      if (artifact || report.missing_compressor.empty()) return artifact;
      // Nothing ran: this artifact and the next ones are compressed here (auto) or not at all (server).
      if (where == inventory::CompressOn::server) {
        notes.push_back(fmt::format("{} is not installed on the server: artifacts stored uncompressed", compression));
        compression = "none";
      } else {
        notes.push_back(fmt::format("{} is not installed on the server: compressed on this machine", compression));
        here = true;
      }
    }
  };

  std::vector<ArtifactInfo> artifacts;
  if (const auto* plain = site.backup.database ? site.plain_dump(env) : nullptr) {
    const auto& spec = *plain;
    auto password = plain_dump_password(env, spec);
    if (!password) return tl::unexpected(password.error());
    const std::string options = mysql_option_file(spec, *password);
    auto script = plain_dump_script(spec, options.size());
    if (!script) return tl::unexpected(script.error());
    auto artifact = stream("database.sql", ArtifactKind::database,
                           StagedRun{{"sh", "-c", *script}, "dump", {}, {}, options, {}});
    if (!artifact) return tl::unexpected(artifact.error());
    artifacts.push_back(std::move(*artifact));
  } else if (site.backup.database) {
    auto dump = dump_argv(site, env);
    if (!dump) return tl::unexpected(dump.error());
    auto artifact = stream("database.sql", ArtifactKind::database, StagedRun{*dump, "dump", {}, {}, {}, {}});
    if (!artifact) return tl::unexpected(artifact.error());
    artifacts.push_back(std::move(*artifact));
  }
  if (!site.backup.paths.empty()) {
    std::vector<std::string> tar{"tar", "-cf", "-"};
    for (const auto& pattern : site.backup.exclude) tar.push_back("--exclude=" + pattern);
    tar.push_back("--");
    for (const auto& path : site.backup.paths) tar.push_back(path);
    // GNU tar exits 1 when a file changed while it was read: the archive is complete, keep a warning.
    auto artifact = stream("files.tar", ArtifactKind::files, StagedRun{tar, "tar", {}, {1}, {}, {}});
    if (!artifact) return tl::unexpected(artifact.error());
    artifacts.push_back(std::move(*artifact));
  }
  if (!artifacts.empty()) {
    for (auto& note : notes) artifacts.front().warnings.push_back(note);
  }
  return artifacts;
}

core::Result<std::vector<ArtifactInfo>> run_custom_method(MethodContext& c) {
  std::vector<ArtifactInfo> artifacts;
  for (const auto& command_entry : c.site->backup.commands) {
    // Named references rather than a structured binding: clang 14 (the fuzz build) cannot capture
    // a binding in the lambda below.
    const auto& name = command_entry.first;
    const auto& argv = command_entry.second;
    auto artifact = c.receive(
        name, kind_from_name(name), compression_from_name(name),
        [&](const transport::OutputSink& sink) -> core::Result<std::vector<std::string>> {
          transport::Command command;
          command.argv = argv;
          command.timeout = std::chrono::duration_cast<transport::Milliseconds>(c.env->command_timeout);
          command.on_stdout = sink;
          command.bulk_stdout = true;
          auto result = c.transport->run(command);
          if (auto error = result.error(core::join(argv, " "))) return tl::unexpected(*error);
          return std::vector<std::string>{};
        });
    if (!artifact) return tl::unexpected(core::with_context(artifact.error(), "artifact " + name));
    artifacts.push_back(std::move(*artifact));
  }
  return artifacts;
}

} // namespace tma::backup
