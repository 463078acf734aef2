// Client requests folded from journal events: lifecycle, history, ids, the clash rule after a
// sync, filters.
#include <catch2/catch.hpp>

#include <tma/request/request.hpp>

using namespace std::chrono_literals;
using tma::core::SysSeconds;
using tma::journal::MemoryJournal;
using tma::journal::Run;
namespace request = tma::request;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::core::TimeZone paris() {
  auto zone = tma::core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

request::NewRequest asked(std::string title, request::Priority priority = request::Priority::normal) {
  request::NewRequest r;
  r.client = "acme";
  r.site = "shop";
  r.title = std::move(title);
  r.priority = priority;
  return r;
}

tma::journal::Event opened_event(std::string run, std::string number, SysSeconds at, std::string title) {
  tma::journal::Event e;
  e.id = run + "-2";
  e.run = std::move(run);
  e.at = at;
  e.type = "request.opened";
  e.client = "acme";
  e.data = {{"request", number}, {"title", title}, {"priority", "high"}, {"category", "bug"}};
  return e;
}

} // namespace

TEST_CASE("request::open note assign and status through the journal") {
  MemoryJournal journal("Ops <ops@tma.invalid>", utc("2026-11-30T08:00:00Z"));
  auto zone = paris();
  Run run(journal, "request open");
  auto wanted = asked("Add a banner", request::Priority::high);
  wanted.category = request::Category::change;
  wanted.due = tma::core::Date{2026, 12, 4};
  auto first = request::open(journal, run, wanted, zone);
  REQUIRE(first);
  CHECK(first->id == "REQ-2026-0001");
  CHECK(first->status == request::Status::fresh);
  CHECK_FALSE(first->first_response);
  auto second = request::open(journal, run, asked("How do I add a user?"), zone);
  REQUIRE(second);
  CHECK(second->id == "REQ-2026-0002");

  journal.advance(20min);
  REQUIRE(request::assign(run, *first, "Lea", std::nullopt));
  journal.advance(10min);
  REQUIRE(request::note(run, *first, "banner drafted", std::nullopt));
  REQUIRE(request::set_status(run, *first, request::Status::in_progress, std::nullopt));
  journal.advance(1h);
  REQUIRE(request::set_status(run, *first, request::Status::resolved, std::nullopt));
  REQUIRE(run.finish(0));

  auto all = request::load_all(journal);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  auto found = request::find(*all, "REQ-2026-0001");
  REQUIRE(found);
  CHECK(found->title == "Add a banner");
  CHECK(found->client == "acme");
  CHECK(found->site == "shop");
  CHECK(found->priority == request::Priority::high);
  CHECK(found->category == request::Category::change);
  CHECK(found->due == tma::core::Date{2026, 12, 4});
  CHECK(found->assignee == "Lea");
  CHECK(found->status == request::Status::resolved);
  CHECK(found->opened == utc("2026-11-30T08:00:00Z"));
  CHECK(found->first_response == utc("2026-11-30T08:20:00Z"));
  CHECK(found->resolved == utc("2026-11-30T09:30:00Z"));
  CHECK_FALSE(found->is_open());
  REQUIRE(found->history.size() == 5);
  CHECK(found->history[0].what == "opened");
  CHECK(found->history[1].what == "assigned");
  CHECK(found->history[1].text == "Lea");
  CHECK(found->history[1].actor == "Ops <ops@tma.invalid>");
  CHECK(found->history[2].what == "note");
  CHECK(found->history[2].text == "banner drafted");
  CHECK(found->history[4].text == "resolved");
  CHECK((*all)[1].status == request::Status::fresh);
  CHECK((*all)[1].category == request::Category::question);

  SECTION("invalid changes are refused with a clear message") {
    Run again(journal, "request");
    CHECK(request::set_status(again, *found, request::Status::resolved, std::nullopt).error().message ==
          "REQ-2026-0001 is already resolved");
    CHECK(request::assign(again, *found, "Lea", std::nullopt).error().message == "REQ-2026-0001 is already assigned to Lea");
    CHECK(request::note(again, *found, "", std::nullopt).error().message == "a note needs some text");
    CHECK(request::note(again, *found, "x", utc("2026-11-30T07:00:00Z")).error().message ==
          "REQ-2026-0001: 2026-11-30T07:00:00Z is before the request was opened at 2026-11-30T08:00:00Z");
    CHECK(request::find(*all, "REQ-2026-0099").error().message == "no request 'REQ-2026-0099' in the journal");
  }

  SECTION("a reopened request is no longer resolved") {
    Run again(journal, "request");
    journal.advance(1h);
    REQUIRE(request::set_status(again, *found, request::Status::in_progress, std::nullopt));
    REQUIRE(again.finish(0));
    auto reopened = request::find(*request::load_all(journal), "REQ-2026-0001");
    REQUIRE(reopened);
    CHECK(reopened->is_open());
    CHECK_FALSE(reopened->resolved);
    CHECK(reopened->first_response == utc("2026-11-30T08:20:00Z"));
  }
}

TEST_CASE("request::open validates the title and --at and records --at") {
  MemoryJournal journal("Ops <ops@tma.invalid>", utc("2026-11-30T08:00:00Z"));
  Run run(journal, "request open");
  CHECK(request::open(journal, run, asked(""), paris()).error().message == "a request needs a title");
  auto future = asked("x");
  future.at = utc("2026-11-30T09:00:00Z");
  CHECK(request::open(journal, run, future, paris()).error().message == "--at: the request cannot be opened in the future");
  auto past = asked("asked by phone");
  past.at = utc("2026-11-30T07:00:00Z");
  auto opened = request::open(journal, run, past, paris());
  REQUIRE(opened);
  CHECK(opened->opened == utc("2026-11-30T07:00:00Z"));
  // A follow-up with --at lands in the history at that time, before one recorded earlier.
  REQUIRE(request::note(run, *opened, "called back", utc("2026-11-30T07:30:00Z")));
  REQUIRE(run.finish(0));
  auto back = request::find(*request::load_all(journal), opened->id);
  REQUIRE(back);
  CHECK(back->first_response == utc("2026-11-30T07:30:00Z"));
}

TEST_CASE("request::next_number counts per agency-local year") {
  auto zone = paris();
  std::vector<request::Request> none;
  CHECK(request::next_number(none, utc("2026-06-01T10:00:00Z"), zone) == "REQ-2026-0001");
  auto requests = request::fold({opened_event("aaaa1111", "REQ-2026-0041", utc("2026-06-01T10:00:00Z"), "a"),
                                 opened_event("bbbb2222", "REQ-2025-0099", utc("2025-06-01T10:00:00Z"), "b"),
                                 opened_event("cccc3333", "INC-2026-0500", utc("2026-06-01T10:00:00Z"), "c")});
  CHECK(request::next_number(requests, utc("2026-07-01T10:00:00Z"), zone) == "REQ-2026-0042");
  // 23:30 UTC on 31 December is already the new year in Paris.
  CHECK(request::next_number(requests, utc("2026-12-31T23:30:00Z"), zone) == "REQ-2027-0001");
}

TEST_CASE("request::fold gives a clashing number to the first opening and suffixes the other") {
  auto a = opened_event("1111aaaa", "REQ-2026-0001", utc("2026-11-30T08:00:00Z"), "first");
  auto b = opened_event("2222bbbb", "REQ-2026-0001", utc("2026-11-30T09:00:00Z"), "second");
  tma::journal::Event note;
  note.id = "3333cccc-2";
  note.run = "3333cccc";
  note.at = utc("2026-11-30T10:00:00Z");
  note.type = "request.noted";
  note.client = "acme";
  note.data = {{"request", "REQ-2026-0001"}, {"opened_event", b.id}, {"text", "for the second"}};
  auto requests = request::fold({note, b, a});
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].id == "REQ-2026-0001");
  CHECK(requests[0].title == "first");
  CHECK(requests[1].id == "REQ-2026-0001-bbbb");
  CHECK(requests[1].history.size() == 2);
  CHECK(requests[1].first_response == utc("2026-11-30T10:00:00Z"));
  CHECK_FALSE(requests[0].first_response);
  auto ambiguous = request::find(requests, "REQ-2026-0001");
  REQUIRE(ambiguous);
  CHECK(ambiguous->title == "first"); // the display id wins
  auto suffixed = request::find(requests, "REQ-2026-0001-bbbb");
  REQUIRE(suffixed);
  CHECK(suffixed->title == "second");
}

TEST_CASE("request names parse and print both ways") {
  for (const auto& name : request::status_names()) CHECK(request::to_string(*request::parse_status(name)) == name);
  for (const auto& name : request::priority_names()) CHECK(request::to_string(*request::parse_priority(name)) == name);
  for (const auto& name : request::category_names()) CHECK(request::to_string(*request::parse_category(name)) == name);
  CHECK(request::to_string(request::Status::fresh) == "new");
  CHECK_FALSE(request::parse_status("done"));
  CHECK_FALSE(request::parse_priority("critical"));
  CHECK_FALSE(request::parse_category("feature"));
}

TEST_CASE("request::ListFilter matches every set field") {
  request::Request r;
  r.client = "acme";
  r.site = "shop";
  r.status = request::Status::in_progress;
  r.priority = request::Priority::urgent;
  r.assignee = "Lea";
  CHECK(request::ListFilter{}.matches(r));
  request::ListFilter filter;
  filter.client = "acme";
  filter.site = "shop";
  filter.status = request::Status::in_progress;
  filter.priority = request::Priority::urgent;
  filter.assignee = "Lea";
  CHECK(filter.matches(r));
  auto other = filter;
  other.client = "globex";
  CHECK_FALSE(other.matches(r));
  other = filter;
  other.site = "blog";
  CHECK_FALSE(other.matches(r));
  other = filter;
  other.status = request::Status::fresh;
  CHECK_FALSE(other.matches(r));
  other = filter;
  other.priority = request::Priority::low;
  CHECK_FALSE(other.matches(r));
  other = filter;
  other.assignee = "Marc";
  CHECK_FALSE(other.matches(r));
}

TEST_CASE("request::fold applies follow-ups in the order of their --at times") {
  auto opened = opened_event("mmmm0000", "REQ-2026-0001", utc("2026-11-27T16:00:00Z"), "x");
  // Recorded in the same second by two runs whose ids sort the other way round.
  auto status = [&](std::string run, const char* to, const char* at) {
    tma::journal::Event e;
    e.id = run + "-2";
    e.run = std::move(run);
    e.at = utc("2026-12-01T08:00:00Z");
    e.type = "request.status";
    e.client = "acme";
    e.data = {{"request", "REQ-2026-0001"}, {"opened_event", opened.id}, {"status", to}, {"at", at}};
    return e;
  };
  auto requests = request::fold({opened, status("zzzz0000", "in_progress", "2026-11-30T10:30:00Z"),
                                 status("aaaa0000", "resolved", "2026-11-30T14:00:00Z")});
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].status == request::Status::resolved);
  CHECK(requests[0].resolved == utc("2026-11-30T14:00:00Z"));
  CHECK(requests[0].first_response == utc("2026-11-30T10:30:00Z"));
}
