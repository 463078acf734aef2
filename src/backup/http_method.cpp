// The http method: POST the trigger with a secret header and a run id (retries reuse the id, so the
// remote side can recognise a repeated request), poll the status URL until done, failed or the
// timeout, record the remote backup id, and store the archive when the status names one.
#include <tma/backup/methods.hpp>


#include <fmt/format.h>

#include <tma/core/signals.hpp>
#include <tma/transport/process.hpp>
#include <tma/transport/secret.hpp>

namespace tma::backup {

using core::ErrorKind;

namespace {

constexpr int k_trigger_attempts = 3;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

/// A JSON field as text (`"done"`, `42`, `true`), empty when absent.
std::string field_text(const nlohmann::json& json, const std::string& field) {
  if (!json.is_object() || !json.contains(field)) return {};
  const auto& v = json.at(field);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string archive_name(const std::string& url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  auto slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  bool safe = !name.empty() && name[0] != '.' && name != "manifest.json" &&
              name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                  std::string::npos;
  return safe ? name : "archive.tar.gz";
}

} // namespace

core::Result<std::vector<ArtifactInfo>> run_http_method(MethodContext& c) {
  const auto& backup = c.site->backup;
  if (!backup.trigger) return core::fail(ErrorKind::config, "backup method http needs a trigger");
  const auto& settings = c.env->http;

  transport::HttpRequest trigger = transport::request_for(settings, backup.trigger->url);
  trigger.method = backup.trigger->method == "PUT" ? transport::HttpMethod::put : transport::HttpMethod::post;
  for (const auto& [name, secret] : backup.trigger->headers) {
    auto value = transport::resolve_secret(secret, "backup.trigger.headers." + name);
    if (!value) return tl::unexpected(value.error());
    trigger.headers.emplace_back(name, *value);
  }
  trigger.headers.emplace_back("X-Tma-Run", c.run_id);
  trigger.headers.emplace_back("Content-Type", "application/json");
  trigger.body = nlohmann::json{{"run", c.run_id}, {"site", c.site->name}, {"env", c.env->name}}.dump();

  // The client never retries a POST; this loop does, with the same run id each time.
  transport::HttpResponse response;
  std::string last_error;
  bool accepted = false;
  for (int attempt = 1; attempt <= k_trigger_attempts && !accepted; ++attempt) {
    bool waited = attempt == 1 || core::sleep_unless_interrupted(c.poll_interval);
    if (!waited || core::interrupted()) return core::fail(ErrorKind::interrupted, "interrupted");
    auto sent = c.http->send(trigger);
    if (!sent) {
      last_error = sent.error().message;
      continue;
    }
    response = std::move(*sent);
    if (response.status >= 200 && response.status < 300) {
      accepted = true;
    } else if (transport::is_retryable_status(response.status)) {
      last_error = fmt::format("HTTP {}", response.status);
    } else {
      return core::fail(ErrorKind::http, fmt::format("backup trigger {} answered HTTP {}",
                                                     transport::url_for_display(trigger.url), response.status));
    }
  }
  if (!accepted) {
    return core::fail(ErrorKind::http, fmt::format("backup trigger {} failed after {} attempts: {}",
                                                   transport::url_for_display(trigger.url), k_trigger_attempts,
                                                   last_error));
  }
  auto answer = nlohmann::json::parse(response.body, nullptr, false);
  std::string remote_id = answer.is_discarded() ? "" : field_text(answer, "id");
  c.manifest->remote_id = remote_id.empty() ? c.run_id : remote_id;

  if (!backup.status_url) return std::vector<ArtifactInfo>{}; // fire and forget: the trigger said yes
  std::string status_url = replace_all(*backup.status_url, "{id}", c.manifest->remote_id);
  status_url = replace_all(status_url, "{run}", c.run_id);
  const std::string done_field = backup.done_field.value_or("status");
  const std::string done_value = backup.done_value.value_or("done");
  auto deadline = std::chrono::steady_clock::now() + c.poll_timeout;
  nlohmann::json status;
  while (true) {
    if (core::interrupted()) return core::fail(ErrorKind::interrupted, "interrupted");
    auto polled = c.http->send(transport::request_for(settings, status_url));
    if (polled && polled->status == 200) {
      status = nlohmann::json::parse(polled->body, nullptr, false);
      auto value = status.is_discarded() ? "" : field_text(status, done_field);
      if (value == done_value) break;
      if (value == "failed" || value == "failure" || value == "error") {
        auto message = field_text(status, "message");
        return core::fail(ErrorKind::remote, fmt::format("remote backup {} failed{}{}", c.manifest->remote_id,
                                                         message.empty() ? "" : ": ", message));
      }
    } else if (polled && polled->status >= 400 && polled->status < 500 && polled->status != 404 &&
               polled->status != 408 && polled->status != 429) {
      return core::fail(ErrorKind::http, fmt::format("backup status {} answered HTTP {}",
                                                     transport::url_for_display(status_url), polled->status));
    }
    if (std::chrono::steady_clock::now() + c.poll_interval > deadline) {
      return core::fail(ErrorKind::timeout, fmt::format("remote backup {} not done after {}s",
                                                        c.manifest->remote_id,
                                                        std::chrono::duration_cast<std::chrono::seconds>(c.poll_timeout).count()));
    }
    // Ctrl-C during a long poll interval stops the wait, not only the next poll.
    if (!core::sleep_unless_interrupted(c.poll_interval)) {
      return core::fail(ErrorKind::interrupted, "interrupted");
    }
  }

  std::vector<ArtifactInfo> artifacts;
  auto archive = field_text(status, "archive");
  if (!archive.empty()) {
    auto name = archive_name(archive);
    auto artifact = c.receive(
        name, kind_from_name(name), compression_from_name(name),
        [&](const transport::OutputSink& sink) -> core::Result<std::vector<std::string>> {
          auto request = transport::request_for(settings, archive);
          request.on_body = sink;
          request.max_bytes = std::numeric_limits<std::size_t>::max();
          request.timeout = std::chrono::duration_cast<transport::Milliseconds>(c.env->command_timeout);
          auto got = c.http->send(request);
          if (!got) return tl::unexpected(got.error());
          if (got->status != 200) {
            return core::fail(ErrorKind::http, fmt::format("archive {} answered HTTP {}",
                                                           transport::url_for_display(archive), got->status));
          }
          return std::vector<std::string>{};
        });
    if (!artifact) return tl::unexpected(artifact.error());
    artifacts.push_back(std::move(*artifact));
  }
  return artifacts;
}

} // namespace tma::backup
