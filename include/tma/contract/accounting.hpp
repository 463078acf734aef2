#pragma once
// Pure accounting: time entries + a client's contract + a period -> the figures of `tma hours summary`.
// No I/O, no clock, no time zone: entries carry their local date already. docs/contracts.md states
// every rule with worked examples; tests/unit/test_contract_accounting.cpp holds the hand-computed tables.
//
// Rounding rule, everywhere money is computed from time: amount = seconds x cents-per-hour / 3600,
// rounded half up to the cent, computed once per line (one on_demand entry, one month's subscription
// overage, one period's hour-bank overage), never per hour and never on floating point.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <tma/contract/entry.hpp>
#include <tma/contract/period.hpp>
#include <tma/inventory/model.hpp>

namespace tma::contract {

using core::Cents;
using inventory::Contract;
using inventory::ContractModel;
using inventory::HourPack;

/// `duration` billed at `rate_per_hour` cents: duration_seconds x rate / 3600 rounded half up.
/// Negative durations or rates are clamped to 0 (nothing is ever billed negative). Every figure
/// below is computed with the checked sums of core/checked.hpp: one that does not fit in 64 bits
/// throws core::OverflowError rather than wrapping around.
Cents amount_for(Seconds duration, Cents rate_per_hour);

/// `duration` rounded up to a multiple of `increment` (unchanged when `increment` is 0), then raised
/// to `minimum`: the billed time of one on_demand entry.
Seconds billed_time(Seconds duration, Seconds increment, Seconds minimum);

/// One calendar month of a subscription (a range is split into months, each with the full allowance).
struct SubscriptionMonth {
  Period period;             ///< the month, clipped to the requested range
  bool partial = false;      ///< the range covers only part of this month
  Cents fee = 0;             ///< the monthly fee
  Seconds included{0};
  Seconds used{0};           ///< billable manual time in the month
  Seconds remaining{0};      ///< included - used, never below 0 (does not carry over)
  Seconds overage{0};        ///< used - included, never below 0
  Cents overage_amount = 0;  ///< amount_for(overage, overage_rate)
};

struct SubscriptionFigures {
  std::vector<SubscriptionMonth> months;
  Cents fees = 0;
  Seconds included{0}, used{0}, remaining{0}, overage{0};
  Cents overage_amount = 0;
  Cents total = 0; ///< fees + overage_amount
};

/// One billable on_demand entry as billed.
struct OnDemandLine {
  std::string entry_id;
  Date date;
  std::optional<std::string> site;
  std::string description;
  Seconds worked{0}; ///< as logged
  Seconds billed{0}; ///< billed_time(worked, increment, minimum)
  Cents amount = 0;  ///< amount_for(billed, rate)
};

struct OnDemandFigures {
  std::vector<OnDemandLine> lines; ///< in date order
  Seconds worked{0};
  Seconds billed{0};
  Cents amount = 0; ///< sum of the lines' amounts
};

/// A pack whose validity ended inside the period.
struct PackExpiry {
  Date pack_date;
  Date expires;
  Seconds lost{0}; ///< what was left of it when it expired (0 when fully used)
};

/// One pack as it stands at the end of the period.
struct PackBalance {
  HourPack pack;
  Seconds remaining{0}; ///< 0 once expired or used up
  bool expired = false;
};

struct HourBankFigures {
  std::vector<HourPack> purchased; ///< packs dated inside the period
  Seconds purchased_hours{0};
  Cents purchased_amount = 0;
  Seconds carried_in{0};           ///< unexpired balance of earlier packs at the period's start
  Seconds used{0};                 ///< billable manual time in the period
  Seconds from_packs{0};           ///< the part of `used` taken from packs
  Seconds overage{0};              ///< the part not covered by any valid pack
  Cents overage_amount = 0;        ///< amount_for(overage, overage_rate)
  std::vector<PackExpiry> expiries;
  Seconds expired{0};              ///< total lost to expiries in the period
  Seconds balance_left{0};         ///< unexpired balance at the end of the period
  bool low_balance = false;        ///< balance_left < contract.low_balance (when that is set)
  std::vector<PackBalance> packs;  ///< every pack dated up to the period's end
};

using ModelFigures = std::variant<SubscriptionFigures, OnDemandFigures, HourBankFigures>;

/// Time that is never billed, shown beside the contract figures.
struct UnbilledTotals {
  Seconds non_billable{0}; ///< manual entries logged `--non-billable`
  Seconds automatic{0};    ///< recorded by update/restore runs
  int non_billable_entries = 0;
  int automatic_entries = 0;
};

/// The summary of one client for one period.
struct ClientHours {
  std::string client;
  std::string client_name;     ///< display name from the inventory
  Contract contract;           ///< the terms the figures were computed with
  ContractModel model = ContractModel::on_demand;
  Period period;
  int billable_entries = 0;
  Seconds billable{0};         ///< billable manual time dated in the period, as logged
  UnbilledTotals unbilled;
  ModelFigures figures;
  std::vector<std::string> warnings; ///< e.g. low balance, an expired pack with hours lost
};

/// Subscription figures for `entries` (billable manual ones dated in `period` count) under `contract`.
SubscriptionFigures subscription_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                         const Period& period);

/// On-demand figures: every billable manual entry dated in `period`, rounded and billed separately.
OnDemandFigures on_demand_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                  const Period& period);

/// Hour-bank figures. Replays the whole history up to `period.to`: packs are consumed oldest first
/// (purchase date, then declaration order) by entries in (date, at, id) order; a pack is usable from its
/// `date` through its `expires` date inclusive and loses its remainder at the end of that day; time with
/// no usable pack is overage of the period it falls in. Entries dated after `period.to` are ignored.
HourBankFigures hour_bank_figures(const Contract& contract, const std::vector<TimeEntry>& entries,
                                  const Period& period);

/// The full summary for `client`: only entries whose `client` matches are looked at; the figures follow
/// the client's contract model; warnings are added for a low balance and for hours lost to expiry.
/// Throws core::OverflowError naming the client and the period when a figure does not fit.
ClientHours summarize_client(const inventory::Client& client, const std::vector<TimeEntry>& entries,
                             const Period& period);

} // namespace tma::contract
