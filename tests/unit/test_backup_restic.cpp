// The pure parts of the restic store: restic's JSON (as restic 0.14 prints it), tags, grouping.
#include <catch2/catch.hpp>

#include <tma/backup/restic.hpp>

using namespace tma::backup;

TEST_CASE("parse_restic_summary finds the summary among status lines", "[backup][restic]") {
  // Verbatim from `restic backup --stdin --json` (0.14).
  const char* out =
      R"({"message_type":"status","percent_done":0,"total_files":1})"
      "\n"
      R"({"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":0,"dirs_new":0,)"
      R"("dirs_changed":0,"dirs_unmodified":0,"data_blobs":1,"tree_blobs":1,"data_added":297,)"
      R"("total_files_processed":1,"total_bytes_processed":6,"total_duration":0.232225862,"snapshot_id":"0a7a624c"})"
      "\n";
  auto summary = parse_restic_summary(out);
  REQUIRE(summary);
  CHECK(summary->snapshot_id == "0a7a624c");
  CHECK(summary->bytes == 6);

  SECTION("no summary: an error") {
    auto none = parse_restic_summary(R"({"message_type":"status","percent_done":1})");
    REQUIRE_FALSE(none);
    CHECK(none.error() == "restic backup printed no summary");
  }
  SECTION("a summary without snapshot: an error") {
    auto empty = parse_restic_summary(R"({"message_type":"summary","total_bytes_processed":0})");
    REQUIRE_FALSE(empty);
    CHECK(empty.error() == "restic backup made no snapshot");
  }
  SECTION("garbage lines are skipped") {
    auto mixed = parse_restic_summary("Fatal: nonsense\n{\"message_type\":\"summary\",\"snapshot_id\":\"ab\"}");
    REQUIRE(mixed);
    CHECK(mixed->snapshot_id == "ab");
    CHECK(mixed->bytes == 0);
  }
}

TEST_CASE("parse_restic_snapshots and group_restic_snapshots", "[backup][restic]") {
  const char* out = R"([
    {"time":"2026-11-29T04:12:44.4Z","paths":["/database.sql.gz"],"tags":["tma","site=acme","env=prod","backup=20261129T041244Z","artifact=database.sql.gz"],"id":"aaa1"},
    {"time":"2026-11-29T04:12:45.4Z","paths":["/manifest.json"],"tags":["tma","site=acme","env=prod","backup=20261129T041244Z","artifact=manifest.json"],"id":"aaa2"},
    {"time":"2026-11-29T05:00:00.0Z","paths":["/database.sql.gz"],"tags":["tma","site=acme","env=prod","backup=20261129T050000Z","artifact=database.sql.gz"],"id":"bbb1"},
    {"time":"2026-11-29T05:00:01.0Z","paths":["/x"],"tags":["foreign"],"id":"ccc1"},
    {"time":"2026-11-29T04:12:46.0Z","paths":["/database.sql.gz"],"tags":["tma","site=acme","env=prod","backup=20261129T041244Z","artifact=database.sql.gz"],"id":"aaa3"}
  ])";
  auto snapshots = parse_restic_snapshots(out);
  REQUIRE(snapshots);
  REQUIRE(snapshots->size() == 5);
  CHECK((*snapshots)[0].paths == std::vector<std::string>{"/database.sql.gz"});
  auto groups = group_restic_snapshots(*snapshots);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].id == "20261129T041244Z");
  // Two snapshots of the same file: the newest wins.
  CHECK(groups[0].files == std::map<std::string, std::string>{{"database.sql.gz", "aaa3"}, {"manifest.json", "aaa2"}});
  CHECK(groups[1].files == std::map<std::string, std::string>{{"database.sql.gz", "bbb1"}});

  CHECK(parse_restic_snapshots("[]")->empty());
  CHECK(parse_restic_snapshots("null")->empty());
  CHECK(parse_restic_snapshots("Fatal: wrong password").error() == "restic snapshots: output is not JSON");
  CHECK(parse_restic_snapshots(R"([{"time":"x"}])").error() == "restic snapshots: a snapshot without an id");
}

TEST_CASE("restic_tags and restic_tag", "[backup][restic]") {
  Manifest m;
  m.id = "20261129T041244Z";
  m.site = "acme";
  m.env = "prod";
  m.run = "r1";
  m.kind = BackupKind::pre_update;
  auto tags = restic_tags(m, "files.tar.gz");
  REQUIRE(tags);
  CHECK(*tags == std::vector<std::string>{"tma", "site=acme", "env=prod", "backup=20261129T041244Z", "run=r1",
                                          "kind=pre-update", "artifact=files.tar.gz"});
  CHECK(restic_tag(*tags, "artifact") == "files.tar.gz");
  CHECK(restic_tag(*tags, "art") == std::nullopt);
  CHECK(restic_tag(*tags, "tma") == std::nullopt);

  SECTION("no run: no run tag") {
    m.run.clear();
    CHECK(restic_tags(m, "x")->size() == 6);
  }
  SECTION("a comma would split the tag: refused") {
    auto bad = restic_tags(m, "a,b.sql");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "restic tag artifact='a,b.sql': empty or contains a comma");
  }
}
