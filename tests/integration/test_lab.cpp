// The lab's own servers start, answer, and leave nothing behind (later issues rely on them).
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/lab.hpp"
#include "support/proc_scan.hpp"

TEST_CASE("lab: MariaDB starts with its own datadir and socket, and stops", "[integration]") {
  std::string socket;
  {
    tma::test::LabMariadb db;
    socket = db.socket();
    CHECK(std::filesystem::exists(socket));
    db.sql("CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name TEXT);"
           "INSERT INTO shop.items VALUES (1, 'chair'), (2, 'table');");
    CHECK(db.sql("SELECT name FROM shop.items ORDER BY id") == "chair\ntable\n");
    CHECK(db.port() > 0);
  }
  CHECK(tma::test::wait_no_process_with(socket, std::chrono::milliseconds(10000)) == 0);
}

TEST_CASE("lab: sshd stops with the fixture", "[integration]") {
  std::string config;
  {
    tma::test::LabSshd sshd;
    config = sshd.dir().file("sshd_config");
    CHECK(tma::test::count_processes_with(config) >= 1);
  }
  CHECK(tma::test::wait_no_process_with(config, std::chrono::milliseconds(5000)) == 0);
}
