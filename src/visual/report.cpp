// The HTML page of a comparison, from templates/visual.html.mustache (compiled in).
#include <tma/visual/compare.hpp>

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <tma/core/atomic_file.hpp>

#include "visual/files.hpp"

namespace tma::visual {

extern const char* const k_visual_report_template;

namespace {

namespace mustache = kainjow::mustache;

std::string percent(double share) { return fmt::format("{:.2f} %", share * 100); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += out.empty() ? item : "; " + item;
  return out;
}

mustache::data list_of(const std::vector<std::string>& items) {
  mustache::data list{mustache::data::type::list};
  for (const auto& item : items) list.push_back(mustache::data(item));
  return list;
}

} // namespace

core::Result<std::string> render_comparison_html(const Comparison& comparison) {
  mustache::data view;
  view.set("site", comparison.site);
  view.set("env", comparison.env);
  view.set("before_id", comparison.before.id);
  view.set("after_id", comparison.after.id);
  view.set("before_taken", comparison.before.taken_at);
  view.set("after_taken", comparison.after.taken_at);
  view.set("changed_threshold", percent(comparison.thresholds.changed));
  view.set("broken_threshold", percent(comparison.thresholds.broken));
  view.set("notes_any", mustache::data(!comparison.notes.empty()));
  view.set("notes", list_of(comparison.notes));
  mustache::data pages{mustache::data::type::list};
  for (std::size_t i = 0; i < comparison.pages.size(); ++i) {
    const auto& p = comparison.pages[i];
    mustache::data page;
    page.set("anchor", fmt::format("page-{}", i));
    page.set("path", p.path);
    page.set("url", p.url);
    page.set("label", p.label());
    page.set("verdict", p.error.empty() ? std::string(to_string(p.verdict)) : std::string("failed"));
    page.set("share", p.error.empty() ? percent(p.changed_share) : std::string("-"));
    auto reasons = p.error.empty() ? join(p.reasons) : p.error;
    page.set("reasons", reasons);
    page.set("reasons_any", mustache::data(!reasons.empty()));
    page.set("error", p.error);
    page.set("error_any", mustache::data(!p.error.empty()));
    page.set("images", mustache::data(!p.diff_image.empty()));
    page.set("before_image", p.before_image);
    page.set("after_image", p.after_image);
    page.set("diff_image", p.diff_image);
    page.set("added", list_of(p.text_added));
    page.set("removed", list_of(p.text_removed));
    page.set("added_any", mustache::data(!p.text_added.empty()));
    page.set("removed_any", mustache::data(!p.text_removed.empty()));
    page.set("text_any", mustache::data(!p.text_added.empty() || !p.text_removed.empty()));
    pages.push_back(page);
  }
  view.set("pages", pages);
  mustache::mustache tmpl(k_visual_report_template);
  if (!tmpl.is_valid()) return core::fail(core::ErrorKind::internal, "visual report template: " + tmpl.error_message());
  auto html = tmpl.render(view);
  if (!tmpl.is_valid()) return core::fail(core::ErrorKind::internal, "visual report template: " + tmpl.error_message());
  return html;
}

core::Result<void> write_comparison_report(Comparison& comparison, const std::filesystem::path& dir) {
  auto path = dir / "index.html";
  auto html = render_comparison_html(comparison);
  if (!html) return tl::unexpected(html.error());
  if (auto done = core::write_atomically(path, *html); !done) return done;
  comparison.report = path;
  return {};
}

} // namespace tma::visual
