#include <tma/client_report/locale.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include <fmt/args.h>
#include <fmt/format.h>

namespace tma::client_report {
namespace {

// U+00A0: French groups thousands and sets units apart with a space that never breaks a line.
constexpr std::string_view k_nbsp = "\u00a0";

using LabelTable = std::map<std::string, std::pair<std::string, std::string>, std::less<>>; // key -> {fr, en}

const LabelTable& labels() {
  static const LabelTable table = {
      {"title", {"Rapport de maintenance", "Maintenance report"}},
      {"prepared_for", {"Préparé pour", "Prepared for"}},
      {"period", {"Période", "Period"}},
      {"range", {"du {from} au {to}", "{from} to {to}"}},
      {"quarter", {"{n}e trimestre {year}", "Q{n} {year}"}},
      {"nothing", {"Rien à signaler sur la période.", "Nothing this period."}},
      {"colon", {"\u00a0: ", ": "}},
      {"yes", {"oui", "yes"}},
      {"no", {"non", "no"}},
      {"previous", {"période précédente : {value}", "previous period: {value}"}},
      {"glance_title", {"En bref", "At a glance"}},
      {"trends_title", {"Évolution sur le trimestre", "Across the quarter"}},
      {"col_month", {"Mois", "Month"}},
      {"glance_sites", {"Sites suivis", "Sites covered"}},
      {"glance_updates", {"Mises à jour appliquées", "Updates applied"}},
      {"glance_security", {"Correctifs de sécurité", "Security fixes"}},
      {"glance_backups", {"Sauvegardes vérifiées", "Backups verified"}},
      {"glance_uptime", {"Disponibilité", "Uptime"}},
      {"glance_incidents", {"Incidents", "Incidents"}},
      {"glance_hours", {"Heures consommées", "Hours used"}},
      {"glance_visual_pages", {"Pages comparées visuellement", "Pages compared visually"}},
      {"glance_visual_reviewed", {"Changements visuels examinés", "Visual changes reviewed"}},
      {"updates_title", {"Mises à jour appliquées", "Updates applied"}},
      {"col_site", {"Site", "Site"}},
      {"col_component", {"Composant", "Component"}},
      {"col_version", {"Version", "Version"}},
      {"col_date", {"Date", "Date"}},
      {"col_security", {"Sécurité", "Security"}},
      {"col_preprod", {"Testée en préproduction", "Tested on preprod"}},
      {"held_back_title", {"Mises à jour retenues", "Updates held back"}},
      {"col_reason", {"Raison", "Reason"}},
      {"status_rejected", {"rejetée en préproduction", "rejected on preprod"}},
      {"status_rolled_back", {"annulée en production, site rétabli", "rolled back on prod, site restored"}},
      {"status_pending", {"non appliquée", "not applied"}},
      {"postponed_title", {"Mises à jour reportées", "Updates postponed"}},
      {"postponed_intro", {"Préparées et testées, elles n'ont pas été appliquées en production : le site n'a pas été "
                           "modifié, elles le seront lors d'une prochaine intervention.",
                           "Prepared and tested, they were not applied to production: the site was left unchanged, "
                           "they will be applied at a next run."}},
      {"postponed_backup_failed", {"la sauvegarde préalable a échoué", "the backup before the update failed"}},
      {"postponed_stopped", {"interrompue avant la production", "stopped before production"}},
      {"error_kind_io", {"erreur de stockage", "storage error"}},
      {"error_kind_unreachable", {"serveur injoignable", "server unreachable"}},
      {"error_kind_timeout", {"délai dépassé", "timed out"}},
      {"error_kind_remote", {"erreur sur le serveur", "server-side error"}},
      {"error_kind_locked", {"opération concurrente en cours", "another operation was running"}},
      {"backups_interrupted", {"{n} interrompue(s)", "{n} interrupted"}},
      {"status_pinned", {"version maintenue volontairement (épinglée)", "kept at its version on purpose (pinned)"}},
      {"core", {"cœur", "core"}},
      {"security_title", {"Sécurité", "Security"}},
      {"security_fixed", {"Failles corrigées par les mises à jour de la période :", "Vulnerabilities fixed by this period's updates:"}},
      {"security_none", {"Aucune mise à jour de sécurité n'a été nécessaire sur la période.",
                         "No security update was needed this period."}},
      {"backups_title", {"Sauvegardes", "Backups"}},
      {"col_backups", {"Sauvegardes", "Backups"}},
      {"col_last_backup", {"Dernière sauvegarde", "Last backup"}},
      {"col_verified", {"Vérifiées", "Verified"}},
      {"col_restore_tests", {"Restaurations", "Restores"}},
      {"col_failures", {"Échecs", "Failures"}},
      {"availability_title", {"Disponibilité", "Availability"}},
      {"uptime_line", {"Disponibilité mesurée des sites en production : {uptime}.",
                       "Measured uptime of the production sites: {uptime}."}},
      {"downtime_line", {"Indisponibilité cumulée : {downtime}.", "Total downtime: {downtime}."}},
      {"no_outage", {"Aucune interruption de service constatée.", "No outage was recorded."}},
      {"rec_coming_certificate", {"{site} : le certificat HTTPS expire le {date} ; son renouvellement automatique est à "
                                  "vérifier avant cette date.",
                                  "{site}: the HTTPS certificate expires on {date}; its automatic renewal needs checking "
                                  "before then."}},
      {"rec_coming_certificate_expired", {"{site} : le certificat HTTPS a expiré le {date} ; les visiteurs voient un "
                                          "avertissement de sécurité.",
                                          "{site}: the HTTPS certificate expired on {date}; visitors see a security "
                                          "warning."}},
      {"col_retention", {"Conservation", "Retention"}},
      {"keep_last", {"{n} dernières", "last {n}"}},
      {"keep_hourly", {"{n} horaires", "{n} hourly"}},
      {"keep_daily", {"{n} quotidiennes", "{n} daily"}},
      {"keep_weekly", {"{n} hebdomadaires", "{n} weekly"}},
      {"keep_monthly", {"{n} mensuelles", "{n} monthly"}},
      {"keep_yearly", {"{n} annuelles", "{n} yearly"}},
      {"daily_none", {"Pas de mesure quotidienne enregistrée sur la période.", "No daily measurement was recorded this period."}},
      {"speed_none", {"Pas de mesure de vitesse des pages sur la période.", "No page speed was measured this period."}},
      {"topics_title", {"Sujets pour notre point trimestriel", "Topics for our quarterly meeting"}},
      {"topics_intro", {"Ce que les chiffres du trimestre invitent à discuter :",
                        "What the quarter's figures suggest we discuss:"}},
      {"topic_security_open", {"Sécurité : {count} vulnérabilité(s) encore ouverte(s) sur {sites}, à corriger en priorité.",
                               "Security: {count} vulnerability(ies) still open on {sites}, to fix first."}},
      {"topic_upgrades", {"Mises à niveau à planifier ({sites}) : {items}.", "Upgrades to plan ({sites}): {items}."}},
      {"topic_recurring_incidents", {"Incidents récurrents sur {sites} : causes et prévention.",
                                     "Recurring incidents on {sites}: causes and prevention."}},
      {"topic_uptime", {"Disponibilité sous 99,5 % en {months} : hébergement et surveillance.",
                        "Uptime below 99.5% in {months}: hosting and monitoring."}},
      {"topic_slower_pages", {"Pages plus lentes qu'au trimestre précédent : {pages} ; travaux d'optimisation à envisager.",
                              "Pages slower than last quarter: {pages}; optimisation work to consider."}},
      {"topic_overage_months", {"Heures au-delà du forfait {count} mois sur {total} : le forfait est-il à ajuster ?",
                                "Hours beyond the subscription in {count} month(s) of {total}: should the plan change?"}},
      {"topic_low_balance", {"Banque d'heures : {hours} restantes, un réapprovisionnement est à prévoir.",
                             "Hour bank: {hours} left, a top-up is to plan."}},
      {"topic_next_quarter", {"Priorités et demandes du prochain trimestre.", "Priorities and requests for the next quarter."}},
      {"daily_title", {"Jour après jour", "Day by day"}},
      {"daily_summary", {"{site} : {uptime} des contrôles réussis ({probes} contrôles), temps de réponse médian {median}, "
                         "95e centile au pire {p95}.",
                         "{site}: {uptime} of the checks passed ({probes} checks), median response time {median}, "
                         "worst daily 95th percentile {p95}."}},
      {"daily_chart", {"{site} : temps de réponse médian et disponibilité par jour",
                       "{site}: median response time and uptime per day"}},
      {"daily_day", {"{date} : disponibilité {uptime}, médiane {median}, 95e centile {p95}, {probes} contrôles",
                     "{date}: uptime {uptime}, median {median}, 95th percentile {p95}, {probes} checks"}},
      {"daily_legend", {"Barres : temps de réponse médian du jour ; trait : 95e centile ; couleur : verte à 100 % "
                        "de contrôles réussis, orange à 99 % ou plus, rouge en dessous.",
                        "Bars: the day's median response time; tick: 95th percentile; colour: green when 100 % of "
                        "the checks passed, orange at 99 % or more, red below."}},
      {"speed_title", {"Vitesse des pages", "Page speed"}},
      {"speed_intro", {"Médianes des mesures de la période, depuis nos serveurs.",
                       "Medians of the period's measurements, taken from our servers."}},
      {"col_page", {"Page", "Page"}},
      {"col_ttfb", {"Premier octet", "First byte"}},
      {"col_load", {"Chargement", "Load time"}},
      {"col_weight", {"Poids", "Weight"}},
      {"col_requests", {"Requêtes", "Requests"}},
      {"col_change", {"Depuis la période précédente", "Since the previous period"}},
      {"change_load", {"chargement {delta}", "load time {delta}"}},
      {"change_weight", {"poids {delta}", "weight {delta}"}},
      {"incidents_title", {"Incidents", "Incidents"}},
      {"col_severity", {"Gravité", "Severity"}},
      {"col_subject", {"Objet", "Summary"}},
      {"col_opened", {"Ouvert le", "Opened"}},
      {"col_response", {"Prise en charge", "Response"}},
      {"col_resolution", {"Résolution", "Resolution"}},
      {"severity_critical", {"critique", "critical"}},
      {"severity_major", {"majeur", "major"}},
      {"severity_minor", {"mineur", "minor"}},
      {"in_sla", {"dans le délai", "within SLA"}},
      {"out_of_sla", {"hors délai", "SLA missed"}},
      {"still_open", {"en cours", "open"}},
      {"hours_title", {"Temps passé", "Time spent"}},
      {"col_category", {"Catégorie", "Category"}},
      {"col_hours", {"Heures", "Hours"}},
      {"hours_chart", {"Heures par semaine", "Hours per week"}},
      {"cat_update", {"Mises à jour", "Updates"}},
      {"cat_security", {"Sécurité", "Security"}},
      {"cat_bugfix", {"Corrections", "Bug fixes"}},
      {"cat_performance", {"Performance", "Performance"}},
      {"cat_support", {"Support", "Support"}},
      {"cat_backup", {"Sauvegardes", "Backups"}},
      {"cat_feature", {"Évolutions", "Features"}},
      {"kind_scheduled", {"planifiées", "scheduled"}},
      {"kind_manual", {"à la demande", "on request"}},
      {"kind_pre-update", {"avant mise à jour", "before updates"}},
      {"contract_title", {"Votre contrat", "Your contract"}},
      {"model_subscription", {"Forfait mensuel avec heures incluses", "Monthly subscription with included hours"}},
      {"model_on_demand", {"Facturation au temps passé", "Billed on demand"}},
      {"model_hour_bank", {"Banque d'heures prépayée", "Prepaid hour bank"}},
      {"fee", {"Forfait", "Subscription fee"}},
      {"included", {"Heures incluses", "Included hours"}},
      {"used", {"Heures consommées", "Hours used"}},
      {"remaining", {"Heures restantes", "Hours remaining"}},
      {"overage", {"Dépassement", "Overage"}},
      {"overage_amount", {"Montant du dépassement", "Overage amount"}},
      {"billed", {"Temps facturé", "Billed time"}},
      {"amount", {"Montant", "Amount"}},
      {"carried_in", {"Solde reporté", "Balance carried in"}},
      {"purchased", {"Heures achetées", "Hours purchased"}},
      {"expired", {"Heures expirées", "Hours expired"}},
      {"balance_left", {"Solde restant", "Balance left"}},
      {"not_billed", {"Non facturé (mises à jour automatiques et gestes commerciaux)",
                      "Not billed (automatic updates and goodwill)"}},
      {"low_balance", {"Solde bas : pensez à recharger votre banque d'heures.",
                       "Low balance: time to top up your hour bank."}},
      {"recommendations_title", {"Recommandations", "Recommendations"}},
      {"rec_held_back", {"{site} : la mise à jour {component} {version} reste à appliquer ({reason}) ; nous l'analysons avant de la proposer à nouveau.",
                         "{site}: the update of {component} to {version} is still pending ({reason}); we are looking into it before trying again."}},
      {"rec_recurring", {"{site} : {count} incidents sur la période ; une analyse de fond est recommandée.",
                         "{site}: {count} incidents this period; a root-cause review is recommended."}},
      {"rec_backup_failed", {"{site} : {count} sauvegarde(s) en échec sur la période ; nous en suivons la cause.",
                             "{site}: {count} failed backup(s) this period; we are following up on the cause."}},
      {"rec_backup_interrupted", {"{site} : {count} sauvegarde(s) planifiée(s) interrompue(s) avant d'aboutir ; nous "
                                  "vérifions la planification.",
                                  "{site}: {count} scheduled backup(s) interrupted before completing; we are checking the "
                                  "scheduler."}},
      {"rec_no_backup", {"{site} : aucune sauvegarde réussie sur la période.", "{site}: no successful backup this period."}},
      {"rec_low_balance", {"Votre banque d'heures sera bientôt épuisée : il reste {hours}.",
                           "Your hour bank is running low: {hours} left."}},
      {"rec_overage", {"Les heures incluses ont été dépassées de {hours} ; un forfait plus large serait plus avantageux.",
                       "Included hours were exceeded by {hours}; a larger subscription may cost less."}},
      {"rec_coming_eol", {"{site} : {name} {version} ne reçoit plus de correctifs de sécurité depuis le {date}.",
                          "{site}: {name} {version} has had no security fixes since {date}."}},
      {"rec_coming_eol_undated", {"{site} : {name} {version} ne reçoit plus de correctifs de sécurité.",
                                  "{site}: {name} {version} no longer receives security fixes."}},
      {"rec_coming_eol_soon", {"{site} : {name} {version} ne recevra plus de correctifs de sécurité après le {date}.",
                               "{site}: {name} {version} stops receiving security fixes on {date}."}},
      {"rec_successor", {" Nous recommandons de planifier le passage à {name} {successor}.",
                         " We recommend planning the move to {name} {successor}."}},
      {"rec_upgrade", {" Nous recommandons de planifier sa mise à niveau.", " We recommend planning its upgrade."}},
      {"rec_coming_domain", {"{site} : le nom de domaine {name} expire le {date} ; vérifiez son renouvellement auprès de votre registraire.",
                             "{site}: the domain {name} expires on {date}; check its renewal with your registrar."}},
      {"rec_coming_domain_expired", {"{site} : le nom de domaine {name} a expiré le {date} ; renouvelez-le sans attendre.",
                                     "{site}: the domain {name} expired on {date}; renew it without delay."}},
      {"rec_coming_domain_status", {"{site} : le registre signale un problème sur le nom de domaine {name} ; à vérifier avec votre registraire.",
                                    "{site}: the registry reports a problem with the domain {name}; check it with your registrar."}},
      {"rec_coming_closed", {"{site} : l'extension {name} a été retirée du répertoire WordPress.org ; nous recommandons de la remplacer.",
                             "{site}: the plugin {name} was withdrawn from the WordPress.org directory; we recommend replacing it."}},
      {"rec_coming_abandoned", {"{site} : l'extension {name} n'est plus mise à jour par son auteur depuis longtemps ; nous recommandons d'envisager une alternative.",
                                "{site}: the plugin {name} has not been updated by its author for a long time; we recommend considering an alternative."}},
      {"rec_coming_unsupported", {"{site} : {name} {version} est sur une branche que Drupal ne maintient plus ; nous recommandons de planifier sa mise à niveau.",
                                  "{site}: {name} {version} is on a branch Drupal no longer maintains; we recommend planning its upgrade."}},
      {"rec_coming_insecure", {"{site} : {name} {version} a une mise à jour de sécurité à appliquer.",
                               "{site}: {name} {version} has a security update to apply."}},
      {"rec_pending_major", {"{site} : {component} {version} → {latest} est une mise à jour majeure ; nous la planifierons avec vous après l'avoir testée en préproduction.",
                             "{site}: {component} {version} → {latest} is a major update; we will plan it with you after testing it on preproduction."}},
      {"security_open", {"Failles connues encore à corriger (dernière vérification) :", "Known vulnerabilities still to fix (latest check):"}},
      {"security_fix_in", {"corrigée en {version}", "fixed in {version}"}},
      {"security_no_fix", {"aucun correctif publié : remplacement à étudier", "no fix published: replacement to consider"}},
      {"rec_none", {"Aucune action particulière à prévoir.", "No particular action needed."}},
      {"mail_subject", {"{agency}Rapport de maintenance — {period} — {client}", "{agency}Maintenance report — {period} — {client}"}},
      {"generated", {"Rapport établi le {date} à partir du journal de maintenance.",
                     "Report prepared on {date} from the maintenance journal."}},
  };
  return table;
}

constexpr std::array<std::string_view, 12> k_months_fr = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                                         "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
constexpr std::array<std::string_view, 12> k_months_en = {"January", "February", "March",     "April",   "May",      "June",
                                                         "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> k_short_fr = {"janv.", "févr.", "mars", "avr.", "mai",  "juin",
                                                        "juil.", "août",  "sept.", "oct.", "nov.", "déc."};
constexpr std::array<std::string_view, 12> k_short_en = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string grouped(unsigned long long value, std::string_view separator) {
  auto digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}

std::string_view month_of(unsigned month, const std::array<std::string_view, 12>& names) {
  return names.at(month >= 1 && month <= 12 ? month - 1 : 0);
}

} // namespace

const std::string& label(Lang lang, std::string_view key) {
  auto it = labels().find(key);
  if (it == labels().end()) throw std::out_of_range("no report label '" + std::string(key) + "'");
  return lang == Lang::fr ? it->second.first : it->second.second;
}

std::string format_integer(long long value, Lang lang) {
  auto magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
  return (value < 0 ? "-" : "") + grouped(magnitude, lang == Lang::fr ? k_nbsp : ",");
}

std::string format_money(core::Cents cents, const std::string& currency, Lang lang) {
  auto magnitude = cents < 0 ? 0ULL - static_cast<unsigned long long>(cents) : static_cast<unsigned long long>(cents);
  std::string sign = cents < 0 ? "-" : "";
  auto units = magnitude / 100;
  auto rest = magnitude % 100;
  if (lang == Lang::fr) {
    auto symbol = currency == "EUR" ? std::string("€") : currency;
    return fmt::format("{}{},{:02}{}{}", sign, grouped(units, k_nbsp), rest, k_nbsp, symbol);
  }
  auto number = fmt::format("{}.{:02}", grouped(units, ","), rest);
  if (currency == "EUR") return sign + "€" + number;
  if (currency == "USD") return sign + "$" + number;
  if (currency == "GBP") return sign + "£" + number;
  return fmt::format("{}{}{}{}", sign, currency, k_nbsp, number);
}

std::string format_hours(core::Seconds seconds) {
  auto total = seconds.count();
  std::string sign = total < 0 ? "-" : "";
  auto minutes_total = (total < 0 ? -total : total) / 60;
  auto hours = minutes_total / 60;
  auto minutes = minutes_total % 60;
  if (minutes == 0) return fmt::format("{}{}{}h", sign, hours, k_nbsp);
  return fmt::format("{}{}{}h{}{:02}", sign, hours, k_nbsp, k_nbsp, minutes);
}

std::string format_percent(double value, Lang lang) {
  // Rounded down at two decimals: 99.999 % is not "100 %" when a site was down for a minute.
  auto hundredths = static_cast<long long>(std::floor(value * 100.0 + 1e-9));
  auto text = fmt::format("{}{}{:02}", hundredths / 100, lang == Lang::fr ? "," : ".", hundredths % 100);
  return lang == Lang::fr ? text + std::string(k_nbsp) + "%" : text + "%";
}

std::string format_long_date(const core::Date& date, Lang lang) {
  if (lang == Lang::fr) {
    return fmt::format("{}{} {} {}", date.day, date.day == 1 ? "er" : "", month_of(date.month, k_months_fr), date.year);
  }
  return fmt::format("{} {} {}", date.day, month_of(date.month, k_months_en), date.year);
}

std::string format_short_date(const core::Date& date, Lang lang) {
  if (lang == Lang::fr) return fmt::format("{}{}{}", date.day, k_nbsp, month_of(date.month, k_short_fr));
  return fmt::format("{}{}{}", date.day, k_nbsp, month_of(date.month, k_short_en));
}

std::string month_name(int year, unsigned month, Lang lang) {
  return fmt::format("{} {}", month_of(month, lang == Lang::fr ? k_months_fr : k_months_en), year);
}

std::string format_millis(std::chrono::milliseconds time, Lang lang) {
  if (time < std::chrono::seconds(1)) return fmt::format("{}{}ms", time.count(), k_nbsp);
  auto tenths = (time.count() + 50) / 100;
  return fmt::format("{}{}{}{}s", tenths / 10, lang == Lang::fr ? "," : ".", tenths % 10, k_nbsp);
}

std::string format_bytes(long long bytes, Lang lang) {
  // Decimal units, as browsers' developer tools show page weights.
  const char* units_fr[] = {"o", "ko", "Mo", "Go"};
  const char* units_en[] = {"B", "kB", "MB", "GB"};
  double value = static_cast<double>(std::max(bytes, 0LL));
  int unit = 0;
  while (value >= 1000.0 && unit < 3) {
    value /= 1000.0;
    ++unit;
  }
  const char* name = lang == Lang::fr ? units_fr[unit] : units_en[unit];
  if (unit == 0) return fmt::format("{}{}{}", bytes, k_nbsp, name);
  auto text = value < 10.0 ? fmt::format("{:.1f}", value) : fmt::format("{:.0f}", value);
  if (lang == Lang::fr) std::replace(text.begin(), text.end(), '.', ',');
  return fmt::format("{}{}{}", text, k_nbsp, name);
}

std::string fill(Lang lang, std::string_view key, const std::map<std::string, std::string>& values) {
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  for (const auto& [name, value] : values) args.push_back(fmt::arg(name.c_str(), value));
  return fmt::vformat(label(lang, key), args);
}

std::string_view lang_code(Lang lang) { return lang == Lang::fr ? "fr" : "en"; }

} // namespace tma::client_report
