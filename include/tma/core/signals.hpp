#pragma once
// Ctrl-C handling: the handler only records the signal; long-running loops poll `interrupted()`
// and unwind normally so that journals are committed and maintenance mode is switched off.

#include <chrono>

namespace tma::core {

/// Install SIGINT/SIGTERM handlers that set the interrupted flag (idempotent).
void install_signal_handlers();

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
