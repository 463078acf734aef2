#include <tma/notify/message.hpp>

#include "notify/base64.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tma::notify {

namespace {


using inventory::Lang;

struct Words {
  const char* opened;
  const char* acknowledged;
  const char* noted;
  const char* resolved;
  const char* reopened;
  const char* incident;
  const char* site;
  const char* severity;
  const char* started;
  const char* downtime;
  const char* cause;
  const char* event;
  const char* critical;
  const char* major;
  const char* minor;
};

constexpr Words k_en{"opened", "acknowledged", "updated", "resolved", "reopened", "Incident", "Site", "Severity",
                     "Started", "Downtime", "Cause", "Event", "critical", "major", "minor"};
constexpr Words k_fr{"ouvert", "pris en charge", "mis à jour", "résolu", "rouvert", "Incident", "Site", "Gravité",
                     "Début", "Indisponibilité", "Cause", "Événement", "critique", "majeur", "mineur"};

const Words& words(Lang lang) { return lang == Lang::fr ? k_fr : k_en; }

std::string severity_word(const Words& w, inventory::Criticality severity) {
  switch (severity) {
  case inventory::Criticality::critical: return w.critical;
  case inventory::Criticality::major: return w.major;
  case inventory::Criticality::minor: return w.minor;
  }
  return w.major;
}

const char* verb(const Words& w, const std::string& type) {
  if (type == incident::k_acknowledged) return w.acknowledged;
  if (type == incident::k_noted) return w.noted;
  if (type == incident::k_resolved) return w.resolved;
  if (type == incident::k_reopened) return w.reopened;
  return w.opened;
}

// Subjects become mail headers and chat titles: one line, whatever the inputs held.
std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return text;
}

int severity_rank(inventory::Criticality c) {
  switch (c) {
  case inventory::Criticality::critical: return 3;
  case inventory::Criticality::major: return 2;
  case inventory::Criticality::minor: return 1;
  }
  return 0;
}

} // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

Trigger incident_trigger(std::string type, std::string event_id, incident::Incident incident) {
  Trigger trigger;
  trigger.type = std::move(type);
  trigger.event_id = std::move(event_id);
  trigger.incident = std::move(incident);
  return trigger;
}

Message compose(const Trigger& trigger, Lang lang, const std::string& agency) {
  const auto& w = words(lang);
  Message m;
  m.event_id = trigger.event_id;
  m.event_type = trigger.type;
  m.lang = lang;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string headline;
  if (trigger.incident) {
    const auto& i = *trigger.incident;
    m.severity = std::string(inventory::to_string(i.severity));
    m.site = i.site;
    m.client = i.client;
    m.incident = i.id;
    m.subject = one_line(fmt::format("[{}] {} {}: {}", severity_word(w, i.severity), i.id, verb(w, trigger.type), i.title));
    headline = fmt::format("{} {} {}.", w.incident, i.id, verb(w, trigger.type));
    fields.emplace_back(w.site, i.env.empty() ? i.site : fmt::format("{} ({})", i.site, i.env));
    fields.emplace_back(w.severity, severity_word(w, i.severity));
    fields.emplace_back(w.started, core::format_rfc3339_utc(i.opened));
    if (trigger.type == incident::k_resolved && i.downtime.count() > 0) {
      fields.emplace_back(w.downtime, core::format_duration(i.downtime));
    }
  } else {
    m.site = trigger.site;
    m.client = trigger.client;
    if (trigger.severity) m.severity = std::string(inventory::to_string(*trigger.severity));
    m.subject = one_line(fmt::format("[tma] {}", trigger.summary.empty() ? trigger.type : trigger.summary));
    headline = trigger.summary.empty() ? trigger.type : trigger.summary;
    if (!trigger.site.empty()) fields.emplace_back(w.site, trigger.site);
  }
  if (!trigger.detail.empty()) {
    fields.emplace_back(trigger.type == incident::k_resolved ? w.cause : "", trigger.detail);
  }
  fields.emplace_back(w.event, trigger.event_id);

  m.text = headline + "\n\n";
  m.html = fmt::format("<html><body><p>{}</p><table>", html_escape(headline));
  for (const auto& [name, value] : fields) {
    m.text += name.empty() ? value + "\n" : fmt::format("{}: {}\n", name, value);
    m.html += fmt::format("<tr><th align=\"left\">{}</th><td>{}</td></tr>", html_escape(name), html_escape(value));
  }
  m.text += fmt::format("\n-- \n{}\n", agency.empty() ? "tma" : agency);
  m.html += fmt::format("</table><p>-- <br>{}</p></body></html>", html_escape(agency.empty() ? "tma" : agency));
  return m;
}

nlohmann::json to_json(const Message& m) {
  nlohmann::json out = {{"event_id", m.event_id}, {"event_type", m.event_type}, {"severity", m.severity},
                        {"site", m.site},         {"client", m.client},         {"incident", m.incident},
                        {"lang", std::string(inventory::to_string(m.lang))},    {"subject", m.subject},
                        {"text", m.text},         {"html", m.html}};
  if (m.attachment) {
    out["attachment"] = {{"name", m.attachment->name}, {"mime", m.attachment->mime},
                         {"base64", detail::base64_encode(m.attachment->content)}};
  }
  return out;
}

core::Result<Message> message_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return tl::unexpected(core::Error{core::ErrorKind::io, "notification: message is not an object"});
  Message m;
  try {
    m.event_id = json.at("event_id").get<std::string>();
    m.event_type = json.at("event_type").get<std::string>();
    m.severity = json.value("severity", "");
    m.site = json.value("site", "");
    m.client = json.value("client", "");
    m.incident = json.value("incident", "");
    m.lang = json.value("lang", "en") == "fr" ? Lang::fr : Lang::en;
    m.subject = json.at("subject").get<std::string>();
    m.text = json.at("text").get<std::string>();
    m.html = json.value("html", "");
    if (json.contains("attachment")) {
      const auto& a = json.at("attachment");
      auto content = detail::base64_decode(a.at("base64").get<std::string>());
      if (!content) return tl::unexpected(core::Error{core::ErrorKind::io, "notification: attachment is not base64"});
      m.attachment = Attachment{a.at("name").get<std::string>(), a.at("mime").get<std::string>(), std::move(*content)};
    }
  } catch (const nlohmann::json::exception& e) {
    return tl::unexpected(core::Error{core::ErrorKind::io, fmt::format("notification: bad message: {}", e.what())});
  }
  return m;
}

std::string Delivery::key(const std::string& event_id) const {
  return client_facing ? fmt::format("{}/{}/client", event_id, channel) : fmt::format("{}/{}", event_id, channel);
}

bool rule_matches(const std::string& on, const std::string& type) {
  if (on == type || on == "*") return true;
  if (on == "incident.updated") return type == incident::k_noted || type == incident::k_reopened;
  if (on.size() > 2 && on.compare(on.size() - 2, 2, ".*") == 0) return type.rfind(on.substr(0, on.size() - 1), 0) == 0;
  return false;
}

std::vector<Delivery> route(const inventory::Inventory& inventory, const Trigger& trigger,
                            std::vector<std::string>& problems) {
  std::optional<inventory::Criticality> severity = trigger.severity;
  std::string client_id = trigger.client;
  if (trigger.incident) {
    severity = trigger.incident->severity;
    client_id = trigger.incident->client;
  }
  const auto* client = inventory.client(client_id);
  const inventory::NotifyChannel* email = nullptr;
  for (const auto& channel : inventory.notify.channels) {
    if (channel.type == "email") {
      email = &channel;
      break;
    }
  }
  std::vector<Delivery> deliveries;
  auto add = [&](Delivery d) {
    auto same = [&](const Delivery& o) { return o.channel == d.channel && o.client_facing == d.client_facing; };
    if (std::none_of(deliveries.begin(), deliveries.end(), same)) deliveries.push_back(std::move(d));
  };
  for (const auto& rule : inventory.notify.rules) {
    if (!rule_matches(rule.on, trigger.type)) continue;
    if (rule.min_severity && (!severity || severity_rank(*severity) < severity_rank(*rule.min_severity))) continue;
    for (const auto& target : rule.to) {
      if (target == "client") {
        // Client-facing text counts prod only: an internal incident (preprod) is never sent.
        if (trigger.incident && trigger.incident->internal()) continue;
        if (client == nullptr || client->contacts.empty()) {
          problems.push_back(fmt::format("{}: client '{}' has no contacts to notify", trigger.event_id, client_id));
          continue;
        }
        if (email == nullptr) {
          problems.push_back(fmt::format("{}: no email channel to reach client '{}'", trigger.event_id, client_id));
          continue;
        }
        Delivery d{email->name, {}, client->lang, true};
        for (const auto& c : client->contacts) d.recipients.push_back(c.email);
        add(std::move(d));
        continue;
      }
      auto it = std::find_if(inventory.notify.channels.begin(), inventory.notify.channels.end(),
                             [&](const inventory::NotifyChannel& c) { return c.name == target; });
      if (it == inventory.notify.channels.end()) {
        problems.push_back(fmt::format("{}: unknown channel '{}'", trigger.event_id, target));
        continue;
      }
      Delivery d{it->name, {}, Lang::en, false};
      if (it->type == "email") {
        for (const auto& c : inventory.agency.contacts) d.recipients.push_back(c.email);
        if (d.recipients.empty()) {
          problems.push_back(fmt::format("{}: channel '{}' needs agency.contacts to send to", trigger.event_id, it->name));
          continue;
        }
      }
      add(std::move(d));
    }
  }
  return deliveries;
}

} // namespace tma::notify
