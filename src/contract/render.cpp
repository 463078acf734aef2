#include <tma/contract/render.hpp>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>
#include <tma/core/checked.hpp>
#include <tma/core/timezone.hpp>
#include <tma/report/output.hpp>

namespace tma::contract {
namespace {

std::string status_of(const TimeEntry& entry) {
  if (entry.origin == Origin::automatic) return "automatic";
  return entry.billable == Billable::yes ? "billable" : "non-billable";
}

std::string money(Cents cents, const std::string& currency) {
  return fmt::format("{} {}", core::format_money(cents), currency);
}

std::string entries_count(std::size_t count) { return fmt::format("{} {}", count, count == 1 ? "entry" : "entries"); }

// Key/value lines of a block, keys padded so that values line up.
class Block {
public:
  explicit Block(int indent) : m_indent(static_cast<std::size_t>(indent)) {}
  void add(std::string key, std::string value) { m_lines.emplace_back(std::move(key), std::move(value)); }
  std::string str() const {
    std::size_t width = 0;
    for (const auto& [key, value] : m_lines) width = std::max(width, key.size());
    std::string out;
    for (const auto& [key, value] : m_lines) {
      out += fmt::format("{}{:<{}}  {}\n", std::string(m_indent, ' '), key, width, value);
    }
    return out;
  }

private:
  std::size_t m_indent;
  std::vector<std::pair<std::string, std::string>> m_lines;
};

nlohmann::json pack_json(const HourPack& pack) {
  return {{"date", core::format_date(pack.date)},
          {"seconds", pack.hours.count()},
          {"price_cents", pack.price},
          {"expires", pack.expires ? nlohmann::json(core::format_date(*pack.expires)) : nlohmann::json(nullptr)}};
}

std::string pack_text(const HourPack& pack, const std::string& currency) {
  return fmt::format("{} {} {}{}", core::format_date(pack.date), format_hours(pack.hours), money(pack.price, currency),
                     pack.expires ? ", expires " + core::format_date(*pack.expires) : std::string());
}

nlohmann::json figures_json(const SubscriptionFigures& f) {
  auto months = nlohmann::json::array();
  for (const auto& m : f.months) {
    months.push_back({{"period", period_json(m.period)},
                      {"partial", m.partial},
                      {"fee_cents", m.fee},
                      {"included_seconds", m.included.count()},
                      {"used_seconds", m.used.count()},
                      {"remaining_seconds", m.remaining.count()},
                      {"overage_seconds", m.overage.count()},
                      {"overage_amount_cents", m.overage_amount}});
  }
  return {{"months", months},
          {"fees_cents", f.fees},
          {"included_seconds", f.included.count()},
          {"used_seconds", f.used.count()},
          {"remaining_seconds", f.remaining.count()},
          {"overage_seconds", f.overage.count()},
          {"overage_amount_cents", f.overage_amount},
          {"total_cents", f.total}};
}

nlohmann::json figures_json(const OnDemandFigures& f) {
  auto lines = nlohmann::json::array();
  for (const auto& l : f.lines) {
    lines.push_back({{"entry", l.entry_id},
                     {"date", core::format_date(l.date)},
                     {"site", l.site ? nlohmann::json(*l.site) : nlohmann::json(nullptr)},
                     {"description", l.description},
                     {"worked_seconds", l.worked.count()},
                     {"billed_seconds", l.billed.count()},
                     {"amount_cents", l.amount}});
  }
  return {{"lines", lines},
          {"worked_seconds", f.worked.count()},
          {"billed_seconds", f.billed.count()},
          {"amount_cents", f.amount}};
}

nlohmann::json figures_json(const HourBankFigures& f) {
  auto purchased = nlohmann::json::array();
  for (const auto& p : f.purchased) purchased.push_back(pack_json(p));
  auto expiries = nlohmann::json::array();
  for (const auto& e : f.expiries) {
    expiries.push_back({{"pack_date", core::format_date(e.pack_date)},
                        {"expires", core::format_date(e.expires)},
                        {"lost_seconds", e.lost.count()}});
  }
  auto packs = nlohmann::json::array();
  for (const auto& p : f.packs) {
    auto pack = pack_json(p.pack);
    pack["remaining_seconds"] = p.remaining.count();
    pack["expired"] = p.expired;
    packs.push_back(pack);
  }
  return {{"purchased", purchased},
          {"purchased_seconds", f.purchased_hours.count()},
          {"purchased_amount_cents", f.purchased_amount},
          {"carried_in_seconds", f.carried_in.count()},
          {"used_seconds", f.used.count()},
          {"from_packs_seconds", f.from_packs.count()},
          {"overage_seconds", f.overage.count()},
          {"overage_amount_cents", f.overage_amount},
          {"expiries", expiries},
          {"expired_seconds", f.expired.count()},
          {"balance_left_seconds", f.balance_left.count()},
          {"low_balance", f.low_balance},
          {"packs", packs}};
}

void add_figures(Block& block, const SubscriptionFigures& f, const ClientHours& h, const std::string& currency) {
  for (const auto& m : f.months) {
    auto prefix = f.months.size() > 1 ? m.period.label + (m.partial ? " (part)" : "") + " " : std::string();
    block.add(prefix + "included", format_hours(m.included));
    block.add(prefix + "used", format_hours(m.used));
    block.add(prefix + "remaining", format_hours(m.remaining));
    block.add(prefix + "overage",
              fmt::format("{} x {}/h = {}", format_hours(m.overage), core::format_money(h.contract.overage_rate),
                          money(m.overage_amount, currency)));
  }
  block.add("monthly fee" + std::string(f.months.size() > 1 ? "s" : ""), money(f.fees, currency));
  block.add("total", money(f.total, currency));
}

// The billed lines of an on_demand client, as an aligned table indented by `indent`.
std::string on_demand_lines(const OnDemandFigures& f, const std::string& currency, std::size_t indent) {
  if (f.lines.empty()) return "";
  report::Table table({"DATE", "SITE", "WORKED", "BILLED", "AMOUNT", "DESCRIPTION"});
  for (const auto& l : f.lines) {
    table.add_row({core::format_date(l.date), l.site.value_or("-"), format_hours(l.worked), format_hours(l.billed),
                   money(l.amount, currency), l.description});
  }
  std::string out;
  auto text = table.render(false);
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    out += std::string(indent, ' ') + text.substr(start, end - start + 1);
    start = end + 1;
  }
  return out;
}

void add_figures(Block& block, const OnDemandFigures& f, const ClientHours& h, const std::string& currency) {
  block.add("worked", format_hours(f.worked));
  block.add("billed", fmt::format("{} (increment {}, minimum {}) x {}/h", format_hours(f.billed),
                                  format_hours(h.contract.increment), format_hours(h.contract.minimum),
                                  core::format_money(h.contract.rate)));
  block.add("amount", money(f.amount, currency));
}

void add_figures(Block& block, const HourBankFigures& f, const ClientHours& h, const std::string& currency) {
  block.add("carried in", format_hours(f.carried_in));
  if (f.purchased.empty()) {
    block.add("purchased", "none");
  }
  for (const auto& p : f.purchased) block.add("purchased", pack_text(p, currency));
  block.add("used", fmt::format("{} (from packs {}, overage {})", format_hours(f.used), format_hours(f.from_packs),
                                format_hours(f.overage)));
  block.add("overage amount", fmt::format("{} x {}/h = {}", format_hours(f.overage),
                                          core::format_money(h.contract.overage_rate), money(f.overage_amount, currency)));
  for (const auto& e : f.expiries) {
    block.add("expired", fmt::format("pack of {} on {}: {} lost", core::format_date(e.pack_date),
                                     core::format_date(e.expires), format_hours(e.lost)));
  }
  block.add("balance left", format_hours(f.balance_left) +
                                (h.contract.low_balance.count() > 0
                                     ? fmt::format(" (low-balance threshold {})", format_hours(h.contract.low_balance))
                                     : std::string()));
  for (const auto& p : f.packs) {
    block.add("pack", fmt::format("{}: {}", pack_text(p.pack, currency),
                                  p.expired ? std::string("expired") : format_hours(p.remaining) + " left"));
  }
}

} // namespace

nlohmann::json period_json(const Period& period) {
  return {{"from", core::format_date(period.from)}, {"to", core::format_date(period.to)}, {"label", period.label}};
}

nlohmann::json entry_json(const TimeEntry& entry) {
  return {{"id", entry.id},
          {"at", core::format_rfc3339_utc(entry.at)},
          {"date", core::format_date(entry.date)},
          {"client", entry.client},
          {"site", entry.site ? nlohmann::json(*entry.site) : nlohmann::json(nullptr)},
          {"duration_seconds", entry.duration.count()},
          {"description", entry.description},
          {"category", std::string(to_string(entry.category))},
          {"ticket", entry.ticket ? nlohmann::json(*entry.ticket) : nlohmann::json(nullptr)},
          {"request", entry.request ? nlohmann::json(*entry.request) : nlohmann::json(nullptr)},
          {"billable", entry.billable == Billable::yes && entry.origin == Origin::manual},
          {"automatic", entry.origin == Origin::automatic},
          {"actor", entry.actor},
          {"external", entry.external ? nlohmann::json(*entry.external) : nlohmann::json(nullptr)}};
}

report::Table entries_table(const std::vector<TimeEntry>& entries) {
  report::Table table({"DATE", "CLIENT", "SITE", "TIME", "CATEGORY", "STATUS", "TICKET", "DESCRIPTION"});
  for (const auto& e : entries) {
    table.add_row({core::format_date(e.date), e.client, e.site.value_or("-"), format_hours(e.duration),
                   std::string(to_string(e.category)), status_of(e), e.ticket.value_or("-"), e.description});
  }
  return table;
}

std::string entries_totals(const std::vector<TimeEntry>& entries) {
  Seconds billable{0}, non_billable{0}, automatic{0};
  for (const auto& e : entries) {
    auto status = status_of(e);
    core::add_to(status == "billable" ? billable : status == "automatic" ? automatic : non_billable, e.duration,
                 "the time listed");
  }
  return fmt::format("{}: {} billable, {} non-billable, {} automatic\n", entries_count(entries.size()),
                     format_hours(billable), format_hours(non_billable), format_hours(automatic));
}

std::string render_entries_table(const std::vector<TimeEntry>& entries) {
  if (entries.empty()) return "no time entries\n";
  return entries_table(entries).render(false) + entries_totals(entries);
}

nlohmann::json client_hours_json(const ClientHours& h) {
  nlohmann::json out{
      {"client", h.client},
      {"name", h.client_name},
      {"model", std::string(inventory::to_string(h.model))},
      {"period", period_json(h.period)},
      {"billable", {{"entries", h.billable_entries}, {"seconds", h.billable.count()}}},
      {"non_billable", {{"entries", h.unbilled.non_billable_entries}, {"seconds", h.unbilled.non_billable.count()}}},
      {"automatic", {{"entries", h.unbilled.automatic_entries}, {"seconds", h.unbilled.automatic.count()}}},
      {"warnings", h.warnings},
  };
  std::visit([&](const auto& figures) { out[std::string(inventory::to_string(h.model))] = figures_json(figures); },
             h.figures);
  return out;
}

std::string render_client_hours(const ClientHours& h, const std::string& currency, int indent) {
  auto pad = std::string(static_cast<std::size_t>(indent), ' ');
  auto out = fmt::format("{}{}{} - {} - {}\n", pad, h.client, h.client_name.empty() ? "" : " (" + h.client_name + ")",
                         inventory::to_string(h.model), h.period.label);
  if (const auto* on_demand = std::get_if<OnDemandFigures>(&h.figures)) {
    out += on_demand_lines(*on_demand, currency, static_cast<std::size_t>(indent + 2));
  }
  Block block(indent + 2);
  std::visit([&](const auto& figures) { add_figures(block, figures, h, currency); }, h.figures);
  block.add("not billed", fmt::format("{} non-billable ({}), {} automatic ({})", format_hours(h.unbilled.non_billable),
                                      entries_count(static_cast<std::size_t>(h.unbilled.non_billable_entries)),
                                      format_hours(h.unbilled.automatic), entries_count(static_cast<std::size_t>(h.unbilled.automatic_entries))));
  out += block.str();
  for (const auto& warning : h.warnings) out += fmt::format("{}  warning: {}\n", pad, warning);
  return out;
}

} // namespace tma::contract
