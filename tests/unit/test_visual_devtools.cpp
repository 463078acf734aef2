// The pure half of the DevTools protocol (src/visual/devtools.hpp): framing, matching replies,
// errors, the mask expression, base64 and the PNG header; no browser.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "visual/devtools.hpp"

using namespace tma::visual::detail;
using nlohmann::json;

namespace {

std::vector<std::string> drain(FrameReader& reader) {
  std::vector<std::string> out;
  while (auto message = reader.next()) out.push_back(*message);
  return out;
}

std::string nul_joined(std::initializer_list<std::string> messages) {
  std::string out;
  for (const auto& m : messages) {
    out += m;
    out.push_back('\0');
  }
  return out;
}

} // namespace

TEST_CASE("visual devtools: the frame reader joins messages split across reads") {
  FrameReader reader;
  REQUIRE(reader.feed("{\"id\":1,"));
  CHECK(drain(reader).empty());
  REQUIRE(reader.feed("\"result\":{}}"));
  CHECK(drain(reader).empty()); // no NUL yet
  REQUIRE(reader.feed(std::string_view("\0{\"met", 6)));
  CHECK(drain(reader) == std::vector<std::string>{"{\"id\":1,\"result\":{}}"});
  REQUIRE(reader.feed(std::string_view("hod\":\"X\"}\0", 10)));
  CHECK(drain(reader) == std::vector<std::string>{"{\"method\":\"X\"}"});
}

TEST_CASE("visual devtools: the frame reader hands out several messages of one read in order") {
  FrameReader reader;
  REQUIRE(reader.feed(nul_joined({"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}) + "{\"d\""));
  CHECK(drain(reader) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  REQUIRE(reader.feed(std::string_view(":4}\0", 4)));
  CHECK(drain(reader) == std::vector<std::string>{"{\"d\":4}"});
}

TEST_CASE("visual devtools: the frame reader rejects a message over its cap") {
  FrameReader reader(10);
  REQUIRE(reader.feed(nul_joined({"0123456789"}))); // exactly the cap
  CHECK(drain(reader).size() == 1);
  REQUIRE(reader.feed("01234"));
  auto over = reader.feed("567890"); // 11 bytes and still no NUL
  REQUIRE_FALSE(over);
  CHECK(over.error().message.find("larger than") != std::string::npos);
  CHECK(FrameReader().feed(std::string(k_max_message + 1, 'x')).has_value() == false);
}

TEST_CASE("visual devtools: frames are ASCII JSON ended by one NUL") {
  auto frame = encode_frame({{"id", 7}, {"method", "Page.navigate"}, {"params", {{"url", "https://exemple.fr/été"}}}});
  REQUIRE(frame.back() == '\0');
  CHECK(frame.find('\0') == frame.size() - 1);
  CHECK(frame == std::string("{\"id\":7,\"method\":\"Page.navigate\",\"params\":{\"url\":\"https://exemple.fr/\\u00e9t\\u00e9\"}}") + '\0');
  // Invalid UTF-8 is replaced, not thrown on.
  auto odd = encode_frame({{"url", std::string("a\xff")}});
  CHECK(odd.find("\\ufffd") != std::string::npos);
}

TEST_CASE("visual devtools: the conversation matches the reply by id while events arrive") {
  Conversation conversation;
  std::vector<std::string> events;
  conversation.on_event = [&](const Event& e) { events.push_back(e.method + "@" + e.session_id); };

  auto first = conversation.command("Target.createTarget", {{"url", "about:blank"}});
  CHECK(json::parse(first.substr(0, first.size() - 1)) == json{{"id", 1}, {"method", "Target.createTarget"}, {"params", {{"url", "about:blank"}}}});
  REQUIRE(conversation.receive(R"({"id":1,"result":{"targetId":"T1"}})"));
  auto reply = conversation.take_reply();
  REQUIRE(reply);
  REQUIRE(*reply);
  CHECK((**reply)["targetId"] == "T1");
  CHECK_FALSE(conversation.take_reply()); // taken once

  auto second = conversation.command("Page.navigate", {{"url", "http://x/"}}, "S1");
  CHECK(json::parse(second.substr(0, second.size() - 1))["sessionId"] == "S1");
  CHECK(json::parse(second.substr(0, second.size() - 1))["id"] == 2);
  REQUIRE(conversation.receive(R"({"method":"Page.lifecycleEvent","params":{"name":"init"},"sessionId":"S1"})"));
  REQUIRE(conversation.receive(R"({"id":1,"result":{"late":"duplicate"}})")); // not the awaited id
  CHECK_FALSE(conversation.take_reply());
  REQUIRE(conversation.receive(R"({"method":"Target.targetCreated","params":{}})"));
  REQUIRE(conversation.receive(R"({"id":2,"result":{"frameId":"F","loaderId":"L"},"sessionId":"S1"})"));
  REQUIRE(conversation.receive(R"({"method":"Page.loadEventFired","params":{},"sessionId":"S1"})"));
  CHECK(events == std::vector<std::string>{"Page.lifecycleEvent@S1", "Target.targetCreated@", "Page.loadEventFired@S1"});
  reply = conversation.take_reply();
  REQUIRE(reply);
  REQUIRE(*reply);
  CHECK((**reply)["loaderId"] == "L");
}

TEST_CASE("visual devtools: a forgotten command's late reply is dropped") {
  Conversation conversation;
  conversation.command("Page.navigate", json::object());
  conversation.forget();
  REQUIRE(conversation.receive(R"({"id":1,"result":{}})"));
  CHECK_FALSE(conversation.take_reply());
  conversation.command("Page.enable", json::object());
  REQUIRE(conversation.receive(R"({"id":2,"result":{}})"));
  CHECK(conversation.take_reply());
}

TEST_CASE("visual devtools: error replies become errors naming the command") {
  Conversation conversation;
  conversation.command("Target.attachToTarget", {{"targetId", "nope"}});
  REQUIRE(conversation.receive(R"({"id":1,"error":{"code":-32602,"message":"No target with given id found"}})"));
  auto reply = conversation.take_reply();
  REQUIRE(reply);
  REQUIRE_FALSE(*reply);
  CHECK(reply->error().kind == tma::core::ErrorKind::remote);
  CHECK(reply->error().message == "Target.attachToTarget failed: No target with given id found [code -32602]");

  conversation.command("Runtime.evaluate", json::object());
  REQUIRE(conversation.receive(R"({"id":2,"error":{"code":-32000,"message":"Bad","data":"more detail"}})"));
  CHECK(conversation.take_reply()->error().message == "Runtime.evaluate failed: Bad (more detail) [code -32000]");

  conversation.command("Page.enable", json::object());
  REQUIRE(conversation.receive(R"({"id":3,"error":"strange"})"));
  CHECK(conversation.take_reply()->error().message == "Page.enable failed: no message [code 0]");

  CHECK_FALSE(conversation.receive("not json"));
  CHECK_FALSE(conversation.receive("[1,2]"));
}

TEST_CASE("visual devtools: the mask expression carries the selector as a JSON string literal") {
  auto plain = mask_expression("#banner");
  CHECK(plain.find("document.querySelectorAll(\"#banner\")") != std::string::npos);
  CHECK(plain.find("setProperty('visibility', 'hidden', 'important')") != std::string::npos);

  auto quoted = mask_expression(R"([data-x="a'b\c"])");
  CHECK(quoted.find(R"(document.querySelectorAll("[data-x=\"a'b\\c\"]"))") != std::string::npos);

  // A selector trying to close the literal stays inside it; line separators are escaped too.
  auto hostile = mask_expression("\"); alert(1); (\"\xE2\x80\xA8\n");
  CHECK(hostile.find(R"(querySelectorAll("\"); alert(1); (\"\u2028\n"))") != std::string::npos);
}

TEST_CASE("visual devtools: evaluated values and the page's exceptions") {
  auto ok = evaluated_value(json::parse(R"({"result":{"type":"string","value":"Hello"}})"), "text");
  REQUIRE(ok);
  CHECK(*ok == "Hello");
  auto thrown = evaluated_value(
      json::parse(R"({"result":{"type":"object"},"exceptionDetails":{"text":"Uncaught","exception":{"description":"TypeError: x is null"}}})"),
      "reading the visible text");
  REQUIRE_FALSE(thrown);
  CHECK(thrown.error().message == "reading the visible text: the page's script failed: TypeError: x is null");
}

TEST_CASE("visual devtools: failed navigations are unreachable or http") {
  auto refused = navigation_error("http://127.0.0.1:9/", "net::ERR_CONNECTION_REFUSED", 0);
  CHECK(refused.kind == tma::core::ErrorKind::unreachable);
  CHECK(refused.message == "http://127.0.0.1:9/: the browser could not load the page: net::ERR_CONNECTION_REFUSED");
  CHECK(navigation_error("u", "net::ERR_NAME_NOT_RESOLVED", 0).kind == tma::core::ErrorKind::unreachable);
  auto empty_404 = navigation_error("u", "net::ERR_HTTP_RESPONSE_CODE_FAILURE", 404);
  CHECK(empty_404.kind == tma::core::ErrorKind::http);
  CHECK(empty_404.message == "u: the browser could not load the page: net::ERR_HTTP_RESPONSE_CODE_FAILURE (HTTP 404)");
  CHECK(navigation_error("u", "net::ERR_CERT_AUTHORITY_INVALID", 0).kind == tma::core::ErrorKind::http);
}

TEST_CASE("visual devtools: base64 decoding") {
  CHECK(decode_base64("") == std::string());
  CHECK(decode_base64("Zg==") == std::string("f"));
  CHECK(decode_base64("Zm8=") == std::string("fo"));
  CHECK(decode_base64("Zm9v") == std::string("foo"));
  CHECK(decode_base64("Zm9vYmFy") == std::string("foobar"));
  CHECK(decode_base64("AP8A/w==") == std::string("\x00\xff\x00\xff", 4));
  CHECK(decode_base64("+/+/") == std::string("\xfb\xff\xbf"));
  CHECK_FALSE(decode_base64("Zm9"));   // not a multiple of 4
  CHECK_FALSE(decode_base64("Zm=v"));  // padding inside
  CHECK_FALSE(decode_base64("Z==="));  // three padding characters
  CHECK_FALSE(decode_base64("Zm9v\n")); // wrapped
  CHECK_FALSE(decode_base64("Zm-_"));  // URL-safe alphabet
}

TEST_CASE("visual devtools: the size of a PNG from its header") {
  std::string png("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x05\x00\x00\x00\x0b\xb8\x08\x02\x00\x00\x00", 29);
  auto size = png_size(png);
  REQUIRE(size);
  CHECK(size->width == 1280);
  CHECK(size->height == 3000);
  CHECK_FALSE(png_size(png.substr(0, 20)));
  CHECK_FALSE(png_size("GIF89a" + png.substr(6)));
}

TEST_CASE("visual devtools: the browser's command line") {
  auto as_root = browser_arguments("chromium", "/tmp/p", true);
  CHECK(as_root.front() == "chromium");
  CHECK(as_root.back() == "about:blank");
  for (const char* flag : {"--headless", "--remote-debugging-pipe", "--user-data-dir=/tmp/p", "--disable-gpu", "--no-sandbox"}) {
    CHECK(std::find(as_root.begin(), as_root.end(), flag) != as_root.end());
  }
  auto as_user = browser_arguments("chromium", "/tmp/p", false);
  CHECK(std::find(as_user.begin(), as_user.end(), "--no-sandbox") == as_user.end());
}
