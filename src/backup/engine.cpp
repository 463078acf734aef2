#include <tma/backup/engine.hpp>

#include <tma/core/clock.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include <tma/backup/methods.hpp>
#include <tma/backup/restic.hpp>
#include <tma/backup/restic_stream.hpp>
#include <tma/core/log.hpp>
#include <tma/core/version.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;

core::SysSeconds Services::current_time() const {
  if (now) return now();
  return core::wall_now();
}

void Services::record(const std::string& type, const inventory::Site& site, const std::string& env,
                      nlohmann::json data) const {
  if (run != nullptr) run->record(type, journal::Subject{site.name, env, site.client}, std::move(data));
}

namespace {

/// `site.backup.storage` resolved against the inventory, in order.
core::Result<std::vector<const inventory::StorageTarget*>> storage_targets(const inventory::Inventory& inventory,
                                                                          const inventory::Site& site) {
  std::vector<const inventory::StorageTarget*> out;
  for (const auto& name : site.backup.storage) {
    auto it = inventory.storage.find(name);
    if (it == inventory.storage.end()) {
      return core::fail(ErrorKind::config, fmt::format("site {}: unknown storage '{}'", site.name, name));
    }
    if (it->second.type != "local" && it->second.type != "restic") {
      return core::fail(ErrorKind::config, fmt::format("site {}: storage '{}' has type {}, which this tma cannot "
                                                       "write (local, restic)", site.name, name, it->second.type));
    }
    if (it->second.type == "local" &&
        std::any_of(out.begin(), out.end(), [](const auto* t) { return t->type == "local"; })) {
      return core::fail(ErrorKind::config, fmt::format("site {}: more than one local storage in backup.storage",
                                                       site.name));
    }
    out.push_back(&it->second);
  }
  if (out.empty()) return core::fail(ErrorKind::config, fmt::format("site {}: no backup storage", site.name));
  return out;
}

std::string local_path(const inventory::Inventory& inventory, const std::string& path) {
  fs::path p = path;
  if (p.is_relative()) p = fs::path(inventory.directory) / p;
  return p.lexically_normal().string();
}

} // namespace

std::string restic_staging_root(const inventory::Inventory& inventory, const inventory::StorageTarget& target) {
  return local_path(inventory, target.path.empty() ? ".tma-staging/" + target.name : target.path);
}

core::Result<std::string> backups_root(const inventory::Inventory& inventory, const inventory::Site& site) {
  auto targets = storage_targets(inventory, site);
  if (!targets) return tl::unexpected(targets.error());
  for (const auto* t : *targets) {
    if (t->type == "local") return local_path(inventory, t->path);
  }
  return restic_staging_root(inventory, *targets->front());
}

core::Result<std::vector<std::unique_ptr<Store>>> open_stores(const inventory::Inventory& inventory,
                                                              const inventory::Site& site) {
  auto targets = storage_targets(inventory, site);
  if (!targets) return tl::unexpected(targets.error());
  std::vector<std::unique_ptr<Store>> stores;
  for (const auto* t : *targets) {
    if (t->type == "local") {
      stores.push_back(std::make_unique<LocalStore>(local_path(inventory, t->path)));
    } else {
      stores.push_back(std::make_unique<ResticStore>(*t, restic_staging_root(inventory, *t)));
    }
  }
  return stores;
}

core::Result<std::unique_ptr<Store>> open_store(const inventory::Inventory& inventory, const inventory::Site& site) {
  auto stores = open_stores(inventory, site);
  if (!stores) return tl::unexpected(stores.error());
  return std::move(stores->front());
}

core::Result<StoredBackup> find_backup(const Store& store, const std::string& site, const std::string& env,
                                       const std::string& id) {
  auto listing = store.list(site, env);
  if (!listing) return tl::unexpected(listing.error());
  if (listing->backups.empty()) {
    return core::fail(ErrorKind::usage, fmt::format("site {}: no backup of {} in {}", site, env, store.location()));
  }
  if (id == "latest") return listing->backups.front();
  for (auto& b : listing->backups) {
    if (b.manifest.id == id) return b;
  }
  return core::fail(ErrorKind::usage, fmt::format("site {}: no backup '{}' of {} (see `tma backups --site {}`)", site,
                                                  id, env, site));
}

PruneOutcome prune_backups(Store& store, const inventory::Site& site, const std::string& env, bool dry_run,
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
    auto stored = std::find_if(listing->backups.begin(), listing->backups.end(),
                               [&](const StoredBackup& s) { return s.manifest.id == b.id; });
    if (stored == listing->backups.end()) continue; // cannot happen: the plan comes from the listing
    if (auto gone = store.remove_backup(*stored); !gone) {
      outcome.error = gone.error();
      break;
    }
    outcome.removed.push_back(b.id);
  }
  if (!outcome.removed.empty() && !outcome.error) {
    if (auto compacted = store.compact(); !compacted) outcome.error = compacted.error();
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
                     core::format_rfc3339_utc(core::wall_now()));
}

} // namespace

/// Backup ids have a one-second resolution, and the local store reserves an id by its directory.
/// A staged or streamed backup removes that directory once restic holds the backup, so nothing
/// reserves the id any more: a second backup of the site in the same second would take it again,
/// and restic would see one backup made of two (snapshots are grouped by the id tag). Held while
/// the site's lock is, this waits, at most a second, until the id's second has passed.
class IdSecondGuard {
 public:
  IdSecondGuard(const Services& services, core::SysSeconds id_second) : m_services(services), m_second(id_second) {}
  IdSecondGuard(const IdSecondGuard&) = delete;
  IdSecondGuard& operator=(const IdSecondGuard&) = delete;
  ~IdSecondGuard() {
    // Polls the clock seam rather than sleeping until a computed instant: a test clock that
    // does not move costs the bound, not forever.
    const auto bound = std::chrono::steady_clock::now() + std::chrono::milliseconds(1100);
    while (m_services.current_time() <= m_second && std::chrono::steady_clock::now() < bound) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  const Services& m_services;
  core::SysSeconds m_second;
};

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

  auto stores = open_stores(inventory, site);
  if (!stores) return fail(stores.error());
  auto root = backups_root(inventory, site);
  if (!root) return fail(root.error());
  // The site's local store holds the backup, and the restic stores get its verified copy. Without
  // one, the staging directory of the first restic store holds the site lock and the backup id's
  // (empty) directory, and the artifacts stream into restic, checked on the way (ResticStream).
  LocalStore store(*root);
  bool staged = true;
  std::vector<ResticStore*> restic;
  for (auto& s : *stores) {
    if (auto* r = dynamic_cast<ResticStore*>(s.get())) restic.push_back(r);
    if (dynamic_cast<LocalStore*>(s.get()) != nullptr) staged = false;
  }

  std::optional<SiteLock> lock;
  if (options.take_lock) {
    auto taken = SiteLock::acquire(store.site_dir(site.name), holder_text("backup " + site.name), options.lock_wait);
    // Journaled like any failure: the holder may be doing this backup, or may be a run that died
    // half-way; either way the backup this run was asked for was not taken by it.
    if (!taken) return fail(taken.error());
    lock.emplace(std::move(*taken));
  }

  auto leftovers = store.clean_leftovers(site.name, env.name);
  if (!leftovers) return fail(leftovers.error());
  if (staged) {
    // A staged backup that is still here was never (completely) sent: its upload was interrupted.
    if (auto listing = store.list(site.name, env.name); listing) {
      for (const auto& b : listing->backups) {
        if (store.remove(site.name, env.name, b.manifest.id)) leftovers->push_back({b.dir, b.manifest.total_size()});
      }
    }
  }
  // restic's leftovers are listed while the backup streams (each restic start opens the
  // repository, 0.4 s) and forgotten once it has streamed, before its manifest.
  for (auto* r : restic) {
    if (auto listing = r->prefetch(site.name, env.name); !listing) {
      return fail(core::with_context(listing.error(), "storage " + r->name()));
    }
  }
  auto record_leftovers = [&](const std::vector<Leftover>& removed_now) {
    outcome.leftovers.insert(outcome.leftovers.end(), removed_now.begin(), removed_now.end());
    if (removed_now.empty()) return;
    nlohmann::json removed = nlohmann::json::array();
    for (const auto& l : removed_now) {
      core::log::warning("{} {}: removed the leftover of an interrupted backup: {}", site.name, env.name, l.path);
      removed.push_back({{"path", l.path}, {"bytes", l.bytes}});
    }
    services.record("backup.cleanup", site, env.name, {{"removed", removed}});
  };
  record_leftovers(*leftovers);

  // Declared after the lock: destroyed, and so waited for, before the lock is released.
  std::optional<IdSecondGuard> id_second;
  if (staged) id_second.emplace(services, started);

  MethodContext context;
  if (options.progress != nullptr && !staged) {
    // The sizes of the newest backup make the ETA (artifact names repeat from one backup to the next).
    if (auto listing = store.list(site.name, env.name); listing && !listing->backups.empty()) {
      for (const auto& a : listing->backups.front().manifest.artifacts) context.previous_sizes[a.name] = a.size;
    }
  }
  context.progress = options.progress;

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

  context.site = &site;
  context.env = &env;
  context.http = services.http;
  context.dir = store.env_dir(site.name, env.name) + "/" + *id;
  context.run_id = manifest.run.empty() ? *id : manifest.run;
  context.manifest = &manifest;
  context.poll_interval = services.http_poll_interval;
  context.poll_timeout = services.http_poll_timeout;
  std::optional<ResticStream> streaming;
  if (staged && !restic.empty()) {
    streaming.emplace(restic, manifest);
    context.destination = &*streaming;
  }

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
  nlohmann::json snapshots = nlohmann::json::object();
  if (streaming) {
    auto committed = streaming->commit(); // the manifest snapshots: the backup exists from here
    (void)store.remove(site.name, env.name, manifest.id); // the id's empty directory
    if (!committed) return fail(committed.error());
    for (const auto& [name, files] : *committed) snapshots[name] = files;
  } else if (auto written = store.write_manifest(site.name, env.name, manifest); !written) {
    // No manifest (disk full...), or one that may not have reached the disk: a failed backup, whose
    // directory goes at once rather than at the next run (docs/backup.md, "Layout").
    if (auto removed = store.remove(site.name, env.name, manifest.id); !removed) {
      core::log::warning("{} {}: cannot remove the failed backup {}: {}", site.name, env.name, context.dir,
                         removed.error().message);
    }
    return fail(written.error());
  }
  // Off-site copies: a backup is good only when every storage has it. When one copy fails, the
  // backup failed (`backup.failed`), so it must not stay listed anywhere: the local copy and the
  // copies already made in other restic storages are removed (docs/backup.md, "a backup that
  // failed never exists"); the site's earlier backups are untouched.
  std::vector<std::pair<ResticStore*, std::map<std::string, std::string>>> copied;
  for (auto* r : streaming ? std::vector<ResticStore*>{} : restic) {
    auto uploaded = r->upload(context.dir, manifest);
    if (!uploaded) {
      for (auto& [other, files] : copied) {
        if (auto gone = other->forget_backup(files); !gone) {
          core::log::warning("{} {}: storage {}: cannot forget the copy of the failed backup {} (the next backup "
                             "will): {}",
                             site.name, env.name, other->name(), manifest.id, gone.error().message);
        }
      }
      if (auto removed = store.remove(site.name, env.name, manifest.id); !removed) {
        core::log::warning("{} {}: cannot remove the failed backup {}: {}", site.name, env.name, context.dir,
                           removed.error().message);
      }
      return fail(core::with_context(uploaded.error(), "storage " + r->name()));
    }
    copied.emplace_back(r, *uploaded);
    snapshots[r->name()] = *uploaded;
  }
  // After the manifest: `restic forget` takes the repository's exclusive lock, which a restic
  // still reading (the manifest's, started early) would refuse. The backup is good whatever
  // happens here; the next run cleans up what this one could not.
  for (auto* r : restic) {
    if (auto gone = r->clean_leftovers(site.name, env.name, manifest.id); gone) {
      record_leftovers(*gone);
    } else {
      core::log::warning("{} {}: storage {}: leftovers of interrupted backups not removed: {}", site.name, env.name,
                         r->name(), gone.error().message);
    }
  }
  if (staged && !streaming) {
    if (auto removed = store.remove(site.name, env.name, manifest.id); !removed) {
      core::log::warning("{} {}: cannot remove the staged copy {}: {}", site.name, env.name, context.dir,
                         removed.error().message);
    }
  }
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
                   {"duration_ms", manifest.duration.count()},
                   {"storage", site.backup.storage},
                   {"snapshots", snapshots}});

  if (options.prune) {
    for (auto& s : *stores) {
      auto pruned = prune_backups(*s, site, env.name, false, RetentionGuards{}, services);
      if (!outcome.prune) {
        outcome.prune = std::move(pruned);
      } else if (pruned.error && !outcome.prune->error) {
        outcome.prune->error = core::with_context(*pruned.error, s->location());
      }
    }
  }
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
