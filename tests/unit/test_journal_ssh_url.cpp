// The journal's ssh transport: what of a remote URL reaches ssh's argv, and in which shape.

#include <catch2/catch.hpp>

#include <algorithm>

#include "journal/ssh_subtransport.hpp"

using namespace tma;
using journal::ssh::parse_url;
using journal::ssh::ssh_argv;

TEST_CASE("journal ssh URL: ssh:// and scp-like URLs give user host port and path", "[journal]") {
  auto full = parse_url("ssh://deploy@git.example.org:2222/srv/agency.git");
  REQUIRE(full);
  CHECK(full->user == "deploy");
  CHECK(full->host == "git.example.org");
  CHECK(full->port == "2222");
  CHECK(full->path == "/srv/agency.git");

  auto bare = parse_url("ssh://10.0.0.7/srv/a.git");
  REQUIRE(bare);
  CHECK(bare->user.empty());
  CHECK(bare->port.empty());
  CHECK(bare->host == "10.0.0.7");

  auto v6 = parse_url("git+ssh://git@[::1]:22/~git/a.git");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "22");
  CHECK(v6->path == "~git/a.git");

  auto scp = parse_url("git@git.example.org:agency/journal.git");
  REQUIRE(scp);
  CHECK(scp->user == "git");
  CHECK(scp->host == "git.example.org");
  CHECK(scp->port.empty());
  CHECK(scp->path == "agency/journal.git");
}

TEST_CASE("journal ssh URL: parts outside their allow list are refused without repeating the URL", "[journal]") {
  for (const char* url : {
           "ssh://-oProxyCommand=touch@host/x.git",          // user starting with '-'
           "ssh://user:secret-password@host/x.git",          // a password: ':' is no user character
           "ssh://us$er@host/x.git",                         // shell character in the user
           "ssh://@host/x.git",                              // empty user
           "ssh://-oProxyCommand=x/x.git",                   // host starting with '-'
           "ssh://ho_st/x.git", "ssh://host;id/x.git", "ssh://ho st/x.git",
           "ssh://[::1;x]/x.git",                            // IPv6 literal with a foreign character
           "ssh://host:0/x.git", "ssh://host:65536/x.git", "ssh://host:22a/x.git",
           "ssh://host/it's.git",                            // a quote would end the remote quoting
           "ssh://host/x\n.git", "ssh://host/x\x7f.git", "ssh://host",
           "host:", "-oProxyCommand=x:repo.git",
       }) {
    auto parsed = parse_url(url);
    INFO(url);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == core::ErrorKind::config);
    CHECK(parsed.error().message.find("secret-password") == std::string::npos);
  }
}

TEST_CASE("journal ssh URL: the argv puts -- before the host and single-quotes the path", "[journal]") {
  auto endpoint = parse_url("ssh://deploy@git.example.org:2222/srv/my agency $HOME.git");
  REQUIRE(endpoint);
  auto argv = ssh_argv(*endpoint, "git-receive-pack", "");
  REQUIRE(argv.size() >= 4);
  CHECK(argv.front() == "ssh");
  CHECK(std::find(argv.begin(), argv.end(), "BatchMode=yes") != argv.end());
  CHECK(std::find(argv.begin(), argv.end(), "-F") == argv.end());
  auto dashes = std::find(argv.begin(), argv.end(), "--");
  REQUIRE(dashes != argv.end());
  REQUIRE(argv.end() - dashes == 3);
  CHECK(dashes[1] == "git.example.org");
  CHECK(dashes[2] == "git-receive-pack '/srv/my agency $HOME.git'");
  auto port = std::find(argv.begin(), argv.end(), "-p");
  REQUIRE(port != argv.end());
  CHECK(port[1] == "2222");
  auto user = std::find(argv.begin(), argv.end(), "-l");
  REQUIRE(user != argv.end());
  CHECK(user[1] == "deploy");
  CHECK(port < dashes);
  CHECK(user < dashes);

  auto with_config = ssh_argv(*endpoint, "git-upload-pack", "/etc/tma/ssh_config");
  auto f = std::find(with_config.begin(), with_config.end(), "-F");
  REQUIRE(f != with_config.end());
  CHECK(f[1] == "/etc/tma/ssh_config");
  CHECK(with_config.back() == "git-upload-pack '/srv/my agency $HOME.git'");
}
