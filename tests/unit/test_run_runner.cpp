#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <tma/core/exit_code.hpp>
#include <tma/core/signals.hpp>
#include <tma/run/runner.hpp>

#include "support/temp_dir.hpp"

using namespace tma::run;
using namespace std::chrono_literals;

namespace {

// Counts jobs running at once, overall and per host, from inside the jobs themselves.
struct Concurrency {
  std::mutex mutex;
  int running = 0;
  int max_running = 0;
  std::map<std::string, int> per_host;
  std::map<std::string, int> max_per_host;
  void enter(const std::string& host) {
    std::lock_guard lock(mutex);
    max_running = std::max(max_running, ++running);
    max_per_host[host] = std::max(max_per_host[host], ++per_host[host]);
  }
  void leave(const std::string& host) {
    std::lock_guard lock(mutex);
    --running;
    --per_host[host];
  }
};

// Jobs that wait until `expected` of them are in (or `patience` passed, so that a wrong runner
// fails the test instead of hanging it).
struct Gate {
  std::mutex mutex;
  std::condition_variable arrived_cv;
  int arrived = 0;
  void arrive_and_wait(int expected, std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex);
    ++arrived;
    arrived_cv.notify_all();
    arrived_cv.wait_for(lock, patience, [&] { return arrived >= expected; });
  }
};

// `count` jobs of `host`, sites `<prefix>00`, `<prefix>01`...; job i does `work(i)`.
std::vector<Job> host_jobs(const std::string& prefix, const std::string& host, int count,
                           const std::function<SiteResult(int)>& work) {
  std::vector<Job> jobs;
  for (int i = 0; i < count; ++i) {
    jobs.push_back(Job{fmt::format("{}{:02}", prefix, i), "prod", host, [work, i] { return work(i); }, nullptr});
  }
  return jobs;
}

RunOptions bursting_after(int unanswered, int jobs, int per_host) {
  RunOptions options{jobs, per_host, Progress::never};
  options.burst_unanswered_after = unanswered;
  return options;
}

SiteResult unreachable_result() {
  SiteResult r;
  r.status = Status::unreachable;
  r.error = tma::core::Error{tma::core::ErrorKind::unreachable, "no answer"};
  return r;
}

} // namespace

TEST_CASE("run::run_jobs respects --jobs and --per-host, keeps a stable order") {
  Concurrency seen;
  std::vector<Job> jobs;
  std::mt19937 random(42);
  for (int i = 0; i < 50; ++i) {
    Job job;
    job.site = "site-" + std::to_string(100 + (i * 37) % 50); // submitted out of order
    job.env = "prod";
    job.host = "host-" + std::to_string(i % 10);
    auto pause = std::chrono::milliseconds(5 + random() % 20);
    job.work = [&seen, host = job.host, pause, i] {
      seen.enter(host);
      std::this_thread::sleep_for(pause);
      seen.leave(host);
      SiteResult r;
      if (i % 7 == 0) {
        r.status = Status::failed;
        r.error = tma::core::Error{tma::core::ErrorKind::remote, "boom"};
      }
      return r;
    };
    jobs.push_back(std::move(job));
  }
  auto results = run_jobs(std::move(jobs), RunOptions{8, 2, Progress::never});
  REQUIRE(results.size() == 50);
  CHECK(seen.max_running <= 8);
  CHECK(seen.max_running >= 2); // it did run jobs concurrently
  for (const auto& [host, max] : seen.max_per_host) {
    INFO(host);
    CHECK(max <= 2);
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].site == "site-" + std::to_string(100 + i));
    CHECK(results[i].env == "prod");
  }
  auto summary = summarize(results);
  CHECK(summary.failed == 8); // i = 0, 7, ..., 49
  CHECK(summary.ok == 42);
  CHECK(summary.exit_bits() == tma::core::exit_code::site_failed);
}

TEST_CASE("run::run_jobs: one failure or exception never stops the others") {
  std::vector<Job> jobs;
  for (std::string name : {"c", "a", "b"}) {
    Job job{name, "prod", "h", {}};
    job.work = [name]() -> SiteResult {
      if (name == "a") throw std::runtime_error("bug in job");
      SiteResult r;
      if (name == "b") {
        r.status = Status::unreachable;
        r.error = tma::core::Error{tma::core::ErrorKind::unreachable, "refused"};
      }
      return r;
    };
    jobs.push_back(std::move(job));
  }
  auto results = run_jobs(std::move(jobs), RunOptions{1, 1, Progress::never});
  REQUIRE(results.size() == 3);
  CHECK(results[0].site == "a");
  CHECK(results[0].status == Status::failed);
  CHECK(results[0].error->kind == tma::core::ErrorKind::internal);
  CHECK(results[1].status == Status::unreachable);
  CHECK(results[2].status == Status::ok);
  CHECK(summarize(results).exit_bits() == (tma::core::exit_code::site_failed | tma::core::exit_code::unreachable));
}

TEST_CASE("run::run_jobs keeps the given environment order within a site") {
  std::vector<Job> jobs;
  for (auto [site, env] : {std::pair{"b", "prod"}, {"a", "prod"}, {"a", "preprod"}, {"a", "dev"}}) {
    jobs.push_back(Job{site, env, "", [] { return SiteResult{}; }, nullptr});
  }
  auto results = run_jobs(std::move(jobs), RunOptions{4, 2, Progress::never});
  std::vector<std::string> order;
  for (const auto& r : results) order.push_back(r.site + "/" + r.env);
  CHECK(order == std::vector<std::string>{"a/prod", "a/preprod", "a/dev", "b/prod"});
}

TEST_CASE("run::run_jobs skips jobs not started after Ctrl-C") {
  std::vector<Job> jobs;
  for (int i = 0; i < 5; ++i) {
    jobs.push_back(Job{"s" + std::to_string(i), "prod", "", [] {
                         tma::core::set_interrupted_for_testing(true);
                         return SiteResult{};
                       },
                       nullptr});
  }
  auto results = run_jobs(std::move(jobs), RunOptions{1, 1, Progress::never});
  tma::core::set_interrupted_for_testing(false);
  auto summary = summarize(results);
  CHECK(summary.ok == 1);
  CHECK(summary.skipped == 4);
  CHECK(results[1].error->kind == tma::core::ErrorKind::interrupted);
}

TEST_CASE("run::Summary counts and exit bits") {
  std::vector<SiteResult> results(5);
  results[1].status = Status::findings;
  results[2].status = Status::unreachable;
  results[3].status = Status::skipped;
  auto s = summarize(results, 3200ms);
  CHECK(s.exit_bits() == (tma::core::exit_code::findings | tma::core::exit_code::unreachable));
  CHECK(s.str() == "5 targets: 2 ok, 1 findings, 0 failed, 1 unreachable, 1 skipped in 3.2 s");
  CHECK(s.to_json()["total"] == 5);
  CHECK(summarize({}).exit_bits() == 0);
}

TEST_CASE("run::progress_line") {
  CHECK(progress_line(3, 10, 0, "", 0ms) == "[3/10]");
  CHECK(progress_line(12, 50, 2, "acme-www/prod", 14500ms) == "[12/50] 2 failed · slowest: acme-www/prod 15 s");
}

TEST_CASE("run::status_for maps error kinds") {
  CHECK(status_for({tma::core::ErrorKind::unreachable, ""}) == Status::unreachable);
  CHECK(status_for({tma::core::ErrorKind::interrupted, ""}) == Status::skipped);
  CHECK(status_for({tma::core::ErrorKind::timeout, ""}) == Status::failed);
  CHECK(status_for({tma::core::ErrorKind::remote, ""}) == Status::failed);
}

TEST_CASE("run::run_jobs draws and erases a progress line when asked") {
  tma::test::TempDir dir;
  auto path = dir.file("stderr");
  // Point fd 2 at a file for the duration of the run, then restore it.
  int saved = ::dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  std::vector<Job> jobs;
  auto progress = std::make_shared<JobProgress>();
  jobs.push_back(Job{"slow-site", "prod", "",
                     [progress] {
                       progress->start_phase("transfer files.tar");
                       progress->add_bytes(2048);
                       std::this_thread::sleep_for(700ms);
                       return SiteResult{};
                     },
                     progress});
  run_jobs(std::move(jobs), RunOptions{1, 1, Progress::always});
  ::dup2(saved, 2);
  ::close(fd);
  ::close(saved);
  auto text = tma::test::read_file(path);
  // The slowest's elapsed time (`N ms`, `1.2 s`) depends on the machine: the line around it does not.
  auto line = text.find("\r\x1b[K[0/1] · slowest: slow-site/prod ");
  REQUIRE(line != std::string::npos);
  auto rest = text.find(" · transfer files.tar 2.0 KiB", line);
  CHECK(rest != std::string::npos);
  CHECK(rest < text.find('\r', line + 1));
  CHECK(text.size() >= 4);
  CHECK(text.substr(text.size() - 4) == "\r\x1b[K"); // erased at the end
}

TEST_CASE("run::host_key: the server of a target for the per-host limit") {
  tma::inventory::Environment env;
  env.url = "https://user:secret@shop.example:8443/path?q#f";
  CHECK(tma::run::host_key(env) == "shop.example:8443");
  CHECK(tma::run::url_host_key("http://a.example") == "a.example");
  CHECK(tma::run::url_host_key("") == "");
  env.ssh = tma::inventory::SshTarget{};
  env.ssh->host = "web1.example";
  env.ssh->port = 2222;
  CHECK(tma::run::host_key(env) == "web1.example:2222");
  env.ssh->port.reset();
  CHECK(tma::run::host_key(env) == "web1.example");
  env.local = true;
  CHECK(tma::run::host_key(env) == "local");
}

TEST_CASE("run::progress_line names what the slowest job is doing") {
  CHECK(progress_line(0, 1, 0, "acme-www/prod", 14500ms, "dump database.sql.gz 45.2 MiB at 3.1 MiB/s, ETA 20s") ==
        "[0/1] · slowest: acme-www/prod 15 s · dump database.sql.gz 45.2 MiB at 3.1 MiB/s, ETA 20s");
  CHECK(progress_line(0, 1, 0, "acme-www/prod", 1000ms, "") == "[0/1] · slowest: acme-www/prod 1 s");
}

TEST_CASE("run::format_rate and format_eta: nothing too early and no ETA without a size") {
  CHECK(tma::run::format_rate(3 * 1024 * 1024, 2000ms) == "1.5 MiB/s");
  CHECK(tma::run::format_rate(1024, 400ms).empty()); // under half a second
  CHECK(tma::run::format_rate(0, 1000ms) == "0 B/s");
  // Half of 10 MiB in 10 s: 10 s left.
  CHECK(tma::run::format_eta(5 * 1024 * 1024, 10 * 1024 * 1024, 10000ms) == "ETA 10 s");
  // Rounded up to the second, in format_duration's units.
  CHECK(tma::run::format_eta(1000, 100000, 1000ms) == "ETA 1 min 39 s");
  CHECK(tma::run::format_eta(999, 1000, 1000ms) == "ETA 1 s");
  CHECK(tma::run::format_eta(100, std::nullopt, 1000ms).empty()); // size unknown
  CHECK(tma::run::format_eta(0, 1000, 1000ms).empty());           // nothing moved yet
  CHECK(tma::run::format_eta(2000, 1000, 1000ms).empty());        // bigger than last time
  CHECK(tma::run::format_eta(100, 1000, 100ms).empty());          // too early
}

TEST_CASE("run::phase_line and JobProgress") {
  CHECK(tma::run::phase_line("verify files.tar", 0, std::nullopt, 3000ms) == "verify files.tar");
  CHECK(tma::run::phase_line("transfer files.tar", 2 * 1024 * 1024, 4 * 1024 * 1024, 2000ms) ==
        "transfer files.tar 2.0 MiB at 1.0 MiB/s, ETA 2 s");
  CHECK(tma::run::phase_line("dump database.sql", 512, std::nullopt, 100ms) == "dump database.sql 512 B");
  tma::run::JobProgress progress;
  auto now = tma::run::JobProgress::Clock::now();
  CHECK(progress.describe(now).empty());
  progress.start_phase("dump database.sql", 4096);
  progress.add_bytes(1024);
  progress.add_bytes(1024);
  auto line = progress.describe(tma::run::JobProgress::Clock::now() + std::chrono::seconds(2));
  CHECK(line.rfind("dump database.sql 2.0 KiB at ", 0) == 0);
  CHECK(line.find(", ETA ") != std::string::npos); // its figure: format_eta above
  progress.start_phase("verify database.sql"); // a new phase counts from zero
  CHECK(progress.describe(tma::run::JobProgress::Clock::now()) == "verify database.sql");
}

TEST_CASE("run::run_jobs starts the other jobs of a silent host at once, each with its own verdict") {
  Concurrency seen;
  Gate gate;
  auto jobs = host_jobs("a", "silent", 10, [&](int i) {
    if (i >= 2) { // the first two end at once: 2 in a row without an answer
      seen.enter("silent");
      gate.arrive_and_wait(8, 10s);
      seen.leave("silent");
    }
    return i == 9 ? SiteResult{} : unreachable_result(); // the last one answers after all
  });
  for (auto& job : host_jobs("b", "busy", 4, [&](int) {
         seen.enter("busy");
         seen.leave("busy");
         return SiteResult{};
       })) {
    jobs.push_back(std::move(job));
  }
  auto results = run_jobs(std::move(jobs), bursting_after(2, 1, 1));
  REQUIRE(results.size() == 14);
  CHECK(seen.max_per_host["silent"] == 8); // --jobs 1 --per-host 1 would have run them one by one
  CHECK(seen.max_per_host["busy"] == 1);   // another host keeps its limit
  for (int i = 0; i < 9; ++i) {
    INFO(results[i].site);
    CHECK(results[i].status == Status::unreachable);
  }
  CHECK(results[9].site == "a09");
  CHECK(results[9].status == Status::ok);
  for (int i = 10; i < 14; ++i) CHECK(results[i].status == Status::ok);
}

TEST_CASE("run::run_jobs keeps the limits of a host that answers in between") {
  Concurrency seen;
  Gate gate;
  auto jobs = host_jobs("a", "flaky", 9, [&](int i) {
    if (i < 5) return i % 2 == 0 ? unreachable_result() : SiteResult{}; // never 2 in a row
    seen.enter("flaky");
    gate.arrive_and_wait(2, 100ms); // a burst would bring a second one in
    seen.leave("flaky");
    return SiteResult{};
  });
  auto results = run_jobs(std::move(jobs), bursting_after(2, 4, 1));
  CHECK(seen.max_per_host["flaky"] == 1);
  CHECK(summarize(results).unreachable == 3);
}

TEST_CASE("run::run_jobs never bursts unless asked") {
  Concurrency seen;
  Gate gate;
  auto jobs = host_jobs("a", "silent", 6, [&](int i) {
    if (i >= 3) {
      seen.enter("silent");
      gate.arrive_and_wait(2, 100ms);
      seen.leave("silent");
    }
    return unreachable_result();
  });
  auto results = run_jobs(std::move(jobs), bursting_after(0, 4, 1)); // backups, updates: the default
  CHECK(seen.max_per_host["silent"] == 1);
  CHECK(summarize(results).unreachable == 6);
}
