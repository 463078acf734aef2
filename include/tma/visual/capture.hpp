// What a browser gives back for one page at one width, and the seam that gets it. The Chromium
// driver (chromium.hpp) is the real implementation; tests of the comparison use a fake.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::visual {

struct CaptureRequest {
  std::string url;                  // absolute http(s) URL, checked by the caller
  int width = 1280;                 // viewport width in CSS pixels; the height follows the page
  bool mobile = false;              // phone emulation (mobile viewport, touch)
  std::vector<std::string> masks;   // CSS selectors hidden (visibility: hidden) before the capture
  std::chrono::milliseconds load_timeout{30000}; // navigation until the load event
  std::chrono::milliseconds idle_bound{5000};    // then wait for network idle at most this long
  int max_height = 16384;           // a full-page capture is clipped to this height
};

struct Capture {
  std::string png;          // PNG bytes as the browser encoded them (8-bit RGB)
  int width = 0;            // captured size in pixels
  int height = 0;
  std::string visible_text; // document.body.innerText: what the page shows, not its HTML
  std::string main_text;    // innerText of the main content (main, [role=main], article, #content; else body)
  bool network_idle = false; // false when idle_bound ran out first
  long http_status = 0;     // of the main document; 0 when the browser did not say
};

class Capturer {
public:
  virtual ~Capturer() = default;
  virtual core::Result<Capture> capture(const CaptureRequest& request) = 0;
};

// The capture shape in file names and tables: `1280`, `390m` (m: phone emulation).
std::string width_label(int width, bool mobile);

} // namespace tma::visual
