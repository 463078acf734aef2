// A plain mysqldump backup (no CMS) against the lab's real MariaDB, with the credentials given as
// inventory secrets: round trip through `mysql`, and the password in no output, no journal, no
// argv of any process while tma runs, no file left on the server.
#include <fstream>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using tma::test::BackupLab;

namespace {

// Quotes, backslash, dollar, spaces: whatever could break an option file or a shell.
constexpr const char* k_db_password = R"(Sh0p "pw" \ $HOME 'x' secret)";

/// Every process's argv, sampled until `stop`; true when one contained `needle`.
void watch_argv(const std::string& needle, std::atomic<bool>& stop, std::atomic<bool>& seen, std::atomic<int>& samples) {
  while (!stop) {
    std::error_code ec; // processes come and go while we iterate: never throw from this thread
    for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      // POSIX reads: a process exiting mid-read gives ESRCH, which iostreams would throw.
      int fd = ::open((it->path() / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      std::string argv;
      char buffer[4096];
      ssize_t n = 0;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0) argv.append(buffer, static_cast<std::size_t>(n));
      ::close(fd);
      if (argv.find(needle) != std::string::npos) seen = true;
    }
    ++samples;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string shop_digest(const tma::test::LabMariadb& db) {
  return db.sql("SHOW TABLES FROM shop") + db.sql("SELECT id, MD5(label) FROM shop.items ORDER BY id");
}

// Site `shop` (static, no files) on the lab's sshd, its plain dump `database` given; `more` adds
// lines under `environments:` after prod.
std::string shop_inventory(const BackupLab& lab, const std::string& database, const std::string& more = "") {
  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         lab.sshd.user(), lab.sshd.port(), lab.sshd.identity(), lab.sshd.known_hosts());
  return fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage:
  local: {{type: local, path: backups}}
sites:
  shop:
    client: lab
    cms: static
    backup:
      keep: {{last: 3}}
      paths: []
      database: {database}
    environments:
      prod: {{url: "http://127.0.0.1:9/", ssh: {ssh}, path: "{root}"}}
{more})",
                     fmt::arg("database", database), fmt::arg("ssh", ssh), fmt::arg("root", lab.prod_root),
                     fmt::arg("more", more));
}

/// `tma -i sites.yaml args...` with the database password in SHOP_DB_PW.
tma::test::Output shop_tma(const BackupLab& lab, const std::string& password, std::vector<std::string> args) {
  args.insert(args.begin(), {"-i", lab.agency.file("sites.yaml")});
  return tma::test::run_tma(args, {{"TMA_ACTOR", "Lab <lab@tma.invalid>"}, {"SHOP_DB_PW", password}});
}

} // namespace

TEST_CASE("plain mysqldump with secret credentials: round trip, password never shown",
          "[integration][backup][mysqldump]") {
  BackupLab lab;
  std::string escaped_pw;
  for (char c : std::string(k_db_password)) {
    if (c == '\'' || c == '\\') escaped_pw.push_back('\\');
    escaped_pw.push_back(c);
  }
  lab.db.sql(fmt::format("CREATE DATABASE shop CHARACTER SET utf8mb4; CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY '{0}';"
                         "CREATE USER 'shop'@'localhost' IDENTIFIED BY '{0}';"
                         "GRANT ALL ON shop.* TO 'shop'@'127.0.0.1'; GRANT ALL ON shop.* TO 'shop'@'localhost';"
                         "CREATE TABLE shop.items (id INT PRIMARY KEY, label TEXT) ENGINE=InnoDB;"
                         "INSERT INTO shop.items VALUES (1, 'chair'), (2, 'table ☕'), (3, REPEAT('y', 3000));",
                         escaped_pw));
  lab.agency.write("sites.yaml",
                   shop_inventory(lab, fmt::format("{{tool: mysqldump, host: 127.0.0.1, port: {}, user: shop, password: "
                                                   "\"${{SHOP_DB_PW}}\", name: shop}}", lab.db.port())));
  auto tma = [&](std::vector<std::string> args) { return shop_tma(lab, k_db_password, std::move(args)); };
  const auto before = shop_digest(lab.db);

  std::atomic<bool> stop{false}, seen{false};
  std::atomic<int> samples{0};
  std::thread watcher(watch_argv, std::string(k_db_password), std::ref(stop), std::ref(seen), std::ref(samples));
  auto backup = tma({"backup", "--site", "shop", "--format", "json"});
  lab.db.sql("DROP TABLE shop.items");
  auto restore = tma({"restore", "--site", "shop", "--to", "prod", "--yes", "--db-only"});
  stop = true;
  watcher.join();

  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  auto result = json::parse(backup.out).at("backups").at(0);
  REQUIRE(result.at("backup").at("artifacts").size() == 1);
  CHECK(result.at("backup").at("artifacts").at(0).at("name") == "database.sql.gz");
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(shop_digest(lab.db) == before);

  CHECK(samples > 0);
  CHECK_FALSE(seen);
  auto journal = tma({"journal", "--format", "json"});
  auto listed = tma({"backups", "--format", "json"});
  for (const auto* text : {&backup.out, &backup.err, &restore.out, &restore.err, &journal.out, &listed.out}) {
    CHECK(text->find(k_db_password) == std::string::npos);
  }
  // The dump itself has the data, not the credentials.
  const std::string id = result.at("backup").at("id");
  auto dump = tma::test::run_program({"gzip", "-dc", lab.backups_dir() + "/shop/prod/" + id + "/database.sql.gz"});
  CHECK(dump.out.find("chair") != std::string::npos);
  CHECK(dump.out.find(k_db_password) == std::string::npos);
  // No option file left on the server (the lab server is this machine): no file in /tmp holds it.
  std::error_code ec;
  for (auto it = fs::directory_iterator("/tmp", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec) || it->file_size(size_ec) > 4096 || size_ec) continue;
    std::ifstream in(it->path());
    std::string text(std::istreambuf_iterator<char>(in), {});
    CHECK(text.find(k_db_password) == std::string::npos);
  }

  SECTION("a wrong password fails the backup and lists nothing new") {
    auto bad = shop_tma(lab, "wrong-password-123", {"backup", "--site", "shop"});
    INFO(bad.out << bad.err);
    CHECK(bad.exit_code == 2);
    CHECK((bad.out + bad.err).find("wrong-password-123") == std::string::npos);
    auto after = tma({"backups", "--format", "json"});
    CHECK(json::parse(after.out).at("backups").size() == 2); // the backup and restore's safety backup
  }
}

TEST_CASE("plain dump per environment: preprod backs up and restores its own database, prod's stays untouched",
          "[integration][backup][mysqldump]") {
  BackupLab lab;
  lab.db.sql("CREATE DATABASE shop; CREATE DATABASE shop_pre;"
             "CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY 'pw-shop';"
             "GRANT ALL ON shop.* TO 'shop'@'127.0.0.1'; GRANT ALL ON shop_pre.* TO 'shop'@'127.0.0.1';"
             "CREATE TABLE shop.items (id INT PRIMARY KEY, label TEXT) ENGINE=InnoDB;"
             "CREATE TABLE shop_pre.items (id INT PRIMARY KEY, label TEXT) ENGINE=InnoDB;"
             "INSERT INTO shop.items VALUES (1, 'prod chair'), (2, 'prod table');"
             "INSERT INTO shop_pre.items VALUES (1, 'preprod stool');");
  // The site's map names prod's database; preprod has its own, dumped with the other tool.
  const auto map = [&](const std::string& tool, const std::string& name) {
    return fmt::format("{{tool: {}, host: 127.0.0.1, port: {}, user: shop, password: \"${{SHOP_DB_PW}}\", name: {}}}", tool,
                       lab.db.port(), name);
  };
  lab.agency.write("sites.yaml",
                   shop_inventory(lab, map("mysqldump", "shop"),
                                  fmt::format("      preprod:\n        url: \"http://127.0.0.1:9/\"\n"
                                              "        ssh: {{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}}}\n"
                                              "        path: \"{}\"\n        database: {}\n",
                                              lab.sshd.user(), lab.sshd.port(), lab.sshd.identity(),
                                              lab.sshd.known_hosts(), lab.preprod_root, map("mariadb-dump", "shop_pre"))));
  auto tma = [&](std::vector<std::string> args) { return shop_tma(lab, "pw-shop", std::move(args)); };
  auto dump_of = [&](const std::string& env, const json& backup) {
    const std::string id = backup.at("backup").at("id");
    return tma::test::run_program({"gzip", "-dc", lab.backups_dir() + "/shop/" + env + "/" + id + "/database.sql.gz"}).out;
  };

  auto checked = tma({"inventory", "check"});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK((checked.out + checked.err).find("dump the same database") == std::string::npos);

  for (const std::string env : {"prod", "preprod"}) {
    auto backup = tma({"backup", "--site", "shop", "--env", env, "--format", "json"});
    INFO(backup.out << backup.err);
    REQUIRE(backup.exit_code == 0);
    auto result = json::parse(backup.out).at("backups").at(0);
    REQUIRE(result.at("env") == env);
    auto dump = dump_of(env, result);
    CHECK(dump.find(env == "prod" ? "prod chair" : "preprod stool") != std::string::npos);
    CHECK(dump.find(env == "prod" ? "preprod stool" : "prod chair") == std::string::npos);
  }

  // Prod moves on after its backup; its backup restored into preprod lands in preprod's database.
  lab.db.sql("INSERT INTO shop.items VALUES (3, 'prod after the backup')");
  const auto prod_now = lab.db.sql("SELECT id, label FROM shop.items ORDER BY id");
  auto restore = tma({"restore", "--site", "shop", "--from", "prod", "--to", "preprod", "--db-only"});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(lab.db.sql("SELECT id, label FROM shop_pre.items ORDER BY id") == "1\tprod chair\n2\tprod table\n");
  CHECK(lab.db.sql("SELECT id, label FROM shop.items ORDER BY id") == prod_now);
}
