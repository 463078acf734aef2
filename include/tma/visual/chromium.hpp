#pragma once
// The real Capturer: one headless Chromium (Debian's `chromium`) driven over the DevTools protocol
// on a pipe. docs/visual.md, "The browser", has the flags, the sequence, the timeouts and the limits.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <tma/core/error.hpp>
#include <tma/visual/capture.hpp>

namespace tma::visual {

struct ChromiumOptions {
  std::string program = "chromium";              // found on PATH; tests may point elsewhere
  std::chrono::milliseconds start_timeout{20000}; // until the browser answers on its pipe
  std::filesystem::path temp_root;               // where the throwaway profile dir goes (empty: system temp)
};

/// Starts one headless browser; the returned Capturer captures pages one at a time (not
/// thread-safe: use one per worker), each in a fresh browser context (no cookies, cache or storage
/// shared between captures). Fails clearly when chromium is missing or does not answer. Destroying
/// the Capturer closes the browser, kills what is left of its process group and removes the profile.
core::Result<std::unique_ptr<Capturer>> start_chromium(const ChromiumOptions& options);

} // namespace tma::visual
