#include <tma/backup/restore.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include <tma/backup/methods.hpp>
#include <tma/cms/commands.hpp>
#include <tma/backup/archive.hpp>
#include <tma/backup/tar_check.hpp>
#include <tma/backup/verify.hpp>
#include <tma/core/text.hpp>
#include <tma/transport/secret.hpp>
#include <tma/transport/shell_quote.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;

namespace {

/// Streams a local file as a command's stdin.
class FileSource {
public:
  explicit FileSource(const std::string& path) : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileSource() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  bool ok() const { return m_fd >= 0; }
  std::uint64_t sent() const { return m_sent; }
  std::size_t read(char* buffer, std::size_t size) {
    while (true) {
      ssize_t n = ::read(m_fd, buffer, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
      m_sent += static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

private:
  int m_fd = -1;
  std::uint64_t m_sent = 0;
};

/// A temporary directory `<parent>/.restore-XXXXXX`, removed with its content.
class Scratch {
public:
  explicit Scratch(const std::string& parent) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    std::string pattern = parent + "/.restore-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) m_path = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  bool ok() const { return !m_path.empty(); }
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
};

std::vector<std::string> remote_decompressor(const std::string& compression) {
  if (compression == "gzip") return {"gzip", "-dc"};
  if (compression == "zstd") return {"zstd", "-dcq"};
  return {"cat"};
}

/// `{ decompress; status } | consumer; status`: each stage's exit status reported on stderr.
std::string feed_pipeline(const std::vector<std::string>& decompress, const std::vector<std::string>& consumer,
                          const std::string& consumer_name) {
  return fmt::format("{{ {}; echo \"@tma-stage decompress $?\" >&2; }} | {}; echo \"@tma-stage {} $?\" >&2",
                     transport::shell_join(decompress), transport::shell_join(consumer), consumer_name);
}

core::Result<void> check_stages(const transport::CommandResult& result, const std::string& what,
                                std::initializer_list<const char*> stages) {
  if (result.outcome != transport::Outcome::completed) {
    auto error = result.error(what);
    return tl::unexpected(error ? *error : core::Error{ErrorKind::remote, what + " failed"});
  }
  auto report = parse_stage_report(result.err);
  for (const char* stage : stages) {
    auto it = report.codes.find(stage);
    if (it == report.codes.end() || it->second != 0) {
      std::string rest(core::trim(report.rest));
      return core::fail(ErrorKind::remote, fmt::format("{}: {} {}{}{}", what, stage,
                                                       it == report.codes.end() ? std::string("did not finish")
                                                                                : fmt::format("exited {}", it->second),
                                                       rest.empty() ? "" : ": ", rest));
    }
  }
  if (result.exit_code != 0) return core::fail(ErrorKind::remote, fmt::format("{}: exit {}", what, result.exit_code));
  return {};
}

std::string parent_of(const std::string& path) {
  auto p = fs::path(path).lexically_normal();
  if (p.has_filename() == false) p = p.parent_path();
  return p.parent_path().string();
}

std::string base_of(const std::string& path) {
  auto p = fs::path(path).lexically_normal();
  if (p.has_filename() == false) p = p.parent_path();
  return p.filename().string();
}

} // namespace

core::Result<std::vector<std::string>> import_argv(const inventory::Site& site, const inventory::Environment& env) {
  if (auto argv = cms::database_import_argv(site.cms, env)) return *argv;
  return core::fail(ErrorKind::config, fmt::format("site {}: no database import tool for cms {}", site.name,
                                                   inventory::to_string(site.cms)));
}

namespace {

core::Result<RestoreOutcome> restore_locked(const inventory::Inventory& inventory, const inventory::Site& site,
                                            const inventory::Environment& target, const StoredBackup& backup,
                                            const RestoreOptions& options, const Services& services,
                                            Store& store) {
  RestoreOutcome outcome;
  outcome.backup_id = backup.manifest.id;
  // Entry checks of the archive first (a hostile archive is refused whatever its checksums say).
  const ArtifactInfo* db = nullptr;
  const ArtifactInfo* files = nullptr;
  for (const auto& a : backup.manifest.artifacts) {
    if (a.kind == ArtifactKind::database && !db) db = &a;
    if (a.kind == ArtifactKind::files && !files) files = &a;
  }
  if (options.database && !options.files && !db) return core::fail(ErrorKind::usage, "the backup has no database dump");
  if (options.files && !options.database && !files) return core::fail(ErrorKind::usage, "the backup has no files archive");
  if (files && options.files) {
    if (auto checked = check_archive(backup.dir + "/" + files->name, files->compression); !checked) {
      return tl::unexpected(checked.error());
    }
  }
  // Then re-read the checksums: never restore a damaged backup.
  auto problems = verify_backup(backup.dir, backup.manifest);
  if (!problems.empty()) {
    return core::fail(ErrorKind::io, fmt::format("backup {} failed verification: {}", backup.manifest.id,
                                                 core::join(problems, "; ")));
  }
  if (target.name == "prod") {
    BackupOptions safety;
    safety.kind = BackupKind::safety;
    safety.take_lock = false;
    safety.prune = false;
    auto taken = run_backup(inventory, site, target, safety, services);
    if (!taken.ok()) {
      return core::fail(ErrorKind::remote, fmt::format("safety backup of prod failed, nothing restored: {}",
                                                       taken.error ? taken.error->message : "unknown"));
    }
    outcome.safety_backup = taken.manifest->id;
  }
  auto transport = services.make_transport(target);
  if (!transport) return tl::unexpected(transport.error());
  auto timeout = std::chrono::duration_cast<transport::Milliseconds>(target.command_timeout);

  if (db && options.database) {
    FileSource source(backup.dir + "/" + db->name);
    if (!source.ok()) return core::fail(ErrorKind::io, fmt::format("cannot read {}", db->name));
    transport::Command command;
    command.timeout = timeout;
    std::string header; // the option file of a plain dump, sent before the dump itself
    std::size_t header_sent = 0;
    if (const auto* plain = site.plain_dump(target)) {
      // Plain mysqldump into the target environment's database (its own `database`, else the
      // site's map): `mysql`/`mariadb` reads its credentials from a 0600 file filled from stdin.
      const auto& spec = *plain;
      auto password = plain_dump_password(target, spec);
      if (!password) return tl::unexpected(password.error());
      header = mysql_option_file(spec, *password);
      std::string client = spec.tool == "mariadb-dump" ? "mariadb" : "mysql";
      command.argv = {"sh", "-c",
                      option_file_prologue(header.size()) +
                          fmt::format("{{ {}; echo \"@tma-stage decompress $?\" >&2; }} | {} "
                                      "--defaults-extra-file=\"$f\" {}; echo \"@tma-stage import $?\" >&2",
                                      transport::shell_join(remote_decompressor(db->compression)),
                                      transport::shell_quote(client), transport::shell_quote(spec.name))};
    } else {
      auto import = import_argv(site, target);
      if (!import) return tl::unexpected(import.error());
      command.argv = {"sh", "-c", feed_pipeline(remote_decompressor(db->compression), *import, "import")};
    }
    command.stdin_source = [&](char* buffer, std::size_t size) -> std::size_t {
      if (header_sent < header.size()) {
        std::size_t n = std::min(size, header.size() - header_sent);
        std::copy_n(header.data() + header_sent, n, buffer);
        header_sent += n;
        return n;
      }
      return source.read(buffer, size);
    };
    auto result = (*transport)->run(command);
    if (auto ok = check_stages(result, "database import", {"decompress", "import"}); !ok) return tl::unexpected(ok.error());
    outcome.bytes += source.sent();
    outcome.restored.push_back("database");
  }
  if (files && options.files) {
    std::string root = fs::path(target.path).lexically_normal().string();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    std::string parent = parent_of(root);
    std::string base = base_of(root);
    if (base.empty() || parent.empty()) {
      return core::fail(ErrorKind::config, fmt::format("cannot restore files into '{}'", target.path));
    }
    std::string staging = parent + "/." + base + ".tma-restore-" + backup.manifest.id;
    std::string old = parent + "/." + base + ".tma-old-" + backup.manifest.id;
    // The server's tar receives the archive as libarchive read and checked it, re-encoded without
    // setuid/setgid/sticky bits, and keeps no owner from it, unless backup.restore_keep says so.
    RestoreKeep keep{site.backup.restore_keep_special_bits, site.backup.restore_keep_owner};
    auto source = SanitizedArchive::open_file(backup.dir + "/" + files->name, files->compression, keep);
    if (!source) return tl::unexpected(source.error());
    std::vector<std::string> tar{"tar", "-xf", "-", "-C", staging};
    if (!keep.owner) tar.insert(tar.begin() + 1, "--no-same-owner");
    transport::Command extract;
    extract.cwd = "-";
    extract.timeout = timeout;
    extract.argv = {"sh", "-c",
                    fmt::format("rm -rf -- {0} && mkdir -- {0} && {{ {1}; }}", transport::shell_quote(staging),
                                feed_pipeline(remote_decompressor(files->compression), tar, "extract"))};
    extract.stdin_source = [&source](char* buffer, std::size_t size) { return (*source)->read(buffer, size); };
    auto result = (*transport)->run(extract);
    auto ok = check_stages(result, "files extraction", {"decompress", "extract"});
    if (ok && (*source)->error()) ok = tl::unexpected(*(*source)->error());
    if (!ok) {
      transport::Command cleanup;
      cleanup.argv = {"rm", "-rf", "--", staging};
      cleanup.cwd = "-";
      (*transport)->run(cleanup);
      // A stream cut because an entry was refused explains the server's complaint.
      if ((*source)->error()) return tl::unexpected(*(*source)->error());
      return tl::unexpected(ok.error());
    }
    outcome.bytes += (*source)->sent();
    // The swap: each backed-up path of the staging tree replaces the live one; on a failed second
    // rename the old one is put back.
    std::string script;
    for (const auto& path : site.backup.paths) {
      auto rel = fs::path(path).lexically_normal().string();
      if (!stays_inside("", rel) || rel.find("..") != std::string::npos) {
        return core::fail(ErrorKind::config, fmt::format("backup path '{}' leaves the site root", path));
      }
      bool whole = rel == "." || rel == "./" || rel.empty();
      std::string live = whole ? root : root + "/" + rel;
      std::string fresh = whole ? staging : staging + "/" + rel;
      std::string saved = whole ? old : old + "-" + std::to_string(script.size());
      script += fmt::format("if [ -e {0} ]; then mv -- {0} {1} || exit 1; fi; "
                            "if mv -- {2} {0}; then rm -rf -- {1}; else mv -- {1} {0}; exit 1; fi; ",
                            transport::shell_quote(live), transport::shell_quote(saved), transport::shell_quote(fresh));
    }
    script += fmt::format("rm -rf -- {}", transport::shell_quote(staging));
    transport::Command swap;
    swap.argv = {"sh", "-c", script};
    swap.cwd = "-";
    swap.timeout = timeout;
    auto swapped = (*transport)->run(swap);
    if (auto error = swapped.error("swap of the restored files")) return tl::unexpected(*error);
    outcome.restored.push_back("files");
  }
  (void)store;
  return outcome;
}

} // namespace

core::Result<RestoreOutcome> run_restore(const inventory::Inventory& inventory, const inventory::Site& site,
                                         const RestoreOptions& options, const Services& services) {
  const auto* target = site.env(options.to_env);
  if (!target) return core::fail(ErrorKind::usage, fmt::format("site {} has no environment '{}'", site.name, options.to_env));
  std::string from = options.from_env.empty() ? options.to_env : options.from_env;
  if (!site.env(from) && options.from_env.size()) {
    return core::fail(ErrorKind::usage, fmt::format("site {} has no environment '{}'", site.name, from));
  }
  if (target->name == "prod" && !options.confirmed) {
    return core::fail(ErrorKind::usage, fmt::format("restoring {} prod overwrites production: add --yes", site.name));
  }
  if (!options.database && !options.files) return core::fail(ErrorKind::usage, "nothing to restore");
  auto store = open_store(inventory, site);
  if (!store) return tl::unexpected(store.error());
  auto lock = SiteLock::acquire((*store)->lock_dir(site.name),
                                fmt::format("tma restore {} (pid {})", site.name, ::getpid()), options.lock_wait);
  if (!lock) return tl::unexpected(lock.error());
  auto backup = find_backup(**store, site.name, from, options.backup);
  if (!backup) return tl::unexpected(backup.error());
  // A restic backup is downloaded beside the lock first (`restic dump`), then restored exactly
  // like a local one: same verification, same archive checks.
  std::optional<Scratch> scratch;
  if (backup->dir.empty()) {
    scratch.emplace((*store)->lock_dir(site.name));
    if (!scratch->ok()) {
      return core::fail(ErrorKind::io, fmt::format("cannot create a directory in {}", (*store)->lock_dir(site.name)));
    }
    auto dir = (*store)->materialize(*backup, scratch->path());
    if (!dir) return tl::unexpected(dir.error());
    backup->dir = *dir;
  }

  auto started = std::chrono::steady_clock::now();
  nlohmann::json what{{"backup", backup->manifest.id}, {"from", from}, {"to", target->name},
                      {"database", options.database}, {"files", options.files}};
  services.record("restore.started", site, target->name, what);
  if (services.run != nullptr) {
    if (auto flushed = services.run->flush(); !flushed) return tl::unexpected(flushed.error());
  }
  auto result = restore_locked(inventory, site, *target, *backup, options, services, **store);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  what["duration_ms"] = elapsed.count();
  if (result) {
    what["outcome"] = "ok";
    what["bytes"] = result->bytes;
    what["restored"] = result->restored;
    what["safety_backup"] = result->safety_backup.value_or("");
    services.record("restore.finished", site, target->name, what);
  } else {
    what["outcome"] = "failed";
    what["reason"] = result.error().message;
    what["error_kind"] = core::to_string(result.error().kind);
    services.record("restore.failed", site, target->name, what);
  }
  return result;
}

} // namespace tma::backup
