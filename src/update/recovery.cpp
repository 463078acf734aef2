#include <tma/update/recovery.hpp>


namespace tma::update {

std::string work_description(const SiteResult& result) {
  std::vector<std::string> changed;
  int rejected = 0;
  int rolled_back = 0;
  for (const auto& s : result.steps) {
    if (s.status == StepStatus::applied || s.status == StepStatus::validated) {
      changed.push_back(component_key(s.step.kind, s.step.name) + " " + s.step.installed + " -> " +
                        s.step.target);
    } else if (s.status == StepStatus::rejected) {
      ++rejected;
    } else if (s.status == StepStatus::rolled_back) {
      ++rolled_back;
    }
  }
  std::string text = "update: ";
  if (!changed.empty()) {
    text += std::to_string(changed.size()) + (result.outcome == Outcome::validated ? " validated (" : " updated (");
    for (std::size_t i = 0; i < changed.size(); ++i) {
      text += (i ? ", " : "") + changed[i];
    }
    text += "), ";
  }
  if (rejected > 0) {
    text += std::to_string(rejected) + " rejected on preprod, ";
  }
  if (rolled_back > 0) {
    text += std::to_string(rolled_back) + " rolled back, ";
  }
  return text + std::string(to_string(result.outcome));
}

contract::AutomaticWork automatic_work(const SiteResult& result, const std::string& client,
                                       core::SysSeconds started, core::SysSeconds finished) {
  contract::AutomaticWork work;
  work.site = result.site;
  work.client = client;
  work.category = contract::Category::update;
  work.started = started;
  work.finished = finished;
  work.description = work_description(result);
  return work;
}

} // namespace tma::update
