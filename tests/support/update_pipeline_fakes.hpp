// The update pipeline's fakes (tests/unit/test_update_pipeline*.cpp): one shared log shows the
// order of journal events and side effects, so "journal before acting" and "maintenance always
// off" are checked, not assumed.
#pragma once

#include <tma/core/signals.hpp>
#include <tma/update/pipeline.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tma::test {

using Log = std::vector<std::string>;

class FakeCms : public update::CmsActions {
public:
  FakeCms(std::string env, Log& log, std::map<std::string, std::string> initial)
      : m_env(std::move(env)), m_log(log), versions(std::move(initial)) {}

  core::Result<void> install(cms::ComponentKind kind, const std::string& name,
                             const std::string& version) override {
    auto key = update::component_key(kind, name);
    m_log.push_back(m_env + " install " + key + " " + version);
    if (interrupt_on_install == key + "=" + version) {
      core::set_interrupted_for_testing(true);
    }
    if (install_fails.count(key + "=" + version) != 0) {
      return core::fail(core::ErrorKind::remote, "wp exited 1");
    }
    versions[key] = version;
    return {};
  }
  core::Result<void> set_maintenance(bool on) override {
    m_log.push_back(m_env + (on ? " maintenance on" : " maintenance off"));
    maintenance = on;
    return {};
  }
  core::Result<void> database_updates() override {
    m_log.push_back(m_env + " db updates");
    return {};
  }
  bool has_maintenance() const override { return with_maintenance; }

  std::string m_env;
  Log& m_log;
  std::map<std::string, std::string> versions;
  std::set<std::string> install_fails; ///< `key=version` whose install fails
  std::string interrupt_on_install;    ///< `key=version` whose install raises SIGINT's flag
  bool maintenance = false;
  bool with_maintenance = true; ///< false: a plain composer project
};

// Healthy unless a "bad" version is installed (the lab's 500-on-version, in memory), or maintenance
// is on, or the restore has not happened when `broken_until_restore` is set.
class FakeHealth : public update::SmokeTest {
public:
  FakeHealth(FakeCms& cms) : m_cms(cms) {}
  core::Result<void> healthy() override {
    if (m_cms.maintenance) {
      return core::fail(core::ErrorKind::http, "503 maintenance");
    }
    for (const auto& [key, version] : m_cms.versions) {
      if (bad.count(key + "=" + version) != 0) {
        return core::fail(core::ErrorKind::http, "GET / answered 500");
      }
    }
    if (broken_until_restore) {
      return core::fail(core::ErrorKind::http, "GET / answered 500 (database)");
    }
    return {};
  }
  FakeCms& m_cms;
  std::set<std::string> bad;
  bool broken_until_restore = false;
};

class FakeBackup : public update::Backup {
public:
  FakeBackup(Log& log, FakeHealth& health) : m_log(log), m_health(health) {}
  core::Result<std::string> take_pre_update() override {
    m_log.push_back("prod backup");
    if (fail_take) {
      return core::fail(core::ErrorKind::remote, "mysqldump failed");
    }
    return std::string("b-1");
  }
  core::Result<void> restore(const std::string& id) override {
    m_log.push_back("prod restore " + id);
    m_health.broken_until_restore = false;
    return {};
  }
  core::Result<void> mark_completed(const std::string& id) override {
    m_log.push_back("prod backup completed " + id);
    if (fail_mark) {
      return core::fail(core::ErrorKind::io, "disk full");
    }
    return {};
  }
  Log& m_log;
  FakeHealth& m_health;
  bool fail_take = false;
  bool fail_mark = false;
};

class FakeRecorder : public update::Recorder {
public:
  explicit FakeRecorder(Log& log) : m_log(log) {}
  core::Result<void> record(const std::string& env, const std::string& type,
                            nlohmann::json data) override {
    if (fail_on == type) {
      return core::fail(core::ErrorKind::git, "journal full");
    }
    m_log.push_back("journal " + env + " " + type +
                    (data.contains("component") ? " " + data["component"].get<std::string>() : ""));
    events.push_back(data);
    return {};
  }
  Log& m_log;
  std::vector<nlohmann::json> events;
  std::string fail_on;
};

inline const std::map<std::string, std::string> k_start{
    {"core", "6.4.2"}, {"plugin:akismet", "5.3"}, {"plugin:woocommerce", "8.2.1"}};

struct World {
  Log log;
  FakeCms preprod{"preprod", log, k_start};
  FakeCms prod{"prod", log, k_start};
  FakeHealth preprod_health{preprod};
  FakeHealth prod_health{prod};
  FakeBackup backup{log, prod_health};
  FakeRecorder recorder{log};
  update::PipelineOptions options;
  update::VisualCheck* preprod_visual = nullptr; ///< set by the visual comparison's tests
  update::VisualCheck* prod_visual = nullptr;

  update::Plan plan() const {
    update::Plan p;
    p.site = "acme-www";
    p.env = "prod";
    p.steps = {{cms::ComponentKind::core, "wordpress", "6.4.2", "6.5.3", "6.5.3", false, "", "", ""},
               {cms::ComponentKind::plugin, "akismet", "5.3", "5.3.1", "5.3.1", false, "", "", ""},
               {cms::ComponentKind::plugin, "woocommerce", "8.2.1", "9.0.0", "9.0.0", false, "", "", ""}};
    return p;
  }
  update::SiteResult run() {
    update::Targets t{&preprod, &preprod_health, &prod, &prod_health, &backup, &recorder, preprod_visual, prod_visual};
    return update::run_pipeline(plan(), t, options);
  }
  bool logged(const std::string& line) const {
    return std::find(log.begin(), log.end(), line) != log.end();
  }
  std::size_t index(const std::string& line) const {
    return static_cast<std::size_t>(std::find(log.begin(), log.end(), line) - log.begin());
  }
};

// Every install line is directly preceded by its journal event.
inline void require_journal_before_installs(const Log& log) {
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].find(" install ") != std::string::npos && log[i].rfind("journal", 0) != 0) {
      REQUIRE(i > 0);
      CHECK(log[i - 1].rfind("journal", 0) == 0);
    }
  }
}

} // namespace tma::test
