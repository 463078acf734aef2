// The event index without git: building from run files, scanning like the tree reader,
// (de)serializing, refusing damaged bytes.

#include <catch2/catch.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/journal/journal.hpp>

#include "journal/event_index.hpp"
#include "journal/index_store.hpp"
#include "journal/reader.hpp"

using namespace tma;
using journal::Event;
using journal::Filter;
using journal::index::EventIndex;

namespace {

core::SysSeconds at(const char* text) { return *core::parse_rfc3339(text); }

std::string line(const std::string& id, const char* when, const std::string& type, const std::string& site,
                 const std::string& client, nlohmann::json data) {
  Event e;
  e.id = id;
  e.at = at(when);
  e.actor = "Ana <ana@agency.example>";
  e.run = id.substr(0, id.find('-'));
  e.type = type;
  e.site = site;
  e.client = client;
  e.data = std::move(data);
  return journal::to_json(e).dump() + "\n";
}

nlohmann::json entry(const char* date, int seconds) {
  return {{"automatic", false}, {"billable", true},  {"category", "support"}, {"date", date},
          {"description", "work"}, {"duration_seconds", seconds}, {"ticket", nullptr}};
}

struct File {
  std::string path;
  std::string content;
};

// Two days of run files: time entries of two clients, other events, a line that is not JSON and
// one that mentions time.logged but is no valid event.
std::vector<File> sample() {
  std::vector<File> files;
  files.push_back({"journal/2026/03/28/20260328T220000Z-aaaa.jsonl",
                   line("aaaa-1", "2026-03-28T22:00:00Z", "run.started", "", "", {{"command", "hours log"}}) +
                       line("aaaa-2", "2026-03-28T22:00:05Z", "time.logged", "www", "acme", entry("2026-03-28", 3600)) +
                       line("aaaa-3", "2026-03-29T01:00:00Z", "time.logged", "", "bistro", entry("2026-03-29", 900)) +
                       "{not json \"time.logged\"\n"});
  files.push_back({"journal/2026/03/29/20260329T080000Z-bbbb.jsonl",
                   line("bbbb-1", "2026-03-29T08:00:00Z", "backup.finished", "www", "acme", {{"note", "time.logged"}}) +
                       line("bbbb-2", "2026-03-29T08:00:00Z", "time.logged", "shop", "acme", entry("2026-03-27", 1800)) +
                       "{\"type\":\"time.logged\",\"id\":\"x\"}\n"});
  return files;
}

std::vector<std::string> ids_from_reader(const std::vector<File>& files, const Filter& filter) {
  std::vector<journal::Located> found;
  for (const auto& f : files) journal::parse_run_file(f.content, f.path, filter, found);
  std::sort(found.begin(), found.end(), [](const journal::Located& a, const journal::Located& b) {
    if (a.event.at != b.event.at) return a.event.at > b.event.at;
    if (a.file != b.file) return a.file > b.file;
    return a.line > b.line;
  });
  std::vector<std::string> ids;
  for (const auto& l : found) ids.push_back(l.event.id + " " + l.event.data.dump());
  return ids;
}

std::vector<std::string> ids_from_index(const EventIndex& index, const Filter& filter) {
  std::vector<std::string> ids;
  auto scanned = index.scan(filter, [&](const Event& e) {
    ids.push_back(e.id + " " + e.data.dump());
    return true;
  });
  REQUIRE(scanned);
  return ids;
}

EventIndex build(const std::vector<File>& files) {
  EventIndex index;
  index.ref = "refs/heads/tma-journal";
  index.tip = std::string(40, 'a');
  for (const auto& f : files) index.add_file(f.path, *journal::index::run_file_day(f.path), f.content);
  index.sort();
  return index;
}

std::vector<Filter> filters() {
  std::vector<Filter> out(5);
  for (auto& f : out) f.types = {"time.logged"};
  out[1].clients = {"acme"};
  out[2].since = at("2026-03-29T00:00:00Z");
  out[3].sites = {"shop"};
  out[4].until = at("2026-03-29T00:00:00Z");
  out[4].clients = {"bistro", "acme"};
  return out;
}

} // namespace

TEST_CASE("journal index: scans give what the tree reader gives", "[journal][index]") {
  auto files = sample();
  auto index = build(files);
  CHECK(index.event_count() == 3);
  CHECK(index.bad_line_count() == 2);
  auto all = ids_from_index(index, filters()[0]);
  REQUIRE(all.size() == 3);
  CHECK(all[0].rfind("bbbb-2 ", 0) == 0);
  CHECK(all[2].rfind("aaaa-2 ", 0) == 0);
  auto fs = filters();
  for (std::size_t i = 0; i < fs.size(); ++i) {
    INFO("filter " << i);
    CHECK(ids_from_index(index, fs[i]) == ids_from_reader(files, fs[i]));
  }
  // The visitor stops the scan.
  int seen = 0;
  REQUIRE(index.scan(fs[0], [&](const Event&) { return ++seen < 2; }));
  CHECK(seen == 2);
}

TEST_CASE("journal index: covers only scans of indexed types", "[journal][index]") {
  Filter f;
  CHECK_FALSE(journal::index::covers(f));
  f.types = {"time.logged"};
  CHECK(journal::index::covers(f));
  f.types = {"time.logged", "backup.finished"};
  CHECK_FALSE(journal::index::covers(f));
  f.types = {"time.*"};
  CHECK_FALSE(journal::index::covers(f));
}

TEST_CASE("journal index: serialize round trip; damaged bytes are refused", "[journal][index]") {
  auto files = sample();
  auto index = build(files);
  auto bytes = index.serialize();
  auto back = EventIndex::deserialize(bytes);
  REQUIRE(back);
  CHECK(back->tip == index.tip);
  CHECK(back->ref == index.ref);
  CHECK(back->serialize() == bytes);
  for (const auto& f : filters()) CHECK(ids_from_index(*back, f) == ids_from_index(index, f));

  CHECK_FALSE(EventIndex::deserialize(""));
  CHECK_FALSE(EventIndex::deserialize(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(EventIndex::deserialize(bytes + "x"));
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x20;
  CHECK_FALSE(EventIndex::deserialize(flipped));
  auto other_version = bytes;
  other_version[8] = static_cast<char>(other_version[8] + 1);
  auto refused = EventIndex::deserialize(other_version);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("version") != std::string::npos);
}

TEST_CASE("journal index: a file removed or replaced is forgotten", "[journal][index]") {
  auto files = sample();
  auto index = build(files);
  index.remove_file(files[0].path);
  index.sort();
  CHECK(index.event_count() == 1);
  CHECK(index.bad_line_count() == 1);
  files[0].content += line("aaaa-9", "2026-03-29T02:00:00Z", "time.logged", "www", "acme", entry("2026-03-29", 60));
  index.add_file(files[0].path, *journal::index::run_file_day(files[0].path), files[0].content);
  index.sort();
  for (const auto& f : filters()) CHECK(ids_from_index(index, f) == ids_from_reader(files, f));
}

TEST_CASE("journal index: run file paths are those the reader reads", "[journal][index]") {
  using journal::index::run_file_day;
  CHECK(run_file_day("journal/1970/01/01/x.jsonl") == 0);
  CHECK(run_file_day("journal/2026/03/29/20260329T080000Z-bbbb.jsonl") == core::days_from_civil({2026, 3, 29}));
  CHECK_FALSE(run_file_day("journal/README"));
  CHECK_FALSE(run_file_day("journal/2026/13/01/x.jsonl"));
  CHECK_FALSE(run_file_day("journal/2026/3/01/x.jsonl"));
  CHECK_FALSE(run_file_day("journal/2026/03/01/sub/x.jsonl"));
  CHECK_FALSE(run_file_day("journal/2026/03/01/x.json"));
  CHECK_FALSE(run_file_day("other/2026/03/01/x.jsonl"));
}
