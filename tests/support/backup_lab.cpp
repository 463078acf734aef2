#include "support/backup_lab.hpp"

#include <cstdio>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/backup/store.hpp>

#include "support/run_program.hpp"
#include "support/paths.hpp"

namespace fs = std::filesystem;

namespace tma::test {

BackupLab::BackupLab() {
  db.sql("CREATE DATABASE wp CHARACTER SET utf8mb4; CREATE TABLE wp.wp_posts (id INT PRIMARY KEY, title TEXT) ENGINE=InnoDB;"
         "INSERT INTO wp.wp_posts VALUES (1, 'Hello'), (2, 'Émoji ☕ and \\'quotes\\''), (3, REPEAT('x', 5000));"
         "CREATE TABLE wp.wp_options (name VARCHAR(64) PRIMARY KEY, value TEXT) ENGINE=InnoDB;"
         "INSERT INTO wp.wp_options VALUES ('siteurl', 'https://acme.example'), ('blogname', 'Acme');");
  prod_root = sshd.make_site_dir("acme");
  preprod_root = sshd.make_site_dir("acme-preprod");
  auto made = run_program({std::string(TMA_LAB_DIR) + "/make_wp_site", prod_root, "--core", "6.4.3", "--plugin",
                           "akismet=5.0.2:active", "--db-name", "wp", "--db-user", "root", "--db-password", "",
                           "--db-host", "localhost:" + db.socket()});
  REQUIRE(made.exit_code == 0);
  auto made_preprod = run_program({std::string(TMA_LAB_DIR) + "/make_wp_site", preprod_root, "--core", "6.4.2",
                                   "--db-name", "wp", "--db-user", "root", "--db-password", "", "--db-host",
                                   "localhost:" + db.socket()});
  REQUIRE(made_preprod.exit_code == 0);
  // Uploads with awkward names, a link inside the tree, a cache that the policy excludes.
  auto random = run_program({"head", "-c", "300000", "/dev/urandom"});
  fs::create_directories(prod_root + "/wp-content/uploads/2026/11");
  fs::create_directories(prod_root + "/wp-content/cache");
  {
    std::FILE* f = std::fopen((prod_root + "/wp-content/uploads/2026/11/photo one.jpg").c_str(), "wb");
    std::fwrite(random.out.data(), 1, random.out.size(), f);
    std::fclose(f);
  }
  TempDir scratch;
  fs::copy_file(scratch.write("x", "<?php // l'été\n"), prod_root + "/wp-content/uploads/2026/11/été's.php");
  fs::create_symlink("2026/11", prod_root + "/wp-content/uploads/current");
  fs::copy_file(scratch.write("c", "cached page"), prod_root + "/wp-content/cache/page.html");
  fs::copy_file(scratch.write("p", "preprod only"), preprod_root + "/preprod.txt");
  auto init = tma({"init", agency.path().string()});
  REQUIRE(init.exit_code == 0);
}

void BackupLab::write_inventory(const std::string& wp, const std::string& keep, const std::string& storage,
                                const std::string& use) {
  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  agency.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage: {storage}
defaults:
  backup: {{storage: {use}, keep: {keep}, schedule: "daily 02:30", exclude: [wp-content/cache]}}
sites:
  acme:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://127.0.0.1:9/", ssh: {ssh}, path: "{prod}", wp: "{wp}"}}
      preprod: {{url: "http://127.0.0.1:9/", ssh: {ssh}, path: "{preprod}", wp: "{wp}"}}
)",
                                         fmt::arg("keep", keep), fmt::arg("storage", storage), fmt::arg("use", use),
                                         fmt::arg("ssh", ssh), fmt::arg("prod", prod_root),
                                         fmt::arg("preprod", preprod_root), fmt::arg("wp", wp)));
}

Output BackupLab::tma(std::vector<std::string> args) const {
  if (args.empty() || args.front() != "init") args.insert(args.begin(), {"-i", agency.file("sites.yaml")});
  return run_tma(args, {{"TMA_ACTOR", "Lab <lab@tma.invalid>"}});
}

std::string BackupLab::tree_digest(const std::string& root) {
  std::vector<std::string> lines;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    auto rel = fs::relative(it->path(), root).string();
    if (it->is_symlink()) {
      lines.push_back(rel + " -> " + fs::read_symlink(it->path()).string());
    } else if (it->is_directory()) {
      lines.push_back(rel + "/");
    } else {
      auto digest = ::tma::backup::digest_file(it->path().string());
      REQUIRE(digest);
      struct stat st {};
      ::lstat(it->path().c_str(), &st);
      lines.push_back(fmt::format("{} {} {:o}", rel, digest->sha256, st.st_mode & 07777));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string BackupLab::db_digest() const {
  return db.sql("SHOW TABLES FROM wp") + db.sql("SELECT id, MD5(title) FROM wp.wp_posts ORDER BY id") +
         db.sql("SELECT name, value FROM wp.wp_options ORDER BY name");
}

std::string BackupLab::script(const std::string& name, const std::string& body) const {
  auto path = agency.write(name, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  return path;
}

std::vector<std::string> BackupLab::listed() const {
  auto out = tma({"backups", "--site", "acme", "--env", "prod", "--format", "json"});
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  std::vector<std::string> ids;
  auto document = nlohmann::json::parse(out.out); // keep it alive for the loop
  for (const auto& b : document.at("backups")) ids.push_back(b.at("id").get<std::string>());
  return ids;
}

} // namespace tma::test
