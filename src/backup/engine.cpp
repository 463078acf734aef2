#include <tma/backup/engine.hpp>

#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

#include <tma/backup/methods.hpp>
#include <tma/core/log.hpp>
#include <tma/core/version.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;

core::SysSeconds Services::current_time() const {
  if (now) return now();
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void Services::record(const std::string& type, const inventory::Site& site, const std::string& env,
                      nlohmann::json data) const {
  if (run != nullptr) run->record(type, journal::Subject{site.name, env, site.client}, std::move(data));
}

core::Result<std::string> backups_root(const inventory::Inventory& inventory, const inventory::Site& site) {
  for (const auto& name : site.backup.storage) {
    auto it = inventory.storage.find(name);
    if (it == inventory.storage.end()) {
      return core::fail(ErrorKind::config, fmt::format("site {}: unknown storage '{}'", site.name, name));
    }
    if (it->second.type != "local") {
      return core::fail(ErrorKind::config, fmt::format("site {}: storage '{}' has type {}, which this tma cannot "
                                                       "write yet (only local)", site.name, name, it->second.type));
    }
  }
  for (const auto& name : site.backup.storage) {
    const auto& target = inventory.storage.at(name);
    fs::path path = target.path;
    if (path.is_relative()) path = fs::path(inventory.directory) / path;
    return path.lexically_normal().string();
  }
  return core::fail(ErrorKind::config, fmt::format("site {}: no local backup storage", site.name));
}

core::Result<StoredBackup> find_backup(const LocalStore& store, const std::string& site, const std::string& env,
                                       const std::string& id) {
  auto listing = store.list(site, env);
  if (!listing) return tl::unexpected(listing.error());
  if (listing->backups.empty()) {
    return core::fail(ErrorKind::usage, fmt::format("site {}: no backup of {} in {}", site, env, store.root()));
  }
  if (id == "latest") return listing->backups.front();
  for (auto& b : listing->backups) {
    if (b.manifest.id == id) return b;
  }
  return core::fail(ErrorKind::usage, fmt::format("site {}: no backup '{}' of {} (see `tma backups --site {}`)", site,
                                                  id, env, site));
}

PruneOutcome prune_backups(LocalStore& store, const inventory::Site& site, const std::string& env, bool dry_run,
                           const RetentionGuards& guards, const Services& services) {
  PruneOutcome outcome;
  auto listing = store.list(site.name, env);
  if (!listing) {
    outcome.error = listing.error();
    return outcome;
  }
  std::vector<BackupRef> refs;
  for (const auto& b : listing->backups) {
    bool pre_update = b.manifest.kind == BackupKind::pre_update;
    refs.push_back({b.manifest.id, b.manifest.time, pre_update, pre_update && b.manifest.update_outcome == "updated"});
  }
  auto plan = plan_retention(refs, site.backup.keep, services.zone, guards);
  if (!plan) {
    outcome.error = core::with_context(plan.error(), fmt::format("site {} {}", site.name, env));
    return outcome;
  }
  outcome.plan = *plan;
  if (dry_run) return outcome;
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& d : plan->decisions) {
    if (d.keep) kept.push_back({{"id", d.backup.id}, {"reasons", d.reasons}});
  }
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& b : plan->removed()) removed.push_back(b.id);
  if (removed.empty()) return outcome; // nothing to do, nothing to journal
  // Journal the plan before deleting (journal before acting), then the result.
  services.record("backup.prune_planned", site, env,
                  {{"policy", describe_policy(site.backup.keep)}, {"remove", removed}});
  if (services.run != nullptr) {
    if (auto flushed = services.run->flush(); !flushed) {
      outcome.error = flushed.error();
      return outcome;
    }
  }
  for (const auto& b : plan->removed()) {
    if (auto gone = store.remove(site.name, env, b.id); !gone) {
      outcome.error = gone.error();
      break;
    }
    outcome.removed.push_back(b.id);
  }
  services.record("backup.pruned", site, env,
                  {{"policy", describe_policy(site.backup.keep)},
                   {"kept", kept},
                   {"removed", outcome.removed},
                   {"outcome", outcome.error ? "failed" : "ok"},
                   {"reason", outcome.error ? outcome.error->message : ""}});
  return outcome;
}

namespace {

std::string holder_text(const std::string& what) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("tma {} (pid {} on {}, since {})", what, ::getpid(), host,
                     core::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now())));
}

} // namespace

BackupOutcome run_backup(const inventory::Inventory& inventory, const inventory::Site& site,
                         const inventory::Environment& env, const BackupOptions& options, const Services& services) {
  BackupOutcome outcome;
  outcome.site = site.name;
  outcome.env = env.name;
  auto started_clock = std::chrono::steady_clock::now();
  auto started = services.current_time();
  const std::string method(inventory::to_string(site.backup.method));

  auto fail = [&](core::Error error) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_clock);
    error = core::with_context(std::move(error), fmt::format("backup of {} {}", site.name, env.name));
    services.record("backup.failed", site, env.name,
                    {{"kind", to_string(options.kind)},
                     {"method", method},
                     {"outcome", "failed"},
                     {"error_kind", core::to_string(error.kind)},
                     {"reason", error.message},
                     {"duration_ms", elapsed.count()}});
    outcome.error = std::move(error);
    return outcome;
  };

  auto root = backups_root(inventory, site);
  if (!root) return fail(root.error());
  LocalStore store(*root);

  std::optional<SiteLock> lock;
  if (options.take_lock) {
    auto taken = SiteLock::acquire(store.site_dir(site.name), holder_text("backup " + site.name), options.lock_wait);
    if (!taken) {
      outcome.error = taken.error(); // not journaled: the holder is doing the work
      return outcome;
    }
    lock.emplace(std::move(*taken));
  }

  auto leftovers = store.clean_leftovers(site.name, env.name);
  if (!leftovers) return fail(leftovers.error());
  outcome.leftovers = *leftovers;
  if (!leftovers->empty()) {
    nlohmann::json removed = nlohmann::json::array();
    for (const auto& l : *leftovers) {
      core::log::warning("{} {}: removed the leftover of an interrupted backup: {}", site.name, env.name, l.path);
      removed.push_back({{"path", l.path}, {"bytes", l.bytes}});
    }
    services.record("backup.cleanup", site, env.name, {{"removed", removed}});
  }

  auto id = store.create(site.name, env.name, started);
  if (!id) return fail(id.error());
  Manifest manifest;
  manifest.id = *id;
  manifest.site = site.name;
  manifest.env = env.name;
  manifest.time = started;
  manifest.tma_version = std::string(core::version());
  manifest.kind = options.kind;
  manifest.method = method;
  manifest.run = services.run != nullptr ? services.run->id() : "";

  MethodContext context;
  context.site = &site;
  context.env = &env;
  context.http = services.http;
  context.dir = store.env_dir(site.name, env.name) + "/" + *id;
  context.run_id = manifest.run.empty() ? *id : manifest.run;
  context.manifest = &manifest;
  context.poll_interval = services.http_poll_interval;
  context.poll_timeout = services.http_poll_timeout;

  std::unique_ptr<transport::Transport> transport;
  if (site.backup.method != inventory::BackupMethod::http) {
    auto made = services.make_transport(env);
    if (!made) return fail(made.error());
    transport = std::move(*made);
    context.transport = transport.get();
  } else if (services.http == nullptr) {
    return fail(core::Error{ErrorKind::internal, "no HTTP client"});
  }

  core::Result<std::vector<ArtifactInfo>> artifacts = core::fail(ErrorKind::internal, "no method");
  switch (site.backup.method) {
    case inventory::BackupMethod::ssh: artifacts = run_ssh_method(context); break;
    case inventory::BackupMethod::custom: artifacts = run_custom_method(context); break;
    case inventory::BackupMethod::http: artifacts = run_http_method(context); break;
  }
  if (!artifacts) {
    // The directory has no manifest: it does not exist as a backup; remove it now (the next run
    // would anyway).
    std::error_code ec;
    fs::remove_all(context.dir, ec);
    auto result = fail(artifacts.error());
    // Never prune when the current backup failed (the guard is recorded for dry runs to show).
    return result;
  }
  if (artifacts->empty() && manifest.remote_id.empty()) {
    std::error_code ec;
    fs::remove_all(context.dir, ec);
    return fail(core::Error{ErrorKind::config, "nothing to back up (no database, no paths)"});
  }
  manifest.artifacts = std::move(*artifacts);
  manifest.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_clock);
  if (auto written = store.write_manifest(site.name, env.name, manifest); !written) return fail(written.error());
  outcome.manifest = manifest;

  nlohmann::json artifacts_json = nlohmann::json::array();
  for (const auto& a : manifest.artifacts) {
    artifacts_json.push_back({{"name", a.name}, {"size", a.size}, {"sha256", a.sha256}});
  }
  services.record("backup.finished", site, env.name,
                  {{"id", manifest.id},
                   {"kind", to_string(manifest.kind)},
                   {"method", method},
                   {"outcome", "ok"},
                   {"size", manifest.total_size()},
                   {"artifacts", artifacts_json},
                   {"versions", manifest.versions},
                   {"remote_id", manifest.remote_id},
                   {"duration_ms", manifest.duration.count()}});

  if (options.prune) outcome.prune = prune_backups(store, site, env.name, false, RetentionGuards{}, services);
  return outcome;
}

core::Result<void> mark_update_completed(const inventory::Inventory& inventory, const inventory::Site& site,
                                         const std::string& env, const std::string& id, const Services& services,
                                         std::chrono::milliseconds lock_wait) {
  auto root = backups_root(inventory, site);
  if (!root) return tl::unexpected(root.error());
  LocalStore store(*root);
  // The lock keeps a concurrent prune from deleting the backup while its manifest is rewritten.
  auto lock = SiteLock::acquire(store.site_dir(site.name), holder_text("update mark " + site.name), lock_wait);
  if (!lock) return tl::unexpected(lock.error());
  auto found = find_backup(store, site.name, env, id);
  if (!found) return tl::unexpected(found.error());
  Manifest manifest = found->manifest;
  if (manifest.kind != BackupKind::pre_update) {
    return core::fail(ErrorKind::usage, fmt::format("site {} {}: backup {} is a {} backup, not pre-update", site.name,
                                                    env, id, to_string(manifest.kind)));
  }
  manifest.update_outcome = "updated";
  services.record("backup.update_completed", site, env, {{"backup", id}});
  if (auto written = store.write_manifest(site.name, env, manifest); !written) {
    return tl::unexpected(core::with_context(written.error(), fmt::format("site {} {}: marking backup {}", site.name, env, id)));
  }
  return {};
}

} // namespace tma::backup
