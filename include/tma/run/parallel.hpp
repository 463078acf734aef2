#pragma once
// A plain parallel loop for commands whose items are not (site, env) jobs of `run_jobs`: `tma
// update` plans and runs whole sites, with a stop rule of its own (`--max-fail`).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace tma::run {

/// Call `work(i, stopped)` for every i in [0, count) on at most `jobs` threads (this one
/// included). `stopped` is `stop()` read just before item i starts: once it is true the remaining
/// items are still visited, so that each can record why it did not run.
template <typename Work, typename Stop>
void for_each_parallel(std::size_t count, int jobs, Work&& work, Stop&& stop) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      work(i, stop());
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < std::min<int>(std::max(jobs, 1), static_cast<int>(count)); ++i) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
}

} // namespace tma::run
