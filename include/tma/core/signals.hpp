#pragma once
// Ctrl-C handling: the handler only records the signal; long-running loops poll `interrupted()`
// and unwind normally so that journals are committed and maintenance mode is switched off.

#include <chrono>

namespace tma::core {

/// Install SIGINT/SIGTERM handlers that set the interrupted flag (idempotent).
void install_signal_handlers();

/// The variable through which a tma that starts another tma (`tma run --due` runs each job as a child
/// tma) names itself: the child then stops with it (`stop_with_parent_if_asked`).
inline constexpr const char* k_stop_with_parent_env = "TMA_STOP_WITH_PARENT";

/// When $TMA_STOP_WITH_PARENT holds the pid of our parent, ask the kernel for a SIGTERM when that
/// parent dies, and take it as Ctrl-C: a job of a `tma run` killed with -9 then unwinds (locks
/// released, maintenance mode off, its own children stopped) instead of running on, orphaned, and
/// holding its site locks into the next night. A parent already gone counts as that signal. The
/// variable is removed from the environment: our own children are stopped by us. Call it once, at
/// start-up, after install_signal_handlers().
void stop_with_parent_if_asked();

/// True once SIGINT or SIGTERM has been received.
bool interrupted();

/// The signal that interrupted us (0 if none).
int interrupt_signal();

/// Sleeps `delay` in steps of at most 100 ms so that Ctrl-C is noticed within one: the waits
/// between retries and polls. False when interrupted (at once or during the wait).
bool sleep_unless_interrupted(std::chrono::milliseconds delay);

/// While one of these lives on a thread, `interrupted()` answers false on that thread (the signal
/// stays recorded and shows again once the last shield is gone). For work that must finish once
/// started: switching maintenance mode off, a rollback, releasing a lock. Process runs and HTTP
/// requests made under a shield are therefore not cut short by Ctrl-C (their timeouts still apply).
class InterruptShield {
public:
  InterruptShield();
  ~InterruptShield();
  InterruptShield(const InterruptShield&) = delete;
  InterruptShield& operator=(const InterruptShield&) = delete;
};

/// Set or clear the flag by hand (tests, and the runner when it cancels itself).
void set_interrupted_for_testing(bool value);

} // namespace tma::core
