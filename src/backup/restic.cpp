#include <tma/backup/restic.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <array>
#include <shared_mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/backup/repository_lock.hpp>
#include <tma/backup/verify.hpp>
#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>
#include <tma/transport/secret.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;
using nlohmann::json;

namespace {

// restic clears its progress line with CSI sequences (`ESC [ 2 K`) even on a pipe; they are noise in
// a journaled reason.
std::string without_terminal_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e)) ++i; // parameters, up to the final byte
      continue;
    }
    out += text[i];
  }
  return out;
}

constexpr std::size_t k_max_listing = 64 * 1024 * 1024;
constexpr std::size_t k_max_manifest = 4 * 1024 * 1024;
// How long to wait before each new try of a command another program's lock refused: about a
// minute in all, the time a `restic forget` of a few snapshots takes on a slow remote.
constexpr std::array<std::chrono::seconds, 5> k_lock_retries{std::chrono::seconds(2), std::chrono::seconds(4),
                                                             std::chrono::seconds(8), std::chrono::seconds(15),
                                                             std::chrono::seconds(30)};

/// Closes a file descriptor.
class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd;
};

} // namespace

tl::expected<std::vector<ResticSnapshot>, std::string> parse_restic_snapshots(std::string_view text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return tl::unexpected<std::string>("restic snapshots: output is not JSON");
  if (parsed.is_null())
    return std::vector<ResticSnapshot>{}; // restic prints `null` for none in
                                          // some versions
  if (!parsed.is_array()) return tl::unexpected<std::string>("restic snapshots: expected a JSON array");
  std::vector<ResticSnapshot> out;
  for (const auto &item : parsed) {
    if (!item.is_object() || !item.contains("id") || !item.at("id").is_string()) {
      return tl::unexpected<std::string>("restic snapshots: a snapshot without an id");
    }
    ResticSnapshot s;
    s.id = item.at("id").get<std::string>();
    s.time = item.value("time", "");
    if (item.contains("tags") && item.at("tags").is_array()) {
      for (const auto &t : item.at("tags")) {
        if (t.is_string()) s.tags.push_back(t.get<std::string>());
      }
    }
    if (item.contains("paths") && item.at("paths").is_array()) {
      for (const auto &p : item.at("paths")) {
        if (p.is_string()) s.paths.push_back(p.get<std::string>());
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

tl::expected<ResticSummary, std::string> parse_restic_summary(std::string_view lines) {
  std::optional<ResticSummary> found;
  std::size_t pos = 0;
  while (pos < lines.size()) {
    auto end = lines.find('\n', pos);
    auto line = lines.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? lines.size() : end + 1;
    auto parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || parsed.value("message_type", "") != "summary") continue;
    ResticSummary summary;
    summary.snapshot_id = parsed.value("snapshot_id", "");
    if (parsed.contains("total_bytes_processed") && parsed.at("total_bytes_processed").is_number_unsigned()) {
      summary.bytes = parsed.at("total_bytes_processed").get<std::uint64_t>();
    }
    found = summary;
  }
  if (!found) return tl::unexpected<std::string>("restic backup printed no summary");
  if (found->snapshot_id.empty()) return tl::unexpected<std::string>("restic backup made no snapshot");
  return *found;
}

std::optional<std::string> restic_tag(const std::vector<std::string> &tags, std::string_view key) {
  for (const auto &tag : tags) {
    if (tag.size() > key.size() && tag.compare(0, key.size(), key) == 0 && tag[key.size()] == '=') {
      return tag.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

core::Result<std::vector<std::string>> restic_tags(const Manifest &manifest, const std::string &file) {
  std::vector<std::pair<std::string, std::string>> values{{"site", manifest.site},
                                                          {"env", manifest.env},
                                                          {"backup", manifest.id},
                                                          {"run", manifest.run},
                                                          {"kind", std::string(to_string(manifest.kind))},
                                                          {"artifact", file}};
  std::vector<std::string> tags{"tma"};
  for (const auto &[key, value] : values) {
    if (key == "run" && value.empty()) continue; // no journal run (tests, library use)
    if (value.empty() || value.find(',') != std::string::npos) {
      return core::fail(ErrorKind::config, fmt::format("restic tag {}='{}': empty or contains a comma", key, value));
    }
    tags.push_back(key + "=" + value);
  }
  return tags;
}

std::vector<ResticGroup> group_restic_snapshots(const std::vector<ResticSnapshot> &snapshots) {
  // Newest first, so that the first snapshot seen for a file wins.
  std::vector<const ResticSnapshot *> sorted;
  for (const auto &s : snapshots)
    sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto *a, auto *b) { return a->time > b->time; });
  std::map<std::string, ResticGroup> groups;
  for (const auto *s : sorted) {
    auto id = restic_tag(s->tags, "backup");
    auto file = restic_tag(s->tags, "artifact");
    if (!id || !file) continue;
    auto &group = groups[*id];
    group.id = *id;
    group.files.emplace(*file, s->id);
  }
  std::vector<ResticGroup> out;
  for (auto &[id, group] : groups)
    out.push_back(std::move(group));
  return out;
}

// ----- ResticStore -----

ResticStore::ResticStore(inventory::StorageTarget target, std::string staging_root)
    : m_target(std::move(target)), m_staging(std::move(staging_root)) {}

std::string ResticStore::location() const { return core::redact("restic " + m_target.repository); }

core::Result<void> ResticStore::ensure_password() const {
  if (!m_password) {
    auto password = transport::resolve_secret(m_target.password, "storage." + m_target.name + ".password");
    if (!password) return tl::unexpected(password.error());
    if (password->empty()) {
      return core::fail(ErrorKind::config, fmt::format("storage {}: a restic storage needs a password or "
                                                       "password_command",
                                                       m_target.name));
    }
    core::register_secret(*password);
    m_password = *password;
  }
  return {};
}

core::Result<transport::ProcessResult> ResticStore::restic(const std::vector<std::string> &args,
                                                           transport::ProcessOptions options,
                                                           const std::string &what) const {
  // Nothing new starts once tma is stopping (the clean-up of a failed backup, say): it would be
  // stopped at once, and a restic stopped before it has registered its new lock leaves that lock
  // behind (restic 0.14). The next run does that work.
  if (options.interruptible == transport::Interruptible::yes && core::interrupted()) {
    return core::fail(ErrorKind::interrupted, core::redact(fmt::format("{} ({}): not started: tma is stopping", what, location())));
  }
  if (auto password = ensure_password(); !password) return tl::unexpected(password.error());
  // Through the environment only: argv is world-readable in /proc. The other
  // password sources of restic are blanked so that a stray RESTIC_PASSWORD_FILE
  // cannot take precedence.
  options.env["RESTIC_REPOSITORY"] = m_target.repository;
  options.env["RESTIC_PASSWORD"] = *m_password;
  options.env["RESTIC_PASSWORD_FILE"] = "";
  options.env["RESTIC_PASSWORD_COMMAND"] = "";
  options.env["RESTIC_REPOSITORY_FILE"] = "";
  // restic removes its lock from the repository when it is stopped by SIGINT, not by SIGTERM.
  options.stop_signal = SIGINT;
  std::vector<std::string> argv{"restic"};
  argv.insert(argv.end(), args.begin(), args.end());
  // The commands of this tma wait for each other (RepositoryLock); another program's lock
  // (another runner's tma, a restic run by hand) is waited for by retrying a command that has no
  // stream on its stdin, which can start again from scratch. A stream cannot: a `backup --stdin`
  // refused by another program's lock fails, and the next run backs up again.
  bool exclusive = !args.empty() && (args.front() == "forget" || args.front() == "prune");
  bool retryable = !options.stdin_source && options.stdin_fd < 0;
  auto &repository = repository_lock(m_target.repository);
  core::Result<transport::ProcessResult> result = tl::unexpected(core::Error{ErrorKind::internal, "restic not run"});
  for (std::size_t attempt = 0;; ++attempt) {
    if (exclusive) {
      std::lock_guard held(repository);
      result = transport::run_process(argv, options);
    } else {
      std::shared_lock held(repository);
      result = transport::run_process(argv, options);
    }
    if (!result || result->ok() || !is_lock_refusal(result->stderr_tail)) break;
    // A restic killed with -9 (or by a kill of its tma) leaves its lock in the repository, and
    // restic 0.14 never ignores one: every later command would be refused. `restic unlock` removes
    // only stale locks (a dead process on this host, or none refreshed for 30 minutes), never a
    // live one; once per command is enough.
    if (attempt == 0) remove_stale_locks(options, what);
    if (!retryable || attempt >= k_lock_retries.size()) break;
    core::log::info("{} ({}): the repository is locked by another program; trying again in {} s", what, location(),
                    k_lock_retries[attempt].count());
    if (!core::sleep_unless_interrupted(k_lock_retries[attempt])) break;
  }
  if (!result) {
    return core::fail(ErrorKind::config,
                      core::redact(fmt::format("{}: cannot run restic: {}", what, result.error().message)));
  }
  if (!result->ok()) {
    std::string tail(core::trim(without_terminal_controls(result->stderr_tail)));
    if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
    // A restic stopped because tma was (Ctrl-C, SIGTERM, its runner gone) is not a storage
    // failure: the journal and the report tell the two apart.
    auto kind = result->ending == transport::Ending::interrupted ? ErrorKind::interrupted
                : result->ending == transport::Ending::timed_out ? ErrorKind::timeout
                                                                 : ErrorKind::io;
    return core::fail(kind, core::redact(fmt::format("{} ({}): restic {}: {}", what, location(), result->describe(), tail)));
  }
  return result;
}

void ResticStore::remove_stale_locks(const transport::ProcessOptions& command_options, const std::string& what) const {
  transport::ProcessOptions options;
  options.env = command_options.env; // the repository and its password
  options.stop_signal = SIGINT;
  options.timeout = std::chrono::minutes(2);
  auto unlocked = transport::run_process({"restic", "unlock"}, options);
  if (!unlocked || !unlocked->ok()) {
    core::log::warning("{} ({}): restic unlock: {}", what, location(),
                       core::redact(unlocked ? std::string(core::trim(unlocked->stderr_tail)) : unlocked.error().message));
  }
}

namespace {

// Ids may be short (as `restic backup` reports them) or full (as `restic snapshots` lists them).
bool same_snapshot(const std::string &a, const std::string &b) {
  return !a.empty() && !b.empty() && (a.rfind(b, 0) == 0 || b.rfind(a, 0) == 0);
}

} // namespace

core::Result<std::vector<ResticSnapshot>> ResticStore::list_snapshots(const std::string &site,
                                                                      const std::string &env) const {
  std::string out;
  transport::ProcessOptions options;
  options.timeout = k_restic_timeout;
  options.on_stdout = transport::string_sink(out, k_max_listing);
  auto ran = restic({"snapshots", "--json", "--tag", fmt::format("tma,site={},env={}", site, env)}, options,
                    fmt::format("listing {} {}", site, env));
  if (!ran) return tl::unexpected(ran.error());
  auto parsed = parse_restic_snapshots(out);
  if (!parsed) return core::fail(ErrorKind::io, fmt::format("{}: {}", location(), parsed.error()));
  return *parsed;
}

core::Result<void> ResticStore::prefetch(const std::string &site, const std::string &env) {
  const auto key = site + "/" + env;
  if (m_known.count(key) != 0 || (m_prefetch && m_prefetch->first == key)) return {};
  if (auto password = ensure_password(); !password) return password;
  if (m_prefetch) (void)snapshots(site, env); // one listing in flight at a time: settle the other first
  m_prefetch.emplace(key, std::async(std::launch::async, [this, site, env] { return list_snapshots(site, env); }));
  return {};
}

core::Result<std::vector<ResticSnapshot>> ResticStore::snapshots(const std::string &site,
                                                                 const std::string &env) const {
  const auto key = site + "/" + env;
  if (m_prefetch) {
    auto [listed_key, pending] = std::move(*m_prefetch);
    m_prefetch.reset();
    auto listed = pending.get();
    auto made = std::move(m_made_meanwhile[listed_key]);
    m_made_meanwhile.erase(listed_key);
    if (listed) {
      // What this object made while the listing ran, unless the listing already saw it.
      for (auto &snapshot : made) {
        bool seen = std::any_of(listed->begin(), listed->end(),
                                [&](const ResticSnapshot &s) { return same_snapshot(s.id, snapshot.id); });
        if (!seen) listed->push_back(std::move(snapshot));
      }
      m_known[listed_key] = std::move(*listed);
    } else if (listed_key == key) {
      return tl::unexpected(listed.error());
    }
  }
  if (auto known = m_known.find(key); known != m_known.end()) return known->second;
  auto listed = list_snapshots(site, env);
  if (!listed) return tl::unexpected(listed.error());
  m_known[key] = *listed;
  return *listed;
}

void ResticStore::note_made(const std::string &site, const std::string &env, ResticSnapshot snapshot) const {
  const auto key = site + "/" + env;
  if (auto known = m_known.find(key); known != m_known.end()) known->second.push_back(std::move(snapshot));
  else if (m_prefetch && m_prefetch->first == key) m_made_meanwhile[key].push_back(std::move(snapshot));
}

void ResticStore::note_forgotten(const std::vector<std::string> &ids) const {
  auto forgotten = [&](const ResticSnapshot &s) {
    return std::any_of(ids.begin(), ids.end(), [&](const std::string &id) { return same_snapshot(s.id, id); });
  };
  for (auto &[key, list] : m_known) std::erase_if(list, forgotten);
  for (auto &[key, list] : m_made_meanwhile) std::erase_if(list, forgotten);
}

core::Result<std::string> ResticStore::dump_text(const std::string &snapshot, const std::string &file) const {
  std::string out;
  transport::ProcessOptions options;
  options.timeout = k_restic_timeout;
  options.on_stdout = transport::string_sink(out, k_max_manifest);
  auto ran = restic({"dump", snapshot, "/" + file}, options, fmt::format("reading {} of snapshot {}", file, snapshot));
  if (!ran) return tl::unexpected(ran.error());
  return out;
}

core::Result<StoreListing> ResticStore::list(const std::string &site, const std::string &env) const {
  auto all = snapshots(site, env);
  if (!all) return tl::unexpected(all.error());
  StoreListing listing;
  for (auto &group : group_restic_snapshots(*all)) {
    auto manifest_snapshot = group.files.find("manifest.json");
    if (manifest_snapshot == group.files.end()) continue; // an interrupted upload: not a backup
    core::Result<std::string> text = core::fail(ErrorKind::internal, "no manifest");
    if (auto cached = cached_manifest(manifest_snapshot->second)) {
      text = std::move(*cached);
    } else {
      text = dump_text(manifest_snapshot->second, "manifest.json");
      if (!text) {
        listing.problems.push_back(text.error().message);
        continue;
      }
    }
    auto parsed = json::parse(*text, nullptr, false);
    auto manifest = parsed.is_discarded() ? tl::unexpected<std::string>("not JSON") : manifest_from_json(parsed);
    std::string where = fmt::format("{} snapshot {}", location(), manifest_snapshot->second.substr(0, 8));
    if (!manifest) {
      listing.problems.push_back(fmt::format("{}: manifest.json: {}", where, manifest.error()));
      continue;
    }
    if (manifest->id != group.id || manifest->site != site || manifest->env != env) {
      listing.problems.push_back(fmt::format("{}: manifest does not describe backup {}", where, group.id));
      continue;
    }
    std::vector<std::string> missing;
    for (const auto &a : manifest->artifacts) {
      if (!group.files.count(a.name)) missing.push_back(a.name);
    }
    if (!missing.empty()) {
      listing.problems.push_back(
          fmt::format("{}: backup {} has no snapshot for {}", location(), group.id, core::join(missing, ", ")));
      continue;
    }
    remember_manifest(manifest_snapshot->second, *text); // checked: worth keeping
    listing.backups.push_back(StoredBackup{std::move(*manifest), "", group.files});
  }
  std::sort(listing.backups.begin(), listing.backups.end(), [](const StoredBackup &a, const StoredBackup &b) {
    return a.manifest.time != b.manifest.time ? a.manifest.time > b.manifest.time : a.manifest.id > b.manifest.id;
  });
  return listing;
}

core::Result<void> ResticStore::remove_backup(const StoredBackup &backup) { return forget_backup(backup.snapshots); }

core::Result<void> ResticStore::compact() {
  transport::ProcessOptions options;
  options.timeout = k_restic_timeout;
  auto ran = restic({"prune"}, options, "restic prune");
  if (!ran) return tl::unexpected(ran.error());
  return {};
}

core::Result<std::string> ResticStore::materialize(const StoredBackup &backup, const std::string &scratch) const {
  std::vector<std::string> files{"manifest.json"};
  for (const auto &a : backup.manifest.artifacts)
    files.push_back(a.name);
  for (const auto &file : files) {
    auto snapshot = backup.snapshots.find(file);
    if (snapshot == backup.snapshots.end()) {
      return core::fail(ErrorKind::io, fmt::format("backup {}: no snapshot for {}", backup.manifest.id, file));
    }
    auto path = scratch + "/" + file;
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return core::fail(ErrorKind::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    transport::ProcessOptions options; // no timeout: a dump takes as long as the repository needs
    bool write_failed = false;
    auto sink = transport::fd_sink(fd.get());
    options.on_stdout = [&](std::string_view chunk) {
      if (sink(chunk)) return true;
      write_failed = true;
      return false;
    };
    auto ran = restic({"dump", snapshot->second, "/" + file}, options,
                      fmt::format("restic dump of {} (backup {})", file, backup.manifest.id));
    if (write_failed) return core::fail(ErrorKind::io, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    if (!ran) return tl::unexpected(ran.error());
    if (::close(fd.release()) != 0) return core::fail(ErrorKind::io, fmt::format("cannot write {}", path));
  }
  return scratch;
}

std::vector<std::string> ResticStore::verify(const StoredBackup &backup) const {
  std::error_code ec;
  fs::create_directories(m_staging, ec);
  std::string pattern = m_staging + "/.verify-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return {fmt::format("cannot create a directory in {}: {}", m_staging, std::strerror(errno))};
  }
  std::vector<std::string> problems;
  if (auto dir = materialize(backup, pattern); !dir) {
    problems.push_back(dir.error().message);
  } else {
    problems = verify_backup(*dir, backup.manifest);
  }
  fs::remove_all(pattern, ec);
  return problems;
}

core::Result<std::vector<Leftover>> ResticStore::clean_leftovers(const std::string &site, const std::string &env,
                                                                const std::string &current) {
  auto all = snapshots(site, env);
  if (!all) return tl::unexpected(all.error());
  std::vector<Leftover> removed;
  std::vector<std::string> ids;
  for (const auto &group : group_restic_snapshots(*all)) {
    if (group.files.count("manifest.json") || (!current.empty() && group.id == current)) continue;
    for (const auto &[file, id] : group.files) {
      ids.push_back(id);
      removed.push_back({fmt::format("restic:{} ({} of {})", id.substr(0, 8), file, group.id), 0});
    }
  }
  if (auto gone = forget(ids); !gone) return tl::unexpected(gone.error());
  return removed;
}

} // namespace tma::backup
