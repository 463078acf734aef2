#include <tma/notify/dispatch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <tma/core/redact.hpp>

namespace tma::notify {

namespace {

struct PendingEntry {
  std::string key;
  std::string channel;
  std::vector<std::string> to;
  Message message;
  core::SysSeconds at{};
  journal::Subject subject;
  std::string run;      ///< of the pending event, with `sequence`: the order it was recorded in
  long sequence = 0;
};

long sequence_of(const std::string& event_id) {
  auto dash = event_id.rfind('-');
  try {
    return dash == std::string::npos ? 0 : std::stol(event_id.substr(dash + 1));
  } catch (const std::exception&) {
    return 0;
  }
}

const inventory::NotifyChannel* find_channel(const inventory::Inventory& inventory, const std::string& name) {
  for (const auto& channel : inventory.notify.channels) {
    if (channel.name == name) return &channel;
  }
  return nullptr;
}

} // namespace

core::Result<void> enqueue(journal::Run& run, const inventory::Inventory& inventory,
                           const std::vector<Trigger>& triggers, DeliveryReport& report) {
  bool recorded = false;
  for (const auto& trigger : triggers) {
    for (const auto& delivery : route(inventory, trigger, report.problems)) {
      auto message = compose(trigger, delivery.lang, inventory.agency.name);
      journal::Subject subject{message.site, trigger.incident ? trigger.incident->env : "", message.client};
      run.record(std::string(k_pending), subject,
                 {{"key", delivery.key(trigger.event_id)},
                  {"channel", delivery.channel},
                  {"to", delivery.recipients},
                  {"client_facing", delivery.client_facing},
                  {"message", to_json(message)}});
      recorded = true;
    }
  }
  // Pending must be in the journal before anything is sent: that is what makes a crash safe.
  if (recorded) return run.flush();
  return {};
}

core::Result<void> enqueue_message(journal::Run& run, const Delivery& delivery, const std::string& event_id,
                                   const Message& message, const journal::Subject& subject) {
  run.record(std::string(k_pending), subject,
             {{"key", delivery.key(event_id)},
              {"channel", delivery.channel},
              {"to", delivery.recipients},
              {"client_facing", delivery.client_facing},
              {"message", to_json(message)}});
  return run.flush();
}

core::Result<void> deliver(journal::Journal& journal, journal::Run& run, const inventory::Inventory& inventory,
                           Sender& sender, DeliveryReport& report) {
  journal::Filter filter;
  filter.types = {std::string(k_pending), std::string(k_sent)};
  filter.since = journal.now() - k_retry_horizon;
  std::set<std::string> sent;
  std::map<std::string, PendingEntry> pending;
  auto scanned = journal.scan(filter, [&](const journal::Event& e) {
    auto key = e.data.value("key", "");
    if (key.empty()) return true;
    if (e.type == k_sent) {
      sent.insert(key);
      return true;
    }
    if (pending.count(key) != 0) return true;
    auto message = message_from_json(e.data.value("message", nlohmann::json::object()));
    if (!message) {
      report.problems.push_back(fmt::format("{}: {}", e.id, message.error().message));
      return true;
    }
    PendingEntry entry{key, e.data.value("channel", ""), {}, std::move(*message), e.at, {e.site, e.env, e.client},
                       e.run, sequence_of(e.id)};
    if (e.data.contains("to") && e.data["to"].is_array()) {
      for (const auto& r : e.data["to"]) {
        if (r.is_string()) entry.to.push_back(r.get<std::string>());
      }
    }
    pending.emplace(key, std::move(entry));
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());

  std::vector<const PendingEntry*> todo;
  for (const auto& [key, entry] : pending) {
    if (sent.count(key) == 0) todo.push_back(&entry);
  }
  std::sort(todo.begin(), todo.end(), [](const auto* a, const auto* b) {
    return std::tie(a->at, a->run, a->sequence) < std::tie(b->at, b->run, b->sequence);
  });
  for (const auto* entry : todo) {
    const auto* channel = find_channel(inventory, entry->channel);
    core::Result<void> result = channel == nullptr
        ? core::Result<void>(tl::unexpected(core::Error{core::ErrorKind::config, fmt::format("channel '{}' is no longer configured", entry->channel)}))
        : sender.send(*channel, entry->to, entry->message);
    if (result) {
      run.record(std::string(k_sent), entry->subject, {{"key", entry->key}, {"channel", entry->channel}});
      report.sent.push_back(entry->key);
      // Committed at once: a crash later in the run must not make this message go out again.
      if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
    } else {
      auto error = core::redact(result.error().message);
      run.record(std::string(k_failed), entry->subject, {{"key", entry->key}, {"channel", entry->channel}, {"error", error}});
      report.failed.emplace_back(entry->key, error);
    }
  }
  return run.flush();
}

std::vector<Trigger> triggers_for(const std::vector<incident::MonitorOutcome>& outcomes) {
  std::vector<Trigger> triggers;
  for (const auto& outcome : outcomes) {
    if (outcome.event && outcome.incident) {
      triggers.push_back(incident_trigger(outcome.event->type, outcome.event->id, *outcome.incident));
    }
  }
  return triggers;
}

DeliveryReport notify(journal::Journal& journal, journal::Run& run, const inventory::Inventory& inventory,
                      Sender& sender, const std::vector<Trigger>& triggers) {
  DeliveryReport report;
  if (auto queued = enqueue(run, inventory, triggers, report); !queued) {
    report.problems.push_back("journal: " + queued.error().message);
    return report;
  }
  if (auto delivered = deliver(journal, run, inventory, sender, report); !delivered) {
    report.problems.push_back("journal: " + delivered.error().message);
  }
  return report;
}

core::Result<void> send_test(const inventory::Inventory& inventory, const std::string& name, Sender& sender,
                             const std::string& event_id) {
  const auto* channel = find_channel(inventory, name);
  if (channel == nullptr) {
    std::string known;
    for (const auto& c : inventory.notify.channels) known += (known.empty() ? "" : ", ") + c.name;
    return tl::unexpected(core::Error{core::ErrorKind::usage,
                                      fmt::format("no channel '{}' in notify.channels (known: {})", name,
                                                  known.empty() ? "none" : known)});
  }
  Trigger trigger;
  trigger.type = "notify.test";
  trigger.event_id = event_id;
  trigger.summary = fmt::format("test message from tma through channel '{}'", name);
  auto message = compose(trigger, inventory::Lang::en, inventory.agency.name);
  std::vector<std::string> to;
  if (channel->type == "email") {
    for (const auto& c : inventory.agency.contacts) to.push_back(c.email);
    if (to.empty()) return tl::unexpected(core::Error{core::ErrorKind::config, "an email test needs agency.contacts"});
  }
  auto sent = sender.send(*channel, to, message);
  if (!sent) return tl::unexpected(core::Error{sent.error().kind, core::redact(sent.error().message)});
  return {};
}

core::Result<void> RecordingSender::send(const inventory::NotifyChannel& channel, const std::vector<std::string>& recipients,
                                         const Message& message) {
  if (std::find(failing.begin(), failing.end(), channel.name) != failing.end()) {
    return tl::unexpected(core::Error{core::ErrorKind::unreachable, fmt::format("channel '{}' is down", channel.name)});
  }
  sent.push_back({channel.name, recipients, message});
  return {};
}

} // namespace tma::notify
