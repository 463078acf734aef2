#include "inventory/yaml_guard.hpp"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace tma::inventory::detail {
namespace {

class CountingHandler final : public YAML::EventHandler {
 public:
  explicit CountingHandler(std::size_t budget) : m_budget(budget) {}

  void OnDocumentStart(const YAML::Mark& mark) override { count(mark); }
  void OnDocumentEnd() override { count(); }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    count(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    count(mark);
  }
  void OnSequenceEnd() override { count(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    count(mark);
  }
  void OnMapEnd() override { count(); }

 private:
  void count(const YAML::Mark& mark) {
    m_last = mark;
    count();
  }
  void count() {
    if (++m_events <= m_budget) return;
    throw YAML::ParserException(m_last, "the YAML parser makes no progress here (a ',' outside [...] or {...}?)");
  }

  std::size_t m_budget;
  std::size_t m_events = 0;
  YAML::Mark m_last = YAML::Mark::null_mark();
};

} // namespace

std::size_t yaml_event_budget(std::size_t bytes) { return 4 * bytes + 64; }

void guard_yaml_parse(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  CountingHandler handler(yaml_event_budget(text.size()));
  while (parser.HandleNextDocument(handler)) {
  }
}

} // namespace tma::inventory::detail
