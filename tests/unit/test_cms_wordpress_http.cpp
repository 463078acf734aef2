#include <catch2/catch.hpp>

#include <tma/cms/wordpress_http.hpp>

#include "support/fixture.hpp"

using namespace tma::cms;
using namespace tma::cms::wordpress_http;
using tma::test::fixture;

TEST_CASE("cms::wordpress_http finds the core version in a real home page") {
  auto evidence = core_evidence_from_page(fixture("wordpress/home.html"));
  REQUIRE(evidence.size() == 2);
  CHECK(evidence[0].source == "http:generator-meta");
  CHECK(evidence[0].version == "6.1.9");
  CHECK(evidence[0].confidence == Confidence::high);
  CHECK(evidence[1].source == "http:asset-ver");
  CHECK(evidence[1].version == "6.1.9"); // the hashes on navigation scripts are not versions
  CHECK(evidence[1].confidence == Confidence::medium);
  auto core = core_from_evidence(evidence);
  CHECK(core.installed == "6.1.9");
  CHECK(core.source == "http:generator-meta");
  CHECK(core.confidence == Confidence::high);
  CHECK(core.note.empty());
  CHECK(core.update == UpdateState::unknown);
}

TEST_CASE("cms::wordpress_http other clues in feed and readme.html and login page") {
  auto feed = core_evidence_from_feed(fixture("wordpress/feed-rss2.xml"));
  REQUIRE(feed);
  CHECK(feed->version == "6.1.9");
  CHECK(feed->source == "http:feed-generator");
  auto atom = core_evidence_from_feed(R"(<feed><generator uri="https://wordpress.org/" version="6.5.5">WordPress</generator></feed>)");
  REQUIRE(atom);
  CHECK(atom->version == "6.5.5");
  CHECK_FALSE(core_evidence_from_readme_html(fixture("wordpress/readme.html"))); // 6.x readme has no version
  auto old = core_evidence_from_readme_html("<h1 id=\"logo\"><img alt=\"WordPress\" /><br /> Version 3.2.1</h1>");
  REQUIRE(old);
  CHECK(old->version == "3.2.1");
  CHECK(old->confidence == Confidence::low);
  auto login = core_evidence_from_page(fixture("wordpress/login.html"));
  REQUIRE_FALSE(login.empty());
  CHECK(login.back().version == "6.1.9");
}

TEST_CASE("cms::wordpress_http combines clues and reports conflicts") {
  std::vector<Evidence> clues{{"6.1.9", "http:asset-ver", Confidence::medium, ""},
                              {"6.1.9", "http:readme-html", Confidence::low, ""}};
  auto agreed = core_from_evidence(clues);
  CHECK(agreed.confidence == Confidence::high);
  clues.push_back({"6.2", "http:generator-meta", Confidence::high, ""});
  auto conflict = core_from_evidence(clues);
  CHECK(conflict.installed == "6.2");
  CHECK(conflict.note.find("conflicting clues") == 0);
  auto none = core_from_evidence({});
  CHECK(none.installed.empty());
  CHECK(none.note == "version not found over HTTP");
  CHECK(core_evidence_from_page("<html><head></head></html>").empty());
}

TEST_CASE("cms::wordpress_http plugin and theme slugs in pages") {
  CHECK(plugin_slugs_in_page(fixture("wordpress/home.html")).empty());
  CHECK(theme_slugs_in_page(fixture("wordpress/home.html")) == std::vector<std::string>{"twentytwentythree"});
  CHECK(plugin_slugs_in_page(fixture("wordpress/home-with-plugins.html")) ==
        std::vector<std::string>{"acme-forms", "akismet"});
  CHECK(plugin_slugs_in_page(R"({"url":"https:\/\/x.example\/wp-content\/plugins\/woo-extra\/a.js"})") ==
        std::vector<std::string>{"woo-extra"});
}

TEST_CASE("cms::wordpress_http readme.txt and file headers") {
  auto readme = parse_readme_txt(fixture("wordpress/plugin-akismet-readme.txt"));
  REQUIRE(readme);
  CHECK(readme->name == "Akismet Spam Protection");
  CHECK(readme->stable_tag == "5.0.3");
  CHECK(readme->tested_up_to == "6.1.1");
  CHECK(readme->requires_at_least == "5.0");
  // The real capture: the site runs 5.0.2 and the readme's changelog says so, but its Stable tag
  // already names 5.0.3; tma keeps the tag (medium) and says the changelog disagrees.
  CHECK(readme->first_changelog == "5.0.2");
  auto c = plugin_from_readme("akismet", *readme);
  CHECK(c.installed == "5.0.3");
  CHECK(c.confidence == Confidence::medium);
  CHECK(c.source == "http:readme-txt");
  CHECK(c.evidence == "readme.txt Stable tag: 5.0.3");
  CHECK(c.note == "changelog's newest entry is 5.0.2");
  auto trunk = parse_readme_txt("=== X ===\nStable tag: trunk\n\n== Changelog ==\n= 1.4.2 =\n* fix\n");
  REQUIRE(trunk);
  auto t = plugin_from_readme("x", *trunk);
  CHECK(t.installed == "1.4.2");
  CHECK(t.confidence == Confidence::low);
  auto html = parse_readme_txt(fixture("wordpress/notfound.html"));
  REQUIRE_FALSE(html);
  CHECK(html.error().message.find("readme.txt: not a WordPress readme") == 0);
  CHECK(header_version("<?php\n/**\n * Plugin Name: Acme\n * Version: 2.3.1\n */\n") == "2.3.1");
  CHECK(header_version("/*\nTheme Name: Studio\nVersion: 3.1\n*/") == "3.1");
  CHECK(header_version("<?php // nothing") == "");
}

TEST_CASE("cms::wordpress_http WordPress.org API answers") {
  auto core = parse_core_version_check(fixture("wporg/core-version-check.json"));
  REQUIRE(core);
  CHECK(core->latest == "6.6.1");
  CHECK(core->offered == std::vector<std::string>{"6.6.1", "6.5.5"});
  CHECK_FALSE(parse_core_version_check("{\"translations\":[]}"));
  CHECK_FALSE(parse_core_version_check("<html>502 Bad Gateway</html>"));
  auto info = parse_plugin_info(fixture("wporg/plugin-info-akismet.json"));
  REQUIRE(info);
  CHECK(info->state == PluginInfo::State::listed);
  CHECK(info->version == "5.1");
  CHECK(info->requires_wp == "5.8");
  CHECK(info->requires_php.empty()); // false in the API
  CHECK(info->download_link == "https://downloads.wordpress.org/plugin/akismet.5.1.zip");
  CHECK(parse_plugin_info(fixture("wporg/plugin-info-not-found.json"))->state == PluginInfo::State::not_found);
  auto closed = parse_plugin_info(fixture("wporg/plugin-info-closed.json"));
  CHECK(closed->state == PluginInfo::State::closed);
  CHECK(closed->slug == "old-slider");

  auto readme = parse_readme_txt(fixture("wordpress/plugin-akismet-readme.txt"));
  auto c = plugin_from_readme("akismet", *readme);
  apply_latest(c, info->version);
  CHECK(c.latest == "5.1");
  CHECK(c.update == UpdateState::available);
  CHECK(c.source == "http:readme-txt+wporg-api");
  auto same = plugin_from_readme("akismet", *readme);
  apply_latest(same, "5.0.3");
  CHECK(same.update == UpdateState::none);
}
