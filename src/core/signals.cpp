#include <tma/core/signals.hpp>

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace tma::core {
namespace {

std::atomic<int> g_signal{0};

thread_local int t_shields = 0;

extern "C" void on_signal(int signo) { g_signal.store(signo); }

} // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: blocking waits return EINTR so loops can notice
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed pipe (`tma sites | head`) must be an EPIPE error, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
}

void stop_with_parent_if_asked() {
  const char* value = std::getenv(k_stop_with_parent_env);
  if (value == nullptr) return;
  const std::string_view text(value);
  pid_t parent = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parent);
  ::unsetenv(k_stop_with_parent_env); // `text` is not used past this point
  if (ec != std::errc{} || end != text.data() + text.size() || parent <= 1) return;
  // The death signal follows the thread that spawned us; tma spawns its jobs from its main thread.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died between our start and the prctl: we were then re-parented already.
  if (::getppid() != parent) g_signal.store(SIGTERM);
}

bool interrupted() { return t_shields == 0 && g_signal.load() != 0; }

InterruptShield::InterruptShield() { ++t_shields; }

InterruptShield::~InterruptShield() { --t_shields; }

int interrupt_signal() { return g_signal.load(); }

bool sleep_unless_interrupted(std::chrono::milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  for (auto now = std::chrono::steady_clock::now(); now < until; now = std::chrono::steady_clock::now()) {
    if (interrupted()) return false;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100), until - now));
  }
  return !interrupted();
}

void set_interrupted_for_testing(bool value) { g_signal.store(value ? SIGINT : 0); }

} // namespace tma::core
