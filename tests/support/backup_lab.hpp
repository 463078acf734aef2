#pragma once
// A WordPress-like site on the lab sshd with its database in the lab MariaDB, an agency directory
// (journal + sites.yaml) and helpers to fingerprint the files and the data: shared by the backup
// integration tests.

#include <string>
#include <vector>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace tma::test {

class BackupLab {
public:
  BackupLab();
  LabSshd sshd;
  LabMariadb db;
  TempDir agency;            ///< sites.yaml, journal, backups/
  std::string prod_root;     ///< the prod site root (on the "server")
  std::string preprod_root;
  /// Write sites.yaml: site `acme` (prod, preprod) with `wp` as its WP-CLI and `keep` as policy.
  /// `storage` is the YAML of the `storage:` map and `use` the site's `backup.storage`.
  void write_inventory(const std::string& wp, const std::string& keep = "{last: 3}",
                       const std::string& storage = "{local: {type: local, path: backups}}",
                       const std::string& use = "local");
  /// `tma -i sites.yaml args...`
  Output tma(std::vector<std::string> args) const;
  std::string backups_dir() const { return agency.file("backups"); }
  /// Every file, directory and link under `root` with its SHA-256 or target, sorted.
  static std::string tree_digest(const std::string& root);
  /// The tables of database `wp` and their rows.
  std::string db_digest() const;
  /// A script in the agency dir: `#!/bin/sh` + body, executable; returns its path.
  std::string script(const std::string& name, const std::string& body) const;
  /// Backup ids listed by `tma backups` for acme/prod.
  std::vector<std::string> listed() const;
};

} // namespace tma::test
