#include <catch2/catch.hpp>

#include <tma/core/json.hpp>

using tma::core::json_string;

TEST_CASE("json_string reads a string member and nothing else", "[unit][core]") {
  const auto object = nlohmann::json::parse(
      R"({"title": "Backup failed", "empty": "", "none": null, "count": 42, "ratio": 0.5, "done": true,
          "list": ["a"], "nested": {"title": "inner"}})");
  CHECK(json_string(object, "title") == "Backup failed");
  CHECK(json_string(object, "empty").empty());
  CHECK(json_string(object, "missing").empty());
  CHECK(json_string(object, "none").empty());
  CHECK(json_string(object, "count").empty());
  CHECK(json_string(object, "ratio").empty());
  CHECK(json_string(object, "done").empty());
  CHECK(json_string(object, "list").empty());
  CHECK(json_string(object, "nested").empty());
  // The key is looked up as given, not as a path.
  CHECK(json_string(object, "nested/title").empty());
  CHECK(json_string(object["nested"], "title") == "inner");
}

TEST_CASE("json_string of a value that is no object is empty", "[unit][core]") {
  CHECK(json_string(nlohmann::json(), "title").empty());
  CHECK(json_string(nlohmann::json("title"), "title").empty());
  CHECK(json_string(nlohmann::json(7), "title").empty());
  CHECK(json_string(nlohmann::json::array({"title"}), "title").empty());
  CHECK(json_string(nlohmann::json::array({nlohmann::json{{"title", "x"}}}), "title").empty());
  CHECK(json_string(nlohmann::json::parse("[", nullptr, false), "title").empty()); // discarded
}
