// One site's `tma visual` work with a fake browser and fake HTTP: the browser pool, the first
// snapshot, a comparison against latest or an id, the JSON payload and the exit bits.
#include <catch2/catch.hpp>

#include <atomic>

#include <tma/core/exit_code.hpp>
#include <tma/visual/site_run.hpp>

#include "support/fake_http.hpp"
#include "support/temp_dir.hpp"

using namespace tma;

namespace {

// One white page with a black box whose position the test moves; counts the browsers started.
class BoxCapturer final : public visual::Capturer {
public:
  explicit BoxCapturer(const int& box_x) : m_box_x(box_x) {}
  core::Result<visual::Capture> capture(const visual::CaptureRequest&) override {
    auto image = visual::solid_image(100, 100, 255, 255, 255);
    for (int y = 10; y < 40; ++y) {
      for (int x = m_box_x; x < m_box_x + 30; ++x) {
        auto at = static_cast<std::size_t>(y * 100 + x) * 3;
        image.rgb[at] = image.rgb[at + 1] = image.rgb[at + 2] = 0;
      }
    }
    visual::Capture c;
    c.png = visual::encode_png(image).value();
    c.width = c.height = 100;
    c.visible_text = "Home";
    c.main_text = "Home";
    return c;
  }

private:
  const int& m_box_x;
};

inventory::Site visual_site() {
  inventory::Site site;
  site.name = "www";
  inventory::Environment env;
  env.name = "prod";
  env.url = "https://acme.example";
  site.environments.push_back(env);
  inventory::VisualPolicy policy;
  policy.sample = 0;
  policy.widths = {1280};
  policy.keep = 2;
  site.visual = policy;
  return site;
}

std::chrono::system_clock::time_point at(int seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1796428800 + seconds));
}

} // namespace

TEST_CASE("visual pool starts at most max browsers and reuses them", "[visual]") {
  int box = 0;
  std::atomic<int> started{0};
  visual::CapturerPool pool(
      [&]() -> core::Result<std::unique_ptr<visual::Capturer>> {
        ++started;
        return std::make_unique<BoxCapturer>(box);
      },
      2);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    REQUIRE(a);
    REQUIRE(b);
  }
  auto c = pool.acquire();
  REQUIRE(c);
  CHECK(started == 2);
  CHECK(pool.started() == 2);
  visual::CapturerPool broken([]() -> core::Result<std::unique_ptr<visual::Capturer>> {
    return core::fail(core::ErrorKind::config, "chromium: not found");
  }, 1);
  auto none = broken.acquire();
  REQUIRE_FALSE(none);
  CHECK_FALSE(broken.acquire()); // the failed start freed its place: a second try does not wait forever
}

TEST_CASE("visual run compares with the latest snapshot and keeps visual.keep", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  test::FakeHttpClient http;
  int box = 10;
  visual::CapturerPool pool([&]() -> core::Result<std::unique_ptr<visual::Capturer>> { return std::make_unique<BoxCapturer>(box); }, 1);
  auto site = visual_site();
  const auto& env = site.environments[0];
  visual::SiteRunOptions compare;
  compare.compare = true;

  auto first = visual::run_site(pool, http, store, site, env, compare, at(0));
  REQUIRE_FALSE(first.error);
  CHECK_FALSE(first.comparison);
  REQUIRE_FALSE(first.notes.empty());
  CHECK(first.notes[0].find("first snapshot") != std::string::npos);
  CHECK(visual::exit_bits({first}, true) == 0);

  auto same = visual::run_site(pool, http, store, site, env, compare, at(60));
  REQUIRE(same.comparison);
  CHECK(same.comparison->before.id == first.snapshot->id);
  CHECK(same.comparison->worst() == visual::Verdict::same);
  CHECK(std::filesystem::exists(same.comparison->report));

  box = 60; // the box moved: 1,800 of 10,000 pixels changed, broken from 15 %
  auto moved = visual::run_site(pool, http, store, site, env, compare, at(120));
  REQUIRE(moved.comparison);
  CHECK(moved.comparison->pages[0].verdict == visual::Verdict::broken);
  CHECK(visual::exit_bits({moved}, false) == core::exit_code::findings);

  // Against an id: the first snapshot was removed by the retention (keep 2).
  visual::SiteRunOptions against = compare;
  against.against = first.snapshot->id;
  auto gone = visual::run_site(pool, http, store, site, env, against, at(180));
  REQUIRE(gone.error);
  CHECK(visual::exit_bits({gone}, false) == core::exit_code::site_failed);
  against.against = moved.snapshot->id;
  auto by_id = visual::run_site(pool, http, store, site, env, against, at(240));
  REQUIRE(by_id.comparison);
  CHECK(by_id.comparison->worst() == visual::Verdict::same);

  auto json = visual::render_json({moved}, true);
  CHECK(json["command"] == "compare");
  const auto& page = json["sites"][0]["pages"][0];
  CHECK(page["verdict"] == "broken");
  CHECK(page["width"] == 1280);
  CHECK(page["url"] == "https://acme.example/");
  CHECK(page["report"] == moved.comparison->report.string());
  CHECK(page["changed_share"].get<double>() > 0.15);
  CHECK(page["text_added"].is_array());
  // The journal's event data: what the client report counts.
  auto moved_data = visual::journal_data(moved);
  CHECK(moved_data["status"] == "ok");
  CHECK(moved_data["against"] == moved.comparison->before.id);
  CHECK(moved_data["pages"] == moved.comparison->pages.size());
  CHECK(moved_data["broken"] == 1);
  CHECK(moved_data["changed"] == 0);
  CHECK(moved_data["same"] == moved.comparison->pages.size() - 1);
  CHECK(moved_data["verdict"] == "broken");
  auto first_data = visual::journal_data(first);
  CHECK(first_data["snapshot"] == first.snapshot->id);
  CHECK_FALSE(first_data.contains("pages"));
  auto gone_data = visual::journal_data(gone);
  CHECK(gone_data["status"] == "failed");
  CHECK(gone_data["error"].is_string());
  CHECK(visual::status_of(gone) == std::string("failed"));
  auto gone_json = visual::render_json({gone}, true)["sites"][0];
  CHECK(gone_json["status"] == "failed");
  CHECK(gone_json["error"]["kind"] == core::to_string(gone.error->kind));
  CHECK(gone_json["error"]["message"] == gone.error->message);
  auto listed = store.list("www", "prod");
  REQUIRE(listed);
  CHECK(listed->size() == 2);
}

TEST_CASE("visual run refuses a site without visual block and reports unreachable", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  test::FakeHttpClient http; // answers nothing: unreachable
  int box = 0;
  visual::CapturerPool pool([&]() -> core::Result<std::unique_ptr<visual::Capturer>> { return std::make_unique<BoxCapturer>(box); }, 1);
  auto site = visual_site();
  site.visual.reset();
  auto refused = visual::run_site(pool, http, store, site, site.environments[0], {}, at(0));
  REQUIRE(refused.error);
  CHECK(refused.error->message.find("no `visual:` block") != std::string::npos);
  site = visual_site();
  site.visual->sample = 8;
  auto down = visual::run_site(pool, http, store, site, site.environments[0], {}, at(0));
  REQUIRE(down.error);
  CHECK(visual::exit_bits({down}, false) == core::exit_code::unreachable);
}
