#include <tma/update/pipeline.hpp>

#include <tma/core/signals.hpp>
#include <tma/report/output.hpp>

#include <chrono>

#include <fmt/format.h>

namespace tma::update {

namespace {

constexpr const char* k_preprod = "preprod";
constexpr const char* k_prod = "prod";

nlohmann::json step_data(const Step& s, const std::string& from, const std::string& to) {
  return {{"component", component_key(s.kind, s.name)}, {"from", from}, {"to", to}};
}

long long elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
      .count();
}

// Maintenance mode as a scope: once switched on (or attempted), the destructor switches it off on
// every path out of the prod stage, including early returns and exceptions from an adapter.
class MaintenanceGuard {
public:
  MaintenanceGuard(CmsActions& cms, Recorder& recorder) : m_cms(cms), m_recorder(recorder) {}
  MaintenanceGuard(const MaintenanceGuard&) = delete;
  MaintenanceGuard& operator=(const MaintenanceGuard&) = delete;
  ~MaintenanceGuard() {
    if (m_on) {
      (void)off();
    }
  }

  core::Result<void> on() {
    if (!m_cms.has_maintenance()) return {}; // nothing to switch, nothing to journal
    if (auto r = m_recorder.record(k_prod, "update.maintenance.on", nlohmann::json::object()); !r) {
      return r;
    }
    // Counted as on even if the call fails: it may have half-worked, and switching off is harmless.
    m_on = true;
    return m_cms.set_maintenance(true);
  }

  // Switching off goes ahead even when the journal cannot be written: a site left in maintenance
  // is worse than a missing event.
  core::Result<void> off() {
    if (!m_cms.has_maintenance()) return {};
    core::InterruptShield shield; // Ctrl-C must not leave the site in maintenance
    (void)m_recorder.record(k_prod, "update.maintenance.off", nlohmann::json::object());
    auto r = m_cms.set_maintenance(false);
    if (r) {
      m_on = false;
    }
    return r;
  }

private:
  CmsActions& m_cms;
  Recorder& m_recorder;
  bool m_on = false;
};

std::string_view verdict_text(VisualVerdict verdict) {
  switch (verdict) {
  case VisualVerdict::same: return "same";
  case VisualVerdict::changed: return "changed";
  case VisualVerdict::broken: return "broken";
  }
  return "broken";
}

nlohmann::json visual_data(const VisualResult& result) {
  return {{"verdict", std::string(verdict_text(result.verdict))},
          {"summary", result.summary},
          {"report", result.report},
          {"pages", result.pages},
          {"flagged", result.flagged}};
}

core::Result<void> not_interrupted() {
  if (core::interrupted()) {
    return core::fail(core::ErrorKind::interrupted,
                      "interrupted by signal " + std::to_string(core::interrupt_signal()));
  }
  return {};
}

class Pipeline {
public:
  Pipeline(const Plan& plan, const Targets& t, const PipelineOptions& o) : m_t(t), m_o(o) {
    m_r.site = plan.site;
    for (const auto& s : plan.steps) {
      m_r.steps.push_back({s, StepStatus::pending, ""});
    }
  }

  SiteResult run() {
    if (m_r.steps.empty()) {
      m_r.outcome = Outcome::nothing_to_do;
      return m_r;
    }
    if (!m_o.validated_by.empty() || m_o.skip_preprod) {
      // No preprod to validate on (the caller required --skip-preprod), or a set validated earlier
      // (--promote): the whole plan goes to prod.
      if (m_o.validated_by.empty()) {
        (void)m_t.recorder->record(k_prod, "update.preprod_skipped", nlohmann::json::object());
      } else {
        (void)m_t.recorder->record(k_prod, "update.promoted", {{"validated_by", m_o.validated_by}});
      }
      for (auto& s : m_r.steps) {
        s.status = StepStatus::validated;
      }
    } else if (!preprod()) {
      return m_r;
    }
    if (m_o.preprod_only) {
      m_r.outcome = any(StepStatus::validated) || any(StepStatus::held) ? Outcome::validated : Outcome::nothing_to_do;
      (void)m_t.recorder->record(k_preprod, "update.validated", validated_set(false));
      return m_r;
    }
    if (any(StepStatus::held)) {
      // What waits for approval is a validated set of its own: `--promote --accept-visual` applies it.
      (void)m_t.recorder->record(k_preprod, "update.validated", validated_set(true));
    }
    if (!any(StepStatus::validated)) {
      m_r.outcome = any(StepStatus::held) ? Outcome::validated : Outcome::nothing_to_do;
      return m_r;
    }
    prod();
    return m_r;
  }

private:
  bool any(StepStatus status) const {
    for (const auto& s : m_r.steps) {
      if (s.status == status) {
        return true;
      }
    }
    return false;
  }

  // The steps prod may take later: validated ones (unless `held_only`) and those whose pages
  // changed, with the comparison's report so that promoting them needs --accept-visual.
  nlohmann::json validated_set(bool held_only) const {
    auto list = nlohmann::json::array();
    for (const auto& s : m_r.steps) {
      if (s.status == StepStatus::held || (!held_only && s.status == StepStatus::validated)) {
        auto item = step_data(s.step, s.step.installed, s.step.target);
        item["kind"] = std::string(cms::to_string(s.step.kind));
        item["name"] = s.step.name;
        if (!s.step.visual_report.empty()) item["visual_report"] = s.step.visual_report;
        list.push_back(item);
      }
    }
    return {{"steps", list}};
  }

  // After a step passed its smoke test on preprod: the pages compared with those before it. Empty
  // when the step may stay; else why it is rejected. A changed page holds the step for approval.
  std::string preprod_visual(StepResult& s) {
    auto compared = m_t.preprod_visual->compare();
    if (!compared) return "pages not compared: " + compared.error().message;
    auto data = visual_data(*compared);
    data["component"] = component_key(s.step.kind, s.step.name);
    (void)m_t.recorder->record(k_preprod, "update.visual", data);
    if (compared->verdict == VisualVerdict::broken) {
      return fmt::format("pages broken: {} (see {})", compared->summary, compared->report);
    }
    m_t.preprod_visual->keep_last();
    if (compared->verdict == VisualVerdict::changed) {
      s.status = StepStatus::held;
      s.step.visual_report = compared->report;
      s.reason = fmt::format("pages changed: {}; review {}, then tma update --promote --accept-visual",
                             compared->summary, compared->report);
    }
    return "";
  }

  void add_error(const std::string& text) { m_r.error = m_r.error.empty() ? text : m_r.error + "; " + text; }

  bool stop(std::string error) {
    m_r.outcome = Outcome::failed;
    m_r.error = std::move(error);
    return false;
  }

  // Journal first, then act; an unwritable journal means we do not act.
  template <typename F>
  auto act(const char* env, const std::string& type, nlohmann::json data, F&& action)
      -> decltype(action()) {
    if (auto r = m_t.recorder->record(env, type, std::move(data)); !r) {
      return tl::unexpected(r.error());
    }
    return action();
  }

  bool preprod() {
    if (auto h = m_t.preprod_health->healthy(); !h) {
      return stop("preprod is unhealthy before any change (" + h.error().message + "); nothing done");
    }
    if (m_t.preprod_visual != nullptr) {
      if (auto b = m_t.preprod_visual->baseline(); !b) {
        return stop("preprod's pages could not be captured before any change (" + b.error().message +
                    "); nothing done");
      }
    }
    for (auto& s : m_r.steps) {
      if (auto i = not_interrupted(); !i) {
        return stop(i.error().message + " during preprod; prod untouched");
      }
      const auto& st = s.step;
      auto start = std::chrono::steady_clock::now();
      auto installed = act(k_preprod, "update.install", step_data(st, st.installed, st.target), [&] {
        return m_t.preprod->install(st.kind, st.name, st.target);
      });
      if (installed) {
        installed = act(k_preprod, "update.db_updates", nlohmann::json::object(),
                        [&] { return m_t.preprod->database_updates(); });
      }
      std::string reason;
      if (core::interrupted()) {
        // Ctrl-C during this step: put the component back as it was and stop; not a rejection.
        core::InterruptShield shield;
        auto reverted = act(k_preprod, "update.revert", step_data(st, st.target, st.installed),
                            [&] { return m_t.preprod->install(st.kind, st.name, st.installed); });
        return stop("interrupted by signal " + std::to_string(core::interrupt_signal()) + " during preprod" +
                    (reverted ? std::string() : " (reverting " + component_key(st.kind, st.name) +
                                                    " failed: " + reverted.error().message + ")") +
                    "; prod untouched");
      }
      if (!installed) {
        reason = "install failed: " + installed.error().message;
      } else if (auto h = m_t.preprod_health->healthy(); !h) {
        reason = "health failed: " + h.error().message;
      } else if (m_t.preprod_visual != nullptr) {
        reason = preprod_visual(s);
      }
      if (reason.empty() && s.status == StepStatus::held) {
        (void)m_t.recorder->record(k_preprod, "update.step.held", step_data(st, st.installed, st.target));
        continue;
      }
      if (reason.empty()) {
        s.status = StepStatus::validated;
        auto data = step_data(st, st.installed, st.target);
        data["duration_ms"] = elapsed_ms(start);
        (void)m_t.recorder->record(k_preprod, "update.step.validated", data);
        continue;
      }
      auto revert_data = step_data(st, st.target, st.installed);
      revert_data["reason"] = reason;
      auto reverted = act(k_preprod, "update.revert", revert_data,
                          [&] { return m_t.preprod->install(st.kind, st.name, st.installed); });
      s.status = StepStatus::rejected;
      s.reason = reason;
      if (!reverted) {
        return stop("preprod: reverting " + component_key(st.kind, st.name) + " failed (" +
                    reverted.error().message + "); prod untouched");
      }
      if (auto h = m_t.preprod_health->healthy(); !h) {
        return stop("preprod still unhealthy after reverting " + component_key(st.kind, st.name) + " (" +
                    h.error().message + "); prod untouched");
      }
      if (m_o.stop_on_failure) {
        return stop("stopped at the first rejected component (--stop-on-failure); prod untouched");
      }
    }
    return true;
  }

  void prod() {
    if (auto i = not_interrupted(); !i) {
      stop(i.error().message + " before prod; prod untouched");
      return;
    }
    if (auto h = m_t.prod_health->healthy(); !h) {
      stop("prod is unhealthy before any change (" + h.error().message + "); not touching it");
      return;
    }
    if (m_t.prod_visual != nullptr) {
      if (auto b = m_t.prod_visual->baseline(); !b) {
        stop("prod's pages could not be captured before the update (" + b.error().message + "); prod untouched");
        return;
      }
    }
    auto backup = act(k_prod, "update.backup", nlohmann::json::object(),
                      [&] { return m_t.backup->take_pre_update(); });
    if (!backup) {
      stop("pre-update backup failed (" + backup.error().message + "); prod untouched");
      return;
    }
    m_r.backup_id = *backup;
    MaintenanceGuard maintenance(*m_t.prod, *m_t.recorder);
    std::vector<StepResult*> touched;
    std::string problem;
    if (auto m = maintenance.on(); !m) {
      problem = "maintenance mode on failed: " + m.error().message;
    }
    for (auto& s : m_r.steps) {
      if (!problem.empty()) {
        break;
      }
      if (s.status != StepStatus::validated) {
        continue;
      }
      if (auto i = not_interrupted(); !i) {
        problem = i.error().message;
        break;
      }
      touched.push_back(&s);
      const auto& st = s.step;
      auto start = std::chrono::steady_clock::now();
      auto installed = act(k_prod, "update.install", step_data(st, st.installed, st.target),
                           [&] { return m_t.prod->install(st.kind, st.name, st.target); });
      if (!installed) {
        problem = "install of " + component_key(st.kind, st.name) + " " + st.target +
                  " failed: " + installed.error().message;
      } else {
        auto data = step_data(st, st.installed, st.target);
        data["duration_ms"] = elapsed_ms(start);
        (void)m_t.recorder->record(k_prod, "update.step.installed", data);
      }
    }
    if (problem.empty()) {
      if (auto db = act(k_prod, "update.db_updates", nlohmann::json::object(),
                        [&] { return m_t.prod->database_updates(); });
          !db) {
        problem = "database updates failed: " + db.error().message;
      }
    }
    if (auto off = maintenance.off(); !off && problem.empty()) {
      problem = "maintenance mode off failed: " + off.error().message;
    }
    if (problem.empty()) {
      if (auto h = m_t.prod_health->healthy(); !h) {
        problem = "health failed: " + h.error().message;
      }
    }
    if (problem.empty() && m_t.prod_visual != nullptr) {
      problem = prod_visual();
    }
    if (problem.empty()) {
      for (auto* s : touched) {
        s->status = StepStatus::applied;
      }
      m_r.outcome = Outcome::updated;
      // Only now may retention let the previous pre-update backups go. Prod is updated either
      // way, so a failure here is reported, not a failed update: the backup just stays protected.
      if (auto marked = act(k_prod, "update.backup_completed", {{"backup", m_r.backup_id}},
                            [&] { return m_t.backup->mark_completed(m_r.backup_id); });
          !marked) {
        add_error("pre-update backup " + m_r.backup_id + " not marked completed: " + marked.error().message);
      }
      return;
    }
    rollback(maintenance, touched, problem);
  }

  // Prod's pages after the update: broken ones roll it back like a failed smoke test. A comparison
  // that could not be made is said, not a reason to undo a healthy update.
  std::string prod_visual() {
    auto compared = m_t.prod_visual->compare();
    if (!compared) {
      add_error("prod's pages not compared: " + compared.error().message);
      return "";
    }
    (void)m_t.recorder->record(k_prod, "update.visual", visual_data(*compared));
    if (compared->verdict == VisualVerdict::broken) {
      return fmt::format("pages broken: {} (see {})", compared->summary, compared->report);
    }
    return "";
  }

  // Not interruptible: a half-done rollback is worse than finishing it.
  void rollback(MaintenanceGuard& maintenance, const std::vector<StepResult*>& touched,
                const std::string& problem) {
    core::InterruptShield shield;
    add_error("prod: " + problem);
    if (touched.empty()) {
      // Nothing was installed: maintenance is already off (guard), there is nothing to revert.
      m_r.outcome = Outcome::failed;
      return;
    }
    for (auto* s : touched) {
      s->status = StepStatus::rolled_back;
      s->reason = problem;
    }
    (void)maintenance.on();
    std::string revert_error;
    for (auto it = touched.rbegin(); it != touched.rend(); ++it) {
      const auto& st = (*it)->step;
      auto r = act(k_prod, "update.revert", step_data(st, st.target, st.installed),
                   [&] { return m_t.prod->install(st.kind, st.name, st.installed); });
      if (!r && revert_error.empty()) {
        revert_error = r.error().message;
      }
    }
    (void)maintenance.off();
    auto healthy = m_t.prod_health->healthy();
    if (revert_error.empty() && healthy) {
      m_r.outcome = Outcome::rolled_back;
      return;
    }
    (void)maintenance.on();
    auto restored = act(k_prod, "update.restore", {{"backup", m_r.backup_id}},
                        [&] { return m_t.backup->restore(m_r.backup_id); });
    (void)maintenance.off();
    if (!restored) {
      m_r.outcome = Outcome::failed;
      m_r.error += "; restore of backup " + m_r.backup_id + " failed: " + restored.error().message;
      return;
    }
    if (auto h = m_t.prod_health->healthy(); !h) {
      m_r.outcome = Outcome::failed;
      m_r.error += "; still unhealthy after restoring backup " + m_r.backup_id + ": " + h.error().message;
      return;
    }
    m_r.outcome = Outcome::restored;
  }

  const Targets& m_t;
  const PipelineOptions& m_o;
  SiteResult m_r;
};

} // namespace

SiteResult run_pipeline(const Plan& plan, const Targets& targets, const PipelineOptions& options) {
  auto result = Pipeline(plan, targets, options).run();
  // The steps and how preprod took part: what the client report lists as updates applied.
  auto data = result_to_json(result);
  data.erase("site");
  data["preprod"] = options.skip_preprod ? "skipped" : !options.validated_by.empty() ? "promoted" : "validated";
  // What the plan left out and why: a pinned component is "held back" in the client report.
  data["skipped"] = plan_to_json(plan).at("skipped");
  (void)targets.recorder->record(options.preprod_only ? k_preprod : k_prod, "update.finished", std::move(data));
  return result;
}

std::string_view to_string(StepStatus status) {
  switch (status) {
  case StepStatus::pending: return "pending";
  case StepStatus::validated: return "validated";
  case StepStatus::rejected: return "rejected";
  case StepStatus::held: return "held";
  case StepStatus::applied: return "applied";
  case StepStatus::rolled_back: return "rolled back";
  }
  return "pending";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
  case Outcome::nothing_to_do: return "nothing to do";
  case Outcome::validated: return "validated";
  case Outcome::updated: return "updated";
  case Outcome::rolled_back: return "rolled back";
  case Outcome::restored: return "restored";
  case Outcome::failed: return "failed";
  }
  return "failed";
}

std::string render_result_table(const SiteResult& result, bool colour) {
  report::Table table({"COMPONENT", "FROM", "TO", "STATUS", "REASON"});
  for (const auto& s : result.steps) {
    auto style = s.status == StepStatus::applied || s.status == StepStatus::validated ? report::Style::good
                 : s.status == StepStatus::pending                                      ? report::Style::dim
                 : s.status == StepStatus::held                                         ? report::Style::warn
                                                                                        : report::Style::bad;
    table.add_row({component_key(s.step.kind, s.step.name), s.step.installed, s.step.target,
                   report::Cell(std::string(to_string(s.status)), style), s.reason});
  }
  std::string out = result.site + ": " + std::string(to_string(result.outcome));
  if (!result.error.empty()) {
    out += " (" + result.error + ")";
  }
  out += "\n";
  if (table.rows() > 0) {
    out += table.render(colour);
  }
  return out;
}

nlohmann::json result_to_json(const SiteResult& result) {
  auto steps = nlohmann::json::array();
  for (const auto& s : result.steps) {
    steps.push_back({{"component", component_key(s.step.kind, s.step.name)},
                     {"from", s.step.installed},
                     {"to", s.step.target},
                     {"status", std::string(to_string(s.status))},
                     {"security", s.step.security},
                     {"reason", s.reason},
                     {"visual_report", s.step.visual_report}});
  }
  return {{"site", result.site},
          {"outcome", std::string(to_string(result.outcome))},
          {"backup", result.backup_id},
          {"error", result.error},
          {"steps", steps}};
}

} // namespace tma::update
