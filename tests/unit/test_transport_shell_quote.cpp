#include <catch2/catch.hpp>

#include <tma/transport/process.hpp>
#include <tma/transport/shell_quote.hpp>

using namespace tma::transport;

TEST_CASE("transport::shell_quote wraps in single quotes") {
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("abc") == "'abc'");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("'") == "''\\'''");
  CHECK(shell_quote("$(touch /tmp/pwned)") == "'$(touch /tmp/pwned)'");
  CHECK(shell_quote("a\nb") == "'a\nb'");
}

TEST_CASE("transport::remote_command adds cd only with a path") {
  CHECK(remote_command({"wp", "core", "version"}, "") == "'wp' 'core' 'version'");
  CHECK(remote_command({"wp", "--path=x y"}, "/var/www/a b") == "cd '/var/www/a b' && 'wp' '--path=x y'");
}

// The real shell is the judge: every value must come back from /bin/sh -c byte for byte.
TEST_CASE("transport::shell_quote round-trips through /bin/sh") {
  std::vector<std::string> corpus{"$(touch /tmp/pwned)", "`id`", ";id", "|id", "&&id", "'", "\"", "\\", "a\nb",
                                  "*", "~", "-n", "--help", "$HOME", "a'b\"c", " lead", "trail ", "\t", "!x",
                                  "#comment", "{a,b}", "%s", std::string(10240, 'q') + "'$x"};
  for (const auto& value : corpus) {
    auto captured = capture({"/bin/sh", "-c", "printf '%s' " + shell_quote(value)});
    REQUIRE(captured);
    CHECK(captured->out == value);
  }
  std::vector<std::string> argv{"printf", "[%s]", "a b", "", "c'd"};
  auto captured = capture({"/bin/sh", "-c", shell_join(argv)});
  REQUIRE(captured);
  CHECK(captured->out == "[a b][][c'd]");
}

TEST_CASE("transport::shell_split_quoted inverts shell_join") {
  std::vector<std::string> argv{"a b", "", "it's", "x\ny", "-n"};
  CHECK(shell_split_quoted(shell_join(argv)) == argv);
}
