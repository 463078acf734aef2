#include <tma/contract/accounting.hpp>

#include <algorithm>
#include <iterator>
#include <numeric>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>
#include <tma/core/checked.hpp>

namespace tma::contract {

using core::add_to;

namespace {

// The billable manual entries of `entries` dated in `period`, in (date, at, id) order.
std::vector<const TimeEntry*> billable_in(const std::vector<TimeEntry>& entries, const Period& period) {
  std::vector<const TimeEntry*> out;
  for (const auto& entry : entries) {
    if (entry.counts() && period.contains(entry.date)) out.push_back(&entry);
  }
  std::stable_sort(out.begin(), out.end(), [](const TimeEntry* a, const TimeEntry* b) {
    return std::tie(a->date, a->at, a->id) < std::tie(b->date, b->at, b->id);
  });
  return out;
}

Seconds total(const std::vector<const TimeEntry*>& entries) {
  Seconds sum{0};
  for (const auto* entry : entries) add_to(sum, entry->duration, "time used");
  return sum;
}

} // namespace

Cents amount_for(Seconds duration, Cents rate_per_hour) {
  auto seconds = std::max<std::int64_t>(duration.count(), 0);
  auto rate = std::max<Cents>(rate_per_hour, 0);
  // seconds x rate / 3600, exactly: whole hours x rate, plus the rest of an hour x rate / 3600
  // rounded half up, so no intermediate product is larger than the result needs.
  auto hours = seconds / 3600;
  auto rest = seconds % 3600;
  auto partial = core::checked_mul(rest, rate, "an amount of time x rate");
  return core::checked_add(core::checked_mul(hours, rate, "an amount of time x rate"), (partial + 1800) / 3600,
                           "an amount of time x rate");
}

Seconds billed_time(Seconds duration, Seconds increment, Seconds minimum) {
  auto billed = duration;
  if (increment.count() > 0) {
    auto steps = duration.count() / increment.count() + (duration.count() % increment.count() > 0 ? 1 : 0);
    billed = core::checked_mul(increment, steps, "time rounded up to the increment");
  }
  return std::max(billed, minimum);
}

SubscriptionFigures subscription_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                         const Period& period) {
  SubscriptionFigures figures;
  for (const auto& month : split_months(period)) {
    SubscriptionMonth line;
    line.period = month;
    line.partial = !is_whole_month(month);
    line.fee = contract.monthly_fee;
    line.included = contract.included;
    line.used = total(billable_in(entries, month));
    line.remaining = std::max(Seconds(0), line.included - line.used);
    line.overage = std::max(Seconds(0), line.used - line.included);
    line.overage_amount = amount_for(line.overage, contract.overage_rate);
    add_to(figures.fees, line.fee, "the monthly fees");
    add_to(figures.included, line.included, "the included hours");
    add_to(figures.used, line.used, "the time used");
    add_to(figures.remaining, line.remaining, "the remaining hours");
    add_to(figures.overage, line.overage, "the overage");
    add_to(figures.overage_amount, line.overage_amount, "the overage amount");
    figures.months.push_back(std::move(line));
  }
  figures.total = core::checked_add(figures.fees, figures.overage_amount, "the total");
  return figures;
}

OnDemandFigures on_demand_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                  const Period& period) {
  OnDemandFigures figures;
  for (const auto* entry : billable_in(entries, period)) {
    OnDemandLine line{entry->id, entry->date, entry->site, entry->description, entry->duration,
                      billed_time(entry->duration, contract.increment, contract.minimum), 0};
    line.amount = amount_for(line.billed, contract.rate);
    add_to(figures.worked, line.worked, "the time worked");
    add_to(figures.billed, line.billed, "the time billed");
    add_to(figures.amount, line.amount, "the amount");
    figures.lines.push_back(std::move(line));
  }
  return figures;
}

namespace {

// The replay of an hour bank: packs with what is left of them, consumed and expired day by day.
class BankReplay {
public:
  BankReplay(const std::vector<HourPack>& packs, const Period& period) : m_period(period) {
    for (std::size_t i = 0; i < packs.size(); ++i) {
      if (packs[i].date <= period.to) m_packs.push_back(Slot{packs[i], packs[i].hours, false});
    }
    // Oldest first; stable so packs bought the same day are used in the order they are declared.
    std::stable_sort(m_packs.begin(), m_packs.end(),
                     [](const Slot& a, const Slot& b) { return a.pack.date < b.pack.date; });
  }

  // Expire every pack whose last valid day is before `day`; expiries inside the period are recorded.
  void advance_to(const Date& day, HourBankFigures& figures) {
    for (auto& slot : m_packs) {
      if (slot.expired || !slot.pack.expires || !(*slot.pack.expires < day)) continue;
      slot.expired = true;
      if (m_period.contains(*slot.pack.expires)) {
        figures.expiries.push_back(PackExpiry{slot.pack.date, *slot.pack.expires, slot.left});
        add_to(figures.expired, slot.left, "the hours expired");
      }
      slot.left = Seconds(0);
    }
  }

  // Take `needed` from the usable packs on `day`; returns what no pack could cover.
  Seconds consume(const Date& day, Seconds needed) {
    for (auto& slot : m_packs) {
      if (needed.count() == 0) break;
      if (slot.expired || day < slot.pack.date || slot.left.count() == 0) continue;
      auto taken = std::min(slot.left, needed);
      slot.left -= taken;
      needed -= taken;
    }
    return needed;
  }

  // The unexpired balance of the packs bought on or before `day`.
  Seconds balance(const Date& day) const {
    Seconds sum{0};
    for (const auto& slot : m_packs) {
      if (!slot.expired && slot.pack.date <= day) add_to(sum, slot.left, "the balance");
    }
    return sum;
  }

  std::vector<PackBalance> state() const {
    std::vector<PackBalance> out;
    for (const auto& slot : m_packs) out.push_back(PackBalance{slot.pack, slot.left, slot.expired});
    return out;
  }

private:
  struct Slot {
    HourPack pack;
    Seconds left;
    bool expired;
  };
  Period m_period;
  std::vector<Slot> m_packs;
};

} // namespace

HourBankFigures hour_bank_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                  const Period& period) {
  HourBankFigures figures;
  BankReplay bank(contract.packs, period);
  // History before the period only moves balances; nothing of it is reported here.
  HourBankFigures discarded;
  Period before{Date{1, 1, 1}, add_days(period.from, -1), ""};
  for (const auto* entry : billable_in(entries, before)) {
    bank.advance_to(entry->date, discarded);
    bank.consume(entry->date, entry->duration);
  }
  bank.advance_to(period.from, discarded);
  figures.carried_in = bank.balance(add_days(period.from, -1));

  for (const auto& pack : contract.packs) {
    if (!period.contains(pack.date)) continue;
    figures.purchased.push_back(pack);
    add_to(figures.purchased_hours, pack.hours, "the hours purchased");
    add_to(figures.purchased_amount, pack.price, "the amount purchased");
  }
  for (const auto* entry : billable_in(entries, period)) {
    bank.advance_to(entry->date, figures);
    auto uncovered = bank.consume(entry->date, entry->duration);
    add_to(figures.used, entry->duration, "the time used");
    add_to(figures.overage, uncovered, "the overage");
  }
  bank.advance_to(add_days(period.to, 1), figures);
  figures.from_packs = figures.used - figures.overage;
  figures.overage_amount = amount_for(figures.overage, contract.overage_rate);
  figures.balance_left = bank.balance(period.to);
  figures.low_balance = contract.low_balance.count() > 0 && figures.balance_left < contract.low_balance;
  figures.packs = bank.state();
  return figures;
}

namespace {

ClientHours summarize(const inventory::Client& client, const std::vector<TimeEntry>& entries, const Period& period) {
  ClientHours summary;
  summary.client = client.id;
  summary.client_name = client.name;
  summary.contract = client.contract;
  summary.model = client.contract.model;
  summary.period = period;
  // Callers usually pass this client's entries only (hours_report splits them): copy only when not.
  bool mixed = std::any_of(entries.begin(), entries.end(), [&](const TimeEntry& e) { return e.client != client.id; });
  std::vector<TimeEntry> own_copy;
  if (mixed) {
    std::copy_if(entries.begin(), entries.end(), std::back_inserter(own_copy),
                 [&](const TimeEntry& e) { return e.client == client.id; });
  }
  const auto& own = mixed ? own_copy : entries;
  for (const auto& entry : own) {
    if (!period.contains(entry.date)) continue;
    if (entry.origin == Origin::automatic) {
      add_to(summary.unbilled.automatic, entry.duration, "the automatic time");
      ++summary.unbilled.automatic_entries;
    } else if (entry.billable == Billable::no) {
      add_to(summary.unbilled.non_billable, entry.duration, "the non-billable time");
      ++summary.unbilled.non_billable_entries;
    } else {
      add_to(summary.billable, entry.duration, "the billable time");
      ++summary.billable_entries;
    }
  }
  switch (client.contract.model) {
  case ContractModel::subscription:
    summary.figures = subscription_figures(client.contract, own, period);
    break;
  case ContractModel::on_demand:
    summary.figures = on_demand_figures(client.contract, own, period);
    break;
  case ContractModel::hour_bank: {
    auto bank = hour_bank_figures(client.contract, own, period);
    for (const auto& expiry : bank.expiries) {
      if (expiry.lost.count() > 0) {
        summary.warnings.push_back(fmt::format("pack of {} expired on {} with {} unused (lost)",
                                               core::format_date(expiry.pack_date), core::format_date(expiry.expires),
                                               format_hours(expiry.lost)));
      }
    }
    if (bank.low_balance) {
      summary.warnings.push_back(fmt::format("balance {} is under the low-balance threshold {}",
                                             format_hours(bank.balance_left), format_hours(client.contract.low_balance)));
    }
    if (bank.overage.count() > 0) {
      summary.warnings.push_back(fmt::format("{} used beyond the balance, billed at the overage rate",
                                             format_hours(bank.overage)));
    }
    summary.figures = std::move(bank);
    break;
  }
  }
  return summary;
}

} // namespace

ClientHours summarize_client(const inventory::Client& client, const std::vector<TimeEntry>& entries,
                             const Period& period) {
  try {
    return summarize(client, entries, period);
  } catch (const core::OverflowError& e) {
    throw core::OverflowError(fmt::format("client {}, {}: {}", client.id, period.label, e.what()));
  }
}

} // namespace tma::contract
