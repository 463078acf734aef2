// UTF-8 checks, control-character neutralising and secret redaction in every encoding (issue 16).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <tma/core/redact.hpp>
#include <tma/core/utf8.hpp>
#include <tma/report/output.hpp>

using namespace tma::core;

TEST_CASE("invalid_utf8_offset finds the first byte that is not UTF-8", "[unit][core]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("café ✓ 😀"));
  CHECK(invalid_utf8_offset("caf\xe9") == 3);
  CHECK(invalid_utf8_offset("ab\xc3") == 2);           // truncated sequence
  CHECK(invalid_utf8_offset("\xc0\xaf") == 0);         // overlong '/'
  CHECK(invalid_utf8_offset("x\xed\xa0\x80") == 1);    // surrogate U+D800
  CHECK(invalid_utf8_offset("\xf4\x90\x80\x80") == 0); // above U+10FFFF
  CHECK(invalid_utf8_offset("\x80") == 0);             // stray continuation byte
  CHECK(escape_invalid_utf8("caf\xe9!") == "caf\\xE9!");
}

TEST_CASE("printable neutralises terminal escapes, NULs, C1 and bidi controls", "[unit][core]") {
  CHECK(printable("plain café") == "plain café");
  CHECK(printable("a\nb\tc") == "a\nb\tc");
  CHECK(printable("a\nb\tc", Newlines::escape) == "a\\nb\\tc");
  CHECK(printable("\x1b]0;pwned\x07title") == "\\x1b]0;pwned\\x07title");
  CHECK(printable("\x1b[2Jclear") == "\\x1b[2Jclear");
  CHECK(printable(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(printable("back\rline") == "back\\rline");
  CHECK(printable("del\x7f") == "del\\u007f");
  CHECK(printable("c1\xc2\x9b" "2J") == "c1\\u009b2J");       // U+009B is CSI on some terminals
  CHECK(printable("evil\xe2\x80\xaetxt.exe") == "evil\\u202etxt.exe"); // right-to-left override
  CHECK(printable("caf\xe9") == "caf\\xE9");
  CHECK(has_control_characters("a\x1b"));
  CHECK(has_control_characters("a\nb"));
  CHECK_FALSE(has_control_characters("a\nb\t", true));
  CHECK_FALSE(has_control_characters("café"));
}

TEST_CASE("terminal_safe keeps tma's colours and nothing else", "[unit][report]") {
  using tma::report::terminal_safe;
  CHECK(terminal_safe("\033[1;31mbad\033[0m ok\n") == "\033[1;31mbad\033[0m ok\n");
  CHECK(terminal_safe("title \033]0;x\a \033[2J \033[8m") == "title \\x1b]0;x\\x07 \\x1b[2J \\x1b[8m");
}

TEST_CASE("a table cell is one line: a newline in a value cannot forge a row", "[unit][report]") {
  tma::report::Table table({"NAME", "VERSION"});
  table.add_row({"evil\nforged  9.9", "1.0\x1b[2J"});
  const std::string first = "evil\\nforged  9.9";
  CHECK(table.render(false) ==
        "NAME" + std::string(first.size() - 4 + 2, ' ') + "VERSION\n" + first + "  1.0\\x1b[2J\n");
}

TEST_CASE("a secret holding quotes or backslashes is redacted in JSON, URLs and shell quoting", "[unit][core]") {
  clear_secrets_for_testing();
  const std::string canary = "CNRY\"q\\zz'x";
  register_secret(canary);
  // Finished text in each encoding tma writes.
  CHECK(redact(nlohmann::json(canary).dump()) == "\"***\"");
  CHECK(redact("https://h.example/?k=CNRY%22q%5Czz%27x") == "https://h.example/?k=***");
  CHECK(redact("cmd 'CNRY\"q\\zz'\\''x'") == "cmd '***'");
  // And the JSON output redacts strings before encoding them.
  auto text = tma::report::json_text({{"url", "https://h.example/?k=" + canary}, {canary, 1}});
  CHECK(text.find("CNRY") == std::string::npos);
  CHECK(nlohmann::json::parse(text)["url"] == "https://h.example/?k=***");
  clear_secrets_for_testing();
}

TEST_CASE("JSON output survives invalid UTF-8 and stays JSON after neutralising", "[unit][report]") {
  auto text = tma::report::json_text({{"name", "caf\xe9"}, {"c1", "x\xc2\x85y"}, {"del", "a\x7f"}});
  auto safe = tma::report::terminal_safe(text);
  auto parsed = nlohmann::json::parse(safe);
  CHECK(parsed["name"] == "caf\xef\xbf\xbd"); // U+FFFD
  CHECK(parsed["c1"] == "x\xc2\x85y");         // written as \u0085: the same character
  CHECK(parsed["del"] == "a\x7f");
}
