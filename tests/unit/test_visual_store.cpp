// Snapshots on disk: ids, the manifest written last, incomplete snapshots never listed, retention.
#include <catch2/catch.hpp>

#include <filesystem>

#include <tma/visual/store.hpp>

#include "support/temp_dir.hpp"

using namespace tma;
namespace fs = std::filesystem;

namespace {

std::chrono::system_clock::time_point at(int seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1796428800 + seconds)); // 2026-12-05T00:00:00Z
}

visual::SnapshotManifest snapshot(const visual::SnapshotStore& store, int seconds, bool complete = true) {
  auto m = store.begin("www", "prod", at(seconds));
  REQUIRE(m);
  visual::Capture capture;
  capture.png = "PNGBYTES";
  capture.visible_text = "Home\nAbout";
  capture.main_text = "About";
  visual::SnapshotPage page;
  page.path = "/";
  page.url = "https://acme.example/";
  page.width = 390;
  page.mobile = true;
  REQUIRE(store.write_capture(*m, "p00-390m", capture, page));
  m->pages.push_back(page);
  if (complete) REQUIRE(store.complete(*m));
  return *m;
}

} // namespace

TEST_CASE("visual snapshot ids", "[visual]") {
  CHECK(visual::is_snapshot_id("20261205T081500Z"));
  CHECK(visual::is_snapshot_id("20261205T081500Z-12"));
  CHECK_FALSE(visual::is_snapshot_id("20261205T081500Z-"));
  CHECK_FALSE(visual::is_snapshot_id("../20261205T08150"));
  CHECK_FALSE(visual::is_snapshot_id("latest"));
}

TEST_CASE("visual snapshot round trip through the manifest", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  auto m = snapshot(store, 0);
  CHECK(m.id == "20261205T000000Z");
  CHECK(m.taken_at == "2026-12-05T00:00:00Z");
  auto listed = store.list("www", "prod");
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  const auto& back = listed->front();
  REQUIRE(back.pages.size() == 1);
  CHECK(back.pages[0].label() == "390m");
  CHECK(back.pages[0].image_file == "p00-390m.png");
  CHECK(store.read_image(back, back.pages[0]).value() == "PNGBYTES");
  auto text = store.read_text(back, back.pages[0]);
  REQUIRE(text);
  CHECK(text->visible_text == "Home\nAbout");
  CHECK(text->main_text == "About");
  // A second snapshot in the same second gets a suffix.
  auto again = snapshot(store, 0);
  CHECK(again.id == "20261205T000000Z-2");
}

TEST_CASE("visual snapshot without manifest is never listed", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  snapshot(store, 0);
  auto partial = snapshot(store, 60, false);
  auto listed = store.list("www", "prod");
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == "20261205T000000Z");
  CHECK_FALSE(store.read("www", "prod", partial.id));
  CHECK_FALSE(store.read("www", "prod", "../x"));
}

TEST_CASE("visual snapshot manifest may not point outside its snapshot", "[visual]") {
  visual::SnapshotManifest m;
  m.id = "20261205T000000Z";
  visual::SnapshotPage page;
  page.image_file = "../../secret.png";
  m.pages.push_back(page);
  auto parsed = visual::parse_manifest(visual::manifest_json(m));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message.find("outside its snapshot") != std::string::npos);
  CHECK_FALSE(visual::parse_manifest("{not json"));
}

TEST_CASE("visual retention keeps the newest complete snapshots", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  for (int i = 0; i < 5; ++i) snapshot(store, i * 60);
  auto partial = snapshot(store, 600, false);
  // Just written: the incomplete snapshot may be a running one and stays.
  auto removed = store.retain("www", "prod", 3, std::chrono::system_clock::now());
  REQUIRE(removed);
  CHECK(*removed == std::vector<std::string>{"20261205T000000Z", "20261205T000100Z"});
  CHECK(fs::exists(store.directory("www", "prod") / partial.id));
  auto listed = store.list("www", "prod");
  REQUIRE(listed);
  REQUIRE(listed->size() == 3);
  CHECK(listed->front().id == "20261205T000200Z");
  // Two hours later it is a crashed run's and goes.
  removed = store.retain("www", "prod", 3, std::chrono::system_clock::now() + std::chrono::hours(2));
  REQUIRE(removed);
  CHECK(*removed == std::vector<std::string>{partial.id});
  CHECK_FALSE(fs::exists(store.directory("www", "prod") / partial.id));
}
