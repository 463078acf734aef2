#pragma once
// The real Recorder: each pipeline event goes into the run's journal and is committed (flushed)
// before `record` returns, so the side effect that follows is already on record.

#include <tma/journal/journal.hpp>
#include <tma/update/pipeline.hpp>

namespace tma::update {

class JournalRecorder final : public Recorder {
public:
  /// `run` must outlive this object; `site` and `client` name the subject of every event.
  JournalRecorder(journal::Run& run, std::string site, std::string client)
      : m_run(run), m_site(std::move(site)), m_client(std::move(client)) {}

  core::Result<void> record(const std::string& env, const std::string& type,
                            nlohmann::json data) override {
    m_run.record(type, journal::Subject{m_site, env, m_client}, std::move(data));
    return m_run.flush();
  }

private:
  journal::Run& m_run;
  std::string m_site;
  std::string m_client;
};

} // namespace tma::update
