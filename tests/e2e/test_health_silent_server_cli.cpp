// `tma health` against a server that accepts connections and never answers (a stopped web server,
// as the soak's server_down fault makes): after three of its targets in a row without an answer,
// the others are probed all at once instead of `--per-host` at a time, and each still gets its
// own verdict (docs/transport.md, "Runner").
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace {

/// A loopback TCP server that accepts and reads but never answers; counts the connections open at
/// once (a request the client gave up on closes its connection).
class SilentServer {
public:
  SilentServer() {
    auto listener = tma::test::listen_loopback(64);
    m_listener = listener.fd;
    m_port = listener.port;
    m_thread = std::thread([this] { serve(); });
  }
  ~SilentServer() {
    m_stop = true;
    m_thread.join();
    for (int fd : m_open) ::close(fd);
    ::close(m_listener);
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  int port() const { return m_port; }
  int accepted() const { return m_accepted; }
  int max_open() const { return m_max_open; }

private:
  void serve() {
    while (!m_stop) {
      std::vector<pollfd> fds{{m_listener, POLLIN, 0}};
      for (int fd : m_open) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        char buffer[4096];
        if (::recv(fds[i].fd, buffer, sizeof buffer, 0) > 0) continue; // the request: never answered
        ::close(fds[i].fd);
        std::erase(m_open, fds[i].fd);
      }
      if ((fds[0].revents & POLLIN) != 0) {
        int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          m_open.push_back(fd);
          ++m_accepted;
          m_max_open = std::max<int>(m_max_open, static_cast<int>(m_open.size()));
        }
      }
    }
  }

  int m_listener = -1;
  int m_port = 0;
  std::thread m_thread;
  std::atomic<bool> m_stop{false};
  std::vector<int> m_open; // the server thread's own
  std::atomic<int> m_accepted{0};
  std::atomic<int> m_max_open{0};
};

} // namespace

TEST_CASE("tma health probes the other targets of a silent server at once", "[e2e]") {
  SilentServer server;
  tma::test::TempDir dir;
  std::string sites;
  for (int i = 0; i < 7; ++i) {
    sites += fmt::format("  s{0}:\n    client: a\n    cms: static\n    environments:\n"
                         "      prod: {{url: \"http://127.0.0.1:{1}/s{0}\", transport: local, path: \"{2}\"}}\n",
                         i, server.port(), dir.path().string());
  }
  std::ofstream(dir.file("sites.yaml")) << "defaults:\n  http: {timeout: 1s}\n"
                                        << "clients:\n  a: {contract: {model: on_demand, rate: 90}}\nsites:\n"
                                        << sites;
  auto out = tma::test::run_tma({"-i", dir.file("sites.yaml"), "health", "--all", "--jobs", "1", "--per-host", "1",
                                 "--format", "json"},
                                {{"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}});
  INFO(out.err);
  CHECK(out.exit_code == 4); // unreachable
  auto doc = nlohmann::json::parse(out.out);
  int unreachable = 0;
  for (const auto& r : doc["results"]) unreachable += r["unreachable"].get<bool>() ? 1 : 0;
  CHECK(unreachable == 7); // every target has its own verdict, none is skipped
  CHECK(server.accepted() == 7);
  // --jobs 1 --per-host 1: the first three one at a time, then the four others together.
  CHECK(server.max_open() == 4);
}
