// A `time.logged` event back into a TimeEntry, from the event's JSON `data` or straight from the
// MessagePack bytes the event index keeps (no JSON object built: the summary of a year reads
// 170,000 of them). Both read the same fields and share one validation, hence one set of messages.
#include <tma/contract/record.hpp>

#include <limits>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>

namespace tma::contract {
namespace {

struct Field {
  enum class Kind { missing, null, boolean, integer, string, other } kind = Kind::missing;
  bool boolean = false;
  std::int64_t integer = 0;
  std::string text;
};

struct Fields {
  Field date, duration, description, category, ticket, request, billable, automatic, external, external_updated,
      external_version, withdrawn, by;

  Field* find(std::string_view key) {
    if (key == "date") return &date;
    if (key == "duration_seconds") return &duration;
    if (key == "description") return &description;
    if (key == "category") return &category;
    if (key == "ticket") return &ticket;
    if (key == "request") return &request;
    if (key == "billable") return &billable;
    if (key == "automatic") return &automatic;
    if (key == "external") return &external;
    if (key == "external_updated_on") return &external_updated;
    if (key == "external_version") return &external_version;
    if (key == "withdrawn") return &withdrawn;
    if (key == "by") return &by;
    return nullptr;
  }
};

std::int64_t clamp_unsigned(std::uint64_t value) {
  // Out of range reads as negative, which validation refuses, as the JSON path does.
  return value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? -1
                                                                                     : static_cast<std::int64_t>(value);
}

Field from_json(const nlohmann::json& value) {
  Field f;
  if (value.is_null()) f.kind = Field::Kind::null;
  else if (value.is_boolean()) f = Field{Field::Kind::boolean, value.get<bool>(), 0, {}};
  else if (value.is_number_unsigned()) f = Field{Field::Kind::integer, false, clamp_unsigned(value.get<std::uint64_t>()), {}};
  else if (value.is_number_integer()) f = Field{Field::Kind::integer, false, value.get<std::int64_t>(), {}};
  else if (value.is_string()) f = Field{Field::Kind::string, false, 0, value.get<std::string>()};
  else f.kind = Field::Kind::other;
  return f;
}

/// SAX reader of the top-level map's scalar fields; anything nested is skipped.
class FieldReader {
public:
  using json = nlohmann::json;
  explicit FieldReader(Fields& fields) : m_fields(fields) {}
  bool object() const { return m_object; }

  bool null() { return set([](Field& f) { f.kind = Field::Kind::null; }); }
  bool boolean(bool v) { return set([v](Field& f) { f = Field{Field::Kind::boolean, v, 0, {}}; }); }
  bool number_integer(json::number_integer_t v) {
    return set([v](Field& f) { f = Field{Field::Kind::integer, false, v, {}}; });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return set([v](Field& f) { f = Field{Field::Kind::integer, false, clamp_unsigned(v), {}}; });
  }
  bool number_float(json::number_float_t, const json::string_t&) { return other(); }
  bool string(json::string_t& v) {
    return set([&v](Field& f) { f = Field{Field::Kind::string, false, 0, std::move(v)}; });
  }
  bool binary(json::binary_t&) { return other(); }
  bool start_object(std::size_t) {
    if (m_depth == 0) m_object = true;
    else other();
    ++m_depth;
    return true;
  }
  bool key(json::string_t& k) {
    if (m_depth == 1) m_current = m_fields.find(k);
    return true;
  }
  bool end_object() { return --m_depth, true; }
  bool start_array(std::size_t) {
    other();
    ++m_depth;
    return true;
  }
  bool end_array() { return --m_depth, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
  template <class F>
  bool set(F apply) {
    if (m_depth == 1 && m_current != nullptr) apply(*m_current);
    return true;
  }
  bool other() { return set([](Field& f) { f.kind = Field::Kind::other; }); }

  Fields& m_fields;
  Field* m_current = nullptr;
  int m_depth = 0;
  bool m_object = false;
};

core::Result<TimeEntry> entry_from_fields(const journal::Event& event, bool is_object, Fields& fields) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return core::fail(core::ErrorKind::io,
                      fmt::format("journal event {}: {}: '{}' {}", event.id, k_time_logged, field, why));
  };
  using Kind = Field::Kind;
  if (!is_object) return bad("data", "is not an object");
  TimeEntry entry;
  entry.id = event.id;
  entry.at = event.at;
  entry.actor = event.actor;
  entry.client = event.client;
  if (entry.client.empty()) return bad("client", "is missing");
  if (!event.site.empty()) entry.site = event.site;

  if (fields.date.kind != Kind::string) return bad("date", "is missing or not a string");
  auto parsed_date = core::parse_date(fields.date.text);
  if (!parsed_date) return bad("date", parsed_date.error());
  entry.date = *parsed_date;

  if (fields.duration.kind != Kind::integer || fields.duration.integer < 0) {
    return bad("duration_seconds", "is missing or not a non-negative integer");
  }
  entry.duration = Seconds(fields.duration.integer);

  if (fields.description.kind != Kind::string) return bad("description", "is missing or not a string");
  entry.description = std::move(fields.description.text);

  if (fields.category.kind != Kind::string) return bad("category", "is missing or not a string");
  auto parsed_category = parse_category(fields.category.text);
  if (!parsed_category) return bad("category", fmt::format("'{}' is unknown", fields.category.text));
  entry.category = *parsed_category;

  if (fields.ticket.kind != Kind::missing && fields.ticket.kind != Kind::null) {
    if (fields.ticket.kind != Kind::string) return bad("ticket", "is not a string");
    entry.ticket = std::move(fields.ticket.text);
  }
  if (fields.request.kind != Kind::missing && fields.request.kind != Kind::null) {
    if (fields.request.kind != Kind::string) return bad("request", "is not a string");
    entry.request = std::move(fields.request.text);
  }
  if (fields.billable.kind != Kind::boolean) return bad("billable", "is missing or not a boolean");
  entry.billable = fields.billable.boolean ? Billable::yes : Billable::no;
  if (fields.automatic.kind != Kind::boolean) return bad("automatic", "is missing or not a boolean");
  entry.origin = fields.automatic.boolean ? Origin::automatic : Origin::manual;
  if (fields.external.kind != Kind::missing && fields.external.kind != Kind::null) {
    if (fields.external.kind != Kind::string || fields.external.text.empty()) return bad("external", "is not a non-empty string");
    entry.external = std::move(fields.external.text);
    if (fields.external_updated.kind == Kind::string) entry.external_updated = std::move(fields.external_updated.text);
    if (fields.withdrawn.kind == Kind::boolean) entry.withdrawn = fields.withdrawn.boolean;
    if (fields.external_version.kind == Kind::integer && fields.external_version.integer > 0) {
      entry.external_version = fields.external_version.integer;
    }
    // Who did the work in the tool; the event's actor is whoever ran the import.
    if (fields.by.kind == Kind::string && !fields.by.text.empty()) entry.actor = std::move(fields.by.text);
  }
  return entry;
}

} // namespace

core::Result<TimeEntry> entry_from_event(const journal::Event& event, std::string_view data_msgpack) {
  Fields fields;
  if (data_msgpack.empty()) {
    if (event.data.is_object()) {
      for (const auto& [key, value] : event.data.items()) {
        if (auto* field = fields.find(key)) *field = from_json(value);
      }
    }
    return entry_from_fields(event, event.data.is_object(), fields);
  }
  FieldReader reader(fields);
  bool parsed = nlohmann::json::sax_parse(data_msgpack.begin(), data_msgpack.end(), &reader,
                                          nlohmann::json::input_format_t::msgpack, true);
  if (!parsed) {
    return core::fail(core::ErrorKind::io,
                      fmt::format("journal event {}: {}: 'data' is not valid MessagePack", event.id, k_time_logged));
  }
  return entry_from_fields(event, reader.object(), fields);
}

} // namespace tma::contract
