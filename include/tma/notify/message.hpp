#pragma once
// What a notification says, independent of the channel: composed from the triggering journal
// event (and its incident), in French or English, then routed by the inventory's `notify.rules`.
// Pure: no I/O.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/incident/incident.hpp>
#include <tma/inventory/model.hpp>

namespace tma::notify {

/// The journal event a notification is about.
struct Trigger {
  std::string type;      ///< `incident.opened`, `backup.failed`, ...
  std::string event_id;  ///< its journal id: receivers drop duplicates by it
  std::optional<incident::Incident> incident; ///< for `incident.*` events (state before the event)
  std::string site;      ///< when there is no incident
  std::string client;
  std::string summary;   ///< one line for non-incident events (`backup of shop failed: ...`)
  std::optional<inventory::Criticality> severity; ///< non-incident events with a severity
  std::string detail;    ///< extra line (a note's text, a resolution cause)
};

/// The trigger for event `type` (`event_id`) of `incident`.
Trigger incident_trigger(std::string type, std::string event_id, incident::Incident incident);

/// A file sent with an email (a client report): kept in `notify.pending` as base64.
struct Attachment {
  std::string name;    ///< file name shown to the reader: `[A-Za-z0-9._-]`, at most 100 characters
  std::string mime;    ///< `application/pdf`, `text/html`...
  std::string content; ///< the bytes
};

/// A notification's content.
struct Message {
  std::string event_id;
  std::string event_type;
  std::string severity;   ///< empty when none
  std::string site;
  std::string client;
  std::string incident;   ///< incident id, empty when none
  inventory::Lang lang = inventory::Lang::en;
  std::string subject;    ///< one line, no CR/LF
  std::string text;       ///< plain text body
  std::string html;       ///< the same as HTML (escaped)
  std::optional<Attachment> attachment; ///< email channels only; other channels ignore it
};

/// Compose the message for `trigger` in `lang`, signed with `agency` (the agency's name).
Message compose(const Trigger& trigger, inventory::Lang lang, const std::string& agency);

/// Message <-> JSON (kept in `notify.pending` events so a retry sends the same text).
nlohmann::json to_json(const Message& message);
core::Result<Message> message_from_json(const nlohmann::json& json);

/// `text` with `&<>"'` escaped for HTML.
std::string html_escape(std::string_view text);

/// One place a notification goes: a channel, and for email channels the addresses.
struct Delivery {
  std::string channel;                 ///< channel name in `notify.channels`
  std::vector<std::string> recipients; ///< email addresses (email channels only)
  inventory::Lang lang = inventory::Lang::en;
  bool client_facing = false;          ///< to the client's contacts (`to: [client]`)
  /// Stable key: `<event id>/<channel>` (+ `/client`): at most one send per key.
  std::string key(const std::string& event_id) const;
};

/// Where `trigger` goes according to `inventory.notify.rules`: a rule matches when its `on` equals
/// the event type (or is a `prefix.*`; `incident.updated` stands for noted and reopened) and the
/// event's severity is at least `min_severity`. Channel names give internal deliveries (email to
/// `agency.contacts`, in English); `client` gives an email, in the client's `lang`, to its
/// contacts through the first email channel. Duplicates are merged. `problems` receives a line
/// per delivery that cannot be made (no email channel, no contacts).
std::vector<Delivery> route(const inventory::Inventory& inventory, const Trigger& trigger,
                            std::vector<std::string>& problems);

/// Whether rule `on` matches event `type`.
bool rule_matches(const std::string& on, const std::string& type);

} // namespace tma::notify
