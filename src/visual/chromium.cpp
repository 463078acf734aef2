#include <tma/visual/chromium.hpp>

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include <tma/core/json.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/units.hpp>
#include <tma/transport/child_process.hpp>

#include "visual/devtools.hpp"
#include "visual/devtools_pipe.hpp"

namespace tma::visual {

namespace fs = std::filesystem;
using detail::Clock;
using detail::number_of;
using nlohmann::json;

namespace {

constexpr std::size_t k_commands_pipe = 0; // the browser's fd 3
constexpr std::size_t k_replies_pipe = 1;  // the browser's fd 4
// Commands answer in milliseconds; these bounds only keep a stuck browser from hanging tma.
constexpr std::chrono::milliseconds k_command_timeout{30000};
constexpr std::chrono::milliseconds k_screenshot_timeout{60000}; // a tall page is rendered in tiles
constexpr std::chrono::milliseconds k_close_timeout{5000};
constexpr int k_viewport_height = 800;
constexpr int k_max_width = 10000;

// The throwaway profile directory, removed with everything in it.
class TempProfile {
public:
  static core::Result<TempProfile> create(const fs::path& root) {
    std::error_code ec;
    auto base = root.empty() ? fs::temp_directory_path(ec) : root;
    if (ec) return core::fail(core::ErrorKind::io, fmt::format("no temporary directory: {}", ec.message()));
    auto pattern = (base / "tma-chromium-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return core::fail(core::ErrorKind::io, fmt::format("cannot create a browser profile in {}: {}", base.string(), std::strerror(errno)));
    }
    return TempProfile(fs::path(pattern));
  }
  TempProfile(TempProfile&& other) noexcept : m_path(std::exchange(other.m_path, {})) {}
  TempProfile& operator=(TempProfile&&) = delete;
  TempProfile(const TempProfile&) = delete;
  TempProfile& operator=(const TempProfile&) = delete;
  ~TempProfile() {
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }

private:
  explicit TempProfile(fs::path path) : m_path(std::move(path)) {}
  fs::path m_path;
};

// What the events of the page being captured said so far.
struct PageState {
  std::string session_id;
  std::map<std::string, std::set<std::string>> lifecycle; // loaderId -> lifecycle events seen
  std::map<std::string, long> document_status;            // loaderId -> HTTP status of its document
  bool crashed = false;

  void take(const detail::Event& event) {
    if (event.session_id != session_id) return; // a page of an earlier capture, or the browser
    const auto& p = event.params;
    auto loader = core::json_string(p, "loaderId");
    if (event.method == "Page.lifecycleEvent") {
      lifecycle[loader].insert(core::json_string(p, "name"));
    } else if (event.method == "Network.responseReceived" && core::json_string(p, "type") == "Document") {
      auto response = p.find("response");
      if (response != p.end() && response->is_object()) document_status[loader] = std::lround(number_of(*response, "status"));
    } else if (event.method == "Inspector.targetCrashed") {
      crashed = true;
    }
  }
  bool seen(const std::string& loader, const char* name) const {
    auto it = lifecycle.find(loader);
    return it != lifecycle.end() && it->second.count(name) > 0;
  }
  long status_of(const std::string& loader) const {
    auto it = document_status.find(loader);
    return it == document_status.end() ? 0 : it->second;
  }
};

class ChromiumCapturer final : public Capturer {
public:
  ChromiumCapturer(TempProfile profile, transport::ChildProcess child, std::string program)
      : m_profile(std::move(profile)), m_child(std::move(child)),
        m_pipe(m_child, k_commands_pipe, k_replies_pipe, std::move(program)) {
    m_pipe.on_event([this](const detail::Event& event) {
      if (m_page) m_page->take(event);
    });
  }
  ChromiumCapturer(const ChromiumCapturer&) = delete;
  ChromiumCapturer& operator=(const ChromiumCapturer&) = delete;

  ~ChromiumCapturer() override {
    bool closed = false;
    if (m_pipe.healthy() && m_child.running() && !core::interrupted()) {
      closed = m_pipe.call("Browser.close", json::object(), {}, Clock::now() + k_close_timeout).has_value();
    }
    // After Browser.close the browser exits by itself in well under a second; else TERM at once.
    m_child.stop(closed ? k_close_timeout : std::chrono::milliseconds{0});
  }

  core::Result<json> call(std::string_view method, json params = json::object(),
                          std::chrono::milliseconds timeout = k_command_timeout) {
    return m_pipe.call(method, std::move(params), m_page ? m_page->session_id : std::string(), Clock::now() + timeout);
  }

  core::Result<json> evaluate(const std::string& expression, std::string_view what) {
    auto reply = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
    if (!reply) return reply;
    return detail::evaluated_value(*reply, what);
  }

  core::Result<void> answers(std::chrono::milliseconds timeout) {
    auto version = m_pipe.call("Browser.getVersion", json::object(), {}, Clock::now() + timeout);
    if (!version) return tl::unexpected(version.error());
    return {};
  }

  core::Result<Capture> capture(const CaptureRequest& request) override {
    if (auto refused = check(request); !refused) return tl::unexpected(refused.error());
    auto context = m_pipe.call("Target.createBrowserContext", json::object(), {}, Clock::now() + k_command_timeout);
    if (!context) return tl::unexpected(core::with_context(context.error(), request.url));
    auto context_id = core::json_string(*context, "browserContextId");
    // Disposing of the context closes its page, on every way out of this capture.
    struct ContextGuard {
      ChromiumCapturer& self;
      std::string id;
      ~ContextGuard() {
        self.m_page.reset();
        if (self.m_pipe.healthy()) {
          (void)self.m_pipe.call("Target.disposeBrowserContext", {{"browserContextId", id}}, {}, Clock::now() + k_close_timeout);
        }
      }
    } guard{*this, context_id};
    auto captured = capture_in(request, context_id);
    if (!captured) return tl::unexpected(core::with_context(captured.error(), request.url));
    return captured;
  }

private:
  static core::Result<void> check(const CaptureRequest& request) {
    if (request.url.rfind("http://", 0) != 0 && request.url.rfind("https://", 0) != 0) {
      return core::fail(core::ErrorKind::config, fmt::format("{}: only http(s) URLs are captured", request.url));
    }
    if (request.width < 1 || request.width > k_max_width || request.max_height < 1) {
      return core::fail(core::ErrorKind::internal,
                        fmt::format("{}: capture size out of range (width {}, max height {})", request.url, request.width, request.max_height));
    }
    return {};
  }

  core::Result<Capture> capture_in(const CaptureRequest& request, const std::string& context_id) {
    auto target = m_pipe.call("Target.createTarget", {{"url", "about:blank"}, {"browserContextId", context_id}}, {},
                              Clock::now() + k_command_timeout);
    if (!target) return tl::unexpected(target.error());
    auto attached = m_pipe.call("Target.attachToTarget",
                                {{"targetId", core::json_string(*target, "targetId")}, {"flatten", true}}, {},
                                Clock::now() + k_command_timeout);
    if (!attached) return tl::unexpected(attached.error());
    m_page = PageState{core::json_string(*attached, "sessionId"), {}, {}, false};

    auto mobile = request.mobile;
    json touch = {{"enabled", mobile}};
    if (mobile) touch["maxTouchPoints"] = 5;
    const std::pair<const char*, json> setup[] = {
        {"Page.enable", json::object()},
        {"Network.enable", json::object()},
        {"Inspector.enable", json::object()},
        {"Page.setLifecycleEventsEnabled", {{"enabled", true}}},
        // The masks and the animation style are the capture's own: a page's Content-Security-Policy
        // must not refuse them.
        {"Page.setBypassCSP", {{"enabled", true}}},
        {"Emulation.setDeviceMetricsOverride",
         {{"width", request.width}, {"height", k_viewport_height}, {"deviceScaleFactor", 1}, {"mobile", mobile}}},
        {"Emulation.setTouchEmulationEnabled", touch},
        {"Page.addScriptToEvaluateOnNewDocument", {{"source", detail::animations_off_script()}}},
    };
    for (const auto& [method, params] : setup) {
      if (auto r = call(method, params); !r) return tl::unexpected(r.error());
    }

    // Page.navigate answers once the response started (or failed): a server holding its answer
    // holds the reply too, so it shares the load deadline.
    auto load_deadline = Clock::now() + request.load_timeout;
    auto navigated = m_pipe.call("Page.navigate", {{"url", request.url}}, m_page->session_id, load_deadline);
    if (!navigated && navigated.error().kind == core::ErrorKind::timeout) return not_loaded(request);
    if (!navigated) return tl::unexpected(navigated.error());
    auto loader = core::json_string(*navigated, "loaderId");
    auto error_text = core::json_string(*navigated, "errorText");
    if (!error_text.empty()) {
      auto error = detail::navigation_error(request.url, error_text, m_page->status_of(loader));
      error.message = error.message.substr(request.url.size() + 2); // the caller adds the URL
      return tl::unexpected(error);
    }
    auto loaded = m_pipe.wait_until(load_deadline, [&] { return m_page->crashed || m_page->seen(loader, "load"); });
    if (!loaded) return tl::unexpected(loaded.error());
    if (m_page->crashed) return core::fail(core::ErrorKind::remote, "the page's renderer crashed");
    if (!*loaded) return not_loaded(request);

    Capture capture;
    auto idle = m_pipe.wait_until(Clock::now() + request.idle_bound,
                                  [&] { return m_page->crashed || m_page->seen(loader, "networkIdle"); });
    if (!idle) return tl::unexpected(idle.error());
    if (m_page->crashed) return core::fail(core::ErrorKind::remote, "the page's renderer crashed");
    capture.network_idle = *idle;
    capture.http_status = m_page->status_of(loader);

    // Again after the load: a document whose root came late, or a script that removed the style.
    if (auto r = evaluate(detail::animations_off_script(), "turning animations off"); !r) return tl::unexpected(r.error());
    for (const auto& selector : request.masks) {
      auto masked = evaluate(detail::mask_expression(selector), fmt::format("mask '{}'", selector));
      if (!masked) return tl::unexpected(masked.error());
      if (masked->is_object() && masked->contains("error")) {
        return core::fail(core::ErrorKind::config, fmt::format("mask '{}' is not a valid CSS selector: {}", selector,
                                                               core::json_string(*masked, "error")));
      }
    }
    auto visible = evaluate("document.body ? document.body.innerText : ''", "reading the visible text");
    if (!visible) return tl::unexpected(visible.error());
    capture.visible_text = visible->is_string() ? visible->get<std::string>() : std::string();
    auto main = evaluate(detail::main_text_expression(), "reading the main text");
    if (!main) return tl::unexpected(main.error());
    capture.main_text = main->is_string() ? main->get<std::string>() : std::string();

    auto metrics = call("Page.getLayoutMetrics");
    if (!metrics) return tl::unexpected(metrics.error());
    auto content = metrics->value("cssContentSize", metrics->value("contentSize", json::object()));
    auto page_height = std::ceil(content.is_object() ? number_of(content, "height") : 0.0);
    int height = static_cast<int>(std::clamp(page_height, 1.0, static_cast<double>(request.max_height)));
    json clip = {{"x", 0}, {"y", 0}, {"width", request.width}, {"height", height}, {"scale", 1}};
    auto shot = call("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}, {"clip", clip}},
                     k_screenshot_timeout);
    if (!shot) return tl::unexpected(shot.error());
    auto png = detail::decode_base64(core::json_string(*shot, "data"));
    auto size = png ? detail::png_size(*png) : std::nullopt;
    if (!size) return core::fail(core::ErrorKind::remote, "the browser's screenshot is not a PNG");
    capture.png = std::move(*png);
    capture.width = size->width;
    capture.height = size->height;
    return capture;
  }

  core::Result<Capture> not_loaded(const CaptureRequest& request) {
    return core::fail(core::ErrorKind::timeout,
                      fmt::format("the page did not finish loading within {}", core::format_elapsed(request.load_timeout)));
  }

  TempProfile m_profile; // declared first: removed after the browser stopped
  transport::ChildProcess m_child;
  detail::DevToolsPipe m_pipe;
  std::optional<PageState> m_page; // the page being captured
};

} // namespace

core::Result<std::unique_ptr<Capturer>> start_chromium(const ChromiumOptions& options) {
  auto profile = TempProfile::create(options.temp_root);
  if (!profile) return tl::unexpected(profile.error());
  transport::ChildOptions child_options;
  child_options.extra_pipes = {{3, transport::PipeDirection::to_child}, {4, transport::PipeDirection::from_child}};
  auto argv = detail::browser_arguments(options.program, profile->path().string(), ::geteuid() == 0);
  auto child = transport::ChildProcess::start(argv, child_options);
  if (!child) {
    auto error = child.error();
    if (error.message.find(std::strerror(ENOENT)) != std::string::npos) {
      error.message += " (tma visual needs Chromium: Debian's chromium package, which scripts/setup installs)";
    }
    return tl::unexpected(error);
  }
  auto capturer = std::make_unique<ChromiumCapturer>(std::move(*profile), std::move(*child), options.program);
  if (auto ready = capturer->answers(options.start_timeout); !ready) {
    auto error = ready.error();
    if (error.kind == core::ErrorKind::timeout) {
      error.message = fmt::format("{} did not answer on its DevTools pipe within {}", options.program,
                                  core::format_elapsed(options.start_timeout));
    }
    return tl::unexpected(core::with_context(error, "starting the browser"));
  }
  return std::unique_ptr<Capturer>(std::move(capturer));
}

} // namespace tma::visual
