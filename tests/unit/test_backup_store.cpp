// The local store, manifests, artifact verification and the ssh method's pipeline, without servers
// (real gzip/tar programs, FakeTransport).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <tma/backup/local_compressor.hpp>
#include <tma/backup/manifest.hpp>
#include <tma/backup/methods.hpp>
#include <tma/backup/store.hpp>
#include <tma/backup/verify.hpp>
#include <tma/core/text.hpp>
#include <tma/transport/process.hpp>

#include "support/fake_transport.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace tma::backup;
using tma::test::FakeTransport;
using tma::test::TempDir;

namespace {

tma::core::SysSeconds at(const char* text) { return *tma::core::parse_rfc3339(text); }

Manifest manifest_for(const std::string& id, const char* time) {
  Manifest m;
  m.id = id;
  m.site = "acme";
  m.env = "prod";
  m.time = at(time);
  m.tma_version = "0.1.0";
  m.method = "custom";
  m.artifacts.push_back({"notes.txt", ArtifactKind::other, "none", 5, "x", {}});
  return m;
}

std::string gzip_of(const std::string& text) {
  TempDir dir;
  auto path = dir.write("in", text);
  auto out = tma::transport::capture({"gzip", "-c", path});
  REQUIRE(out);
  return out->out;
}

} // namespace

TEST_CASE("backup ids are sortable UTC timestamps", "[backup][store]") {
  CHECK(backup_id(at("2026-11-29T01:02:03Z")) == "20261129T010203Z");
  REQUIRE(parse_backup_id("20261129T010203Z"));
  CHECK(*parse_backup_id("20261129T010203Z-2") == at("2026-11-29T01:02:03Z"));
  CHECK_FALSE(parse_backup_id("../x"));
}

TEST_CASE("manifest JSON round trip and validation", "[backup][store]") {
  auto m = manifest_for("20261129T010203Z", "2026-11-29T01:02:03Z");
  m.versions["core"] = "6.4.3";
  m.kind = BackupKind::pre_update;
  auto back = manifest_from_json(to_json(m));
  REQUIRE(back);
  CHECK(back->id == m.id);
  CHECK(back->kind == BackupKind::pre_update);
  CHECK(back->versions.at("core") == "6.4.3");
  auto bad = to_json(m);
  bad["artifacts"][0]["name"] = "../../etc/passwd";
  CHECK_FALSE(manifest_from_json(bad));
  bad = to_json(m);
  bad.erase("site");
  CHECK_FALSE(manifest_from_json(bad));
}

TEST_CASE("store: only backups with a manifest exist; leftovers are cleaned", "[backup][store]") {
  TempDir dir;
  LocalStore store(dir.file("backups"));
  auto id1 = store.create("acme", "prod", at("2026-11-28T01:00:00Z"));
  REQUIRE(id1);
  REQUIRE(store.write_manifest("acme", "prod", manifest_for(*id1, "2026-11-28T01:00:00Z")));
  auto id2 = store.create("acme", "prod", at("2026-11-29T01:00:00Z"));
  REQUIRE(id2);
  // An interrupted backup: a directory with a partial artifact and no manifest.
  std::ofstream(store.env_dir("acme", "prod") + "/" + *id2 + "/database.sql.gz.partial") << "half";
  auto same_second = store.create("acme", "prod", at("2026-11-29T01:00:00Z"));
  REQUIRE(same_second);
  CHECK(*same_second == *id2 + "-2");

  auto listing = store.list("acme", "prod");
  REQUIRE(listing);
  REQUIRE(listing->backups.size() == 1);
  CHECK(listing->backups[0].manifest.id == *id1);

  auto cleaned = store.clean_leftovers("acme", "prod");
  REQUIRE(cleaned);
  CHECK(cleaned->size() == 2);
  CHECK_FALSE(fs::exists(store.env_dir("acme", "prod") + "/" + *id2));
  CHECK(fs::exists(store.env_dir("acme", "prod") + "/" + *id1 + "/manifest.json"));

  REQUIRE(store.remove("acme", "prod", *id1));
  listing = store.list("acme", "prod");
  REQUIRE(listing);
  CHECK(listing->backups.empty());
  CHECK_FALSE(store.remove("acme", "prod", "../../x"));
}

TEST_CASE("store: a corrupt manifest is reported, not listed", "[backup][store]") {
  TempDir dir;
  LocalStore store(dir.file("backups"));
  auto id = store.create("acme", "prod", at("2026-11-28T01:00:00Z"));
  REQUIRE(id);
  std::ofstream(store.env_dir("acme", "prod") + "/" + *id + "/manifest.json") << "{not json";
  auto listing = store.list("acme", "prod");
  REQUIRE(listing);
  CHECK(listing->backups.empty());
  CHECK(listing->problems.size() == 1);
}

TEST_CASE("site lock: a second holder is refused with the holder's name", "[backup][store]") {
  TempDir dir;
  auto first = SiteLock::acquire(dir.file("acme"), "tma backup acme (pid 1)", std::chrono::milliseconds(0));
  REQUIRE(first);
  auto second = SiteLock::acquire(dir.file("acme"), "other", std::chrono::milliseconds(200));
  REQUIRE_FALSE(second);
  CHECK(second.error().kind == tma::core::ErrorKind::locked);
  CHECK(second.error().message.find("tma backup acme (pid 1)") != std::string::npos);
  { auto released = std::move(*first); }
  CHECK(SiteLock::acquire(dir.file("acme"), "other", std::chrono::milliseconds(0)));
}

TEST_CASE("artifact verification with the real gzip and tar", "[backup][store]") {
  TempDir dir;
  auto complete = "-- MariaDB dump 10.19\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-29  1:02:03\n";
  auto truncated = "-- MariaDB dump 10.19\nINSERT INTO t VALUES (1);\n";
  CHECK(verify_artifact(dir.write("ok.sql.gz", gzip_of(complete)), ArtifactKind::database, "gzip"));
  CHECK(verify_artifact(dir.write("ok.sql", complete), ArtifactKind::database, "none"));
  auto no_trailer = verify_artifact(dir.write("cut.sql.gz", gzip_of(truncated)), ArtifactKind::database, "gzip");
  REQUIRE_FALSE(no_trailer);
  CHECK(no_trailer.error().message.find("Dump completed") != std::string::npos);
  auto gz = gzip_of(complete);
  CHECK_FALSE(verify_artifact(dir.write("short.sql.gz", gz.substr(0, gz.size() - 10)), ArtifactKind::database, "gzip"));
  CHECK_FALSE(verify_artifact(dir.write("empty.sql.gz", ""), ArtifactKind::database, "gzip"));
  // A real tar.gz lists; a cut one does not.
  dir.write("tree/a.txt", "hello");
  auto tar = tma::transport::capture({"tar", "-czf", "-", "-C", dir.file("tree"), "."});
  REQUIRE(tar);
  CHECK(verify_artifact(dir.write("files.tar.gz", tar->out), ArtifactKind::files, "gzip"));
  CHECK_FALSE(verify_artifact(dir.write("cut.tar.gz", tar->out.substr(0, tar->out.size() / 2)), ArtifactKind::files,
                              "gzip"));
}

TEST_CASE("stream_artifact: verified artifacts are renamed, failed ones leave nothing", "[backup][store]") {
  TempDir dir;
  auto good = stream_artifact(dir.path().string(), "db.sql", ArtifactKind::database, "none",
                              [](const tma::transport::OutputSink& sink) -> tma::core::Result<std::vector<std::string>> {
                                sink("CREATE TABLE t (a INT);\n");
                                sink("-- Dump completed on 2026-11-29 01:02:03\n");
                                return std::vector<std::string>{};
                              });
  REQUIRE(good);
  CHECK(good->size == 65);
  CHECK(good->sha256.size() == 64);
  CHECK(fs::exists(dir.file("db.sql")));
  auto digest = digest_file(dir.file("db.sql"));
  REQUIRE(digest);
  CHECK(digest->sha256 == good->sha256);

  auto bad = stream_artifact(dir.path().string(), "cut.sql", ArtifactKind::database, "none",
                             [](const tma::transport::OutputSink& sink) -> tma::core::Result<std::vector<std::string>> {
                               sink("CREATE TABLE t (a INT);\n");
                               return std::vector<std::string>{};
                             });
  CHECK_FALSE(bad);
  auto failed = stream_artifact(dir.path().string(), "fail.sql", ArtifactKind::database, "none",
                                [](const tma::transport::OutputSink&) -> tma::core::Result<std::vector<std::string>> {
                                  return tma::core::fail(tma::core::ErrorKind::remote, "dump exited 2");
                                });
  CHECK_FALSE(failed);
  CHECK_FALSE(fs::exists(dir.file("cut.sql")));
  CHECK_FALSE(fs::exists(dir.file("cut.sql.partial")));
  CHECK_FALSE(fs::exists(dir.file("fail.sql.partial")));
}

TEST_CASE("staged pipeline reports every stage", "[backup][store]") {
  auto script = staged_pipeline({"wp", "--path=/srv/a b", "db", "export", "-"}, "dump", {"gzip", "-c"});
  CHECK(script == "{ 'wp' '--path=/srv/a b' 'db' 'export' '-'; echo \"@tma-stage dump $?\" >&2; } | 'gzip' '-c'; "
                  "echo \"@tma-stage compress $?\" >&2");
  // Run it for real: the first stage's failure is visible although gzip succeeds.
  std::string out;
  tma::transport::ProcessOptions options;
  std::string err;
  options.on_stderr = [&err](std::string_view c) {
    err.append(c);
    return true;
  };
  options.on_stdout = tma::transport::string_sink(out, 1 << 20);
  auto r = tma::transport::run_process({"sh", "-c", staged_pipeline({"sh", "-c", "echo partial; exit 3"}, "dump",
                                                                    {"gzip", "-c"})},
                                       options);
  REQUIRE(r);
  CHECK(r->exit_code == 0); // gzip's status: a plain pipe would call this a success
  auto report = parse_stage_report(r->stderr_tail);
  CHECK(report.codes.at("dump") == 3);
  CHECK(report.codes.at("compress") == 0);
}

TEST_CASE("session prologue: CMS version and compressor check in the dump's own session", "[backup][store]") {
  TempDir dir;
  auto site = dir.path() / "it's a site";
  fs::create_directories(site);
  std::ofstream(site / "version.txt") << "6.4.3\n";
  struct Ran {
    std::string out;
    tma::backup::StageReport report;
    int exit_code = -1;
  };
  auto run = [&](const std::vector<std::string>& stage, const std::vector<std::string>& version_argv,
                 const std::vector<std::string>& compressor, std::string stdin_text = {}, int version_timeout_s = 60) {
    Ran ran;
    std::string err;
    tma::transport::ProcessOptions options;
    options.on_stdout = tma::transport::string_sink(ran.out, 1 << 20);
    options.on_stderr = [&err](std::string_view c) {
      err.append(c);
      return true;
    };
    std::size_t sent = 0;
    options.stdin_source = [&](char* buffer, std::size_t size) {
      std::size_t n = std::min(size, stdin_text.size() - sent);
      std::copy_n(stdin_text.data() + sent, n, buffer);
      sent += n;
      return n;
    };
    auto script = with_session_prologue(staged_pipeline(stage, "dump", compressor), version_argv, site.string(),
                                        compressor, version_timeout_s);
    auto r = tma::transport::run_process({"sh", "-c", script}, options);
    REQUIRE(r);
    ran.exit_code = r->exit_code;
    ran.report = parse_stage_report(err);
    return ran;
  };
  // The version command runs in the site path (quoted), beside a compressed pipeline.
  auto found = run({"printf", "payload"}, {"cat", "version.txt"}, {"gzip", "-c"});
  CHECK(found.exit_code == 0);
  CHECK(found.report.version == "6.4.3");
  CHECK(found.report.codes.at("dump") == 0);
  CHECK(found.report.codes.at("compress") == 0);
  CHECK(found.report.missing_compressor.empty());
  REQUIRE(found.out.size() > 2);
  CHECK(found.out.substr(0, 2) == "\x1f\x8b"); // gzip magic: the version did not reach stdout
  CHECK(found.report.rest.find("@tma-") == std::string::npos);
  // A failing version command leaves the version unknown, not an error.
  auto failed = run({"printf", "payload"}, {"sh", "-c", "echo 9.9.9; exit 3"}, {});
  CHECK(failed.exit_code == 0);
  CHECK(failed.report.version.empty());
  CHECK(failed.out == "payload");
  // A hung version command is stopped after its timeout: the session ends, without a version.
  auto hung = run({"printf", "payload"}, {"sleep", "600"}, {}, {}, 1);
  CHECK(hung.exit_code == 0);
  CHECK(hung.report.version.empty());
  CHECK(hung.out == "payload");
  // The pipeline's stdin (secrets, a dump to import) is the pipeline's alone.
  auto isolated = run({"cat"}, {"sh", "-c", "cat; echo 1.0"}, {}, "secret option file");
  CHECK(isolated.out == "secret option file");
  CHECK(isolated.report.version == "1.0");
  // A missing compressor ends the session before the pipeline runs.
  auto missing = run({"sh", "-c", "echo ran > ran.txt; printf payload"}, {"cat", "version.txt"},
                     {"tma-no-such-compressor", "-c"});
  CHECK(missing.report.missing_compressor == "tma-no-such-compressor");
  CHECK(missing.report.codes.empty());
  CHECK(missing.out.empty());
  CHECK(missing.report.version == "6.4.3");
  CHECK_FALSE(fs::exists(site / "ran.txt"));
  CHECK_FALSE(fs::exists(fs::current_path() / "ran.txt"));
  // Without a version command nor a compressor it is the pipeline itself.
  CHECK(with_session_prologue("true", {}, "/srv", {}) == "true");
}

TEST_CASE("ssh method: where compression happens (backup.compress_on)", "[backup][store]") {
  TempDir dir;
  tma::inventory::Site site;
  site.name = "acme";
  site.backup.paths = {};
  tma::inventory::Environment env;
  env.name = "prod";
  env.path = "/srv/acme";
  Manifest manifest;
  FakeTransport fake;
  auto dump = dump_argv(site, env);
  REQUIRE(dump);
  const std::vector<std::string> version{"wp", "--path=/srv/acme", "core", "version"};
  const std::string sql = "-- MariaDB dump\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-29\n";
  const auto first_gzip = "sh -c " + with_session_prologue(staged_pipeline(*dump, "dump", {"gzip", "-c"}), version,
                                                           env.path, {"gzip", "-c"});
  const auto first_plain = "sh -c " + with_session_prologue(staged_pipeline(*dump, "dump", {}), version, env.path, {});
  const auto again_plain = "sh -c " + with_session_prologue(staged_pipeline(*dump, "dump", {}), {}, env.path, {});
  auto dumped = FakeTransport::ok(sql);
  dumped.err = "@tma-version 6.4.3\n@tma-stage dump 0\n";
  // A server without gzip: the first session learns the version, finds no gzip and runs nothing.
  auto no_gzip = FakeTransport::exit(0, "@tma-version 6.4.3\n@tma-no-compressor gzip\n");
  fake.reply_default(FakeTransport::exit(99, "unexpected command"));

  MethodContext context;
  context.site = &site;
  context.env = &env;
  context.transport = &fake;
  context.dir = dir.path().string();
  context.manifest = &manifest;
  // "plain" when the file is the dump itself, "gzip" when the real gzip -dc gives the dump back.
  auto content = [&](const std::string& name) {
    auto path = (dir.path() / name).string();
    if (tma::test::read_file(path) == sql) return std::string("plain");
    std::string back;
    tma::transport::ProcessOptions options;
    options.on_stdout = tma::transport::string_sink(back, 1 << 20);
    auto r = tma::transport::run_process({"gzip", "-dc", path}, options);
    return r && r->ok() && back == sql ? std::string("gzip") : std::string("?");
  };
  // Runs the method; one artifact, `sessions` remote commands, the version learnt on the way.
  auto only_artifact = [&](std::size_t sessions) {
    auto artifacts = run_ssh_method(context);
    INFO(tma::core::join(fake.command_lines(), "\n"));
    REQUIRE(artifacts);
    REQUIRE(artifacts->size() == 1);
    CHECK(fake.calls().size() == sessions);
    CHECK(manifest.versions.at("core") == "6.4.3");
    return artifacts->front();
  };
  SECTION("auto, server without the compressor: the dump runs again uncompressed, gzip runs here") {
    fake.reply(first_gzip, no_gzip);
    fake.reply(again_plain, dumped);
    auto artifact = only_artifact(2);
    CHECK(artifact.name == "database.sql.gz");
    CHECK(artifact.compression == "gzip");
    CHECK(artifact.warnings == std::vector<std::string>{"gzip is not installed on the server: compressed on this machine"});
    CHECK(content("database.sql.gz") == "gzip");
  }
  SECTION("server, server without the compressor: stored uncompressed with a warning") {
    site.backup.compress_on = tma::inventory::CompressOn::server;
    fake.reply(first_gzip, no_gzip);
    fake.reply(again_plain, dumped);
    auto artifact = only_artifact(2);
    CHECK(artifact.name == "database.sql");
    CHECK(artifact.compression == "none");
    CHECK(artifact.warnings == std::vector<std::string>{"gzip is not installed on the server: artifacts stored uncompressed"});
    CHECK(content("database.sql") == "plain");
    CHECK_FALSE(fs::exists(dir.path() / "database.sql.gz.partial"));
  }
  SECTION("local: the server sends the plain dump in one session, gzip runs here") {
    site.backup.compress_on = tma::inventory::CompressOn::local;
    fake.reply(first_plain, dumped);
    auto artifact = only_artifact(1);
    CHECK(artifact.name == "database.sql.gz");
    CHECK(artifact.warnings.empty());
    CHECK(content("database.sql.gz") == "gzip");
  }
}

TEST_CASE("LocalCompressor: bounded queue, real gzip, failures reported", "[backup][store]") {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 7919) % 23);
  std::string compressed;
  {
    LocalCompressor gzip({"gzip", "-c"}, [&compressed](std::string_view c) {
      compressed.append(c);
      return true;
    });
    for (std::size_t at = 0; at < data.size(); at += 100000) {
      REQUIRE(gzip.push(std::string_view(data).substr(at, 100000)));
    }
    REQUIRE(gzip.finish());
  }
  TempDir dir;
  auto path = dir.write("x.gz", compressed);
  std::string back;
  tma::transport::ProcessOptions options;
  options.on_stdout = tma::transport::string_sink(back, 8 << 20);
  auto r = tma::transport::run_process({"gzip", "-dc", path}, options);
  REQUIRE(r);
  CHECK(r->ok());
  CHECK(back == data);
  CHECK(compressed.size() < data.size() / 4);

  // A sink that refuses data stops the compressor; the producer is told to stop.
  LocalCompressor refused({"gzip", "-c", "-1"}, [](std::string_view) { return false; });
  bool accepted = true;
  for (int i = 0; i < 400 && accepted; ++i) accepted = refused.push(data);
  CHECK_FALSE(accepted);
  auto stopped = refused.finish();
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().message == "local gzip: the artifact refused more data");

  // A compressor that fails says so, with its stderr.
  LocalCompressor broken({"gzip", "--no-such-option"}, [](std::string_view) { return true; });
  broken.push("abc");
  auto failed = broken.finish();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.rfind("local gzip failed (exit code 1)", 0) == 0);
}

TEST_CASE("overlapped SHA-256 equals the plain one over mixed chunk sizes", "[backup][store]") {
  // Known answer first: SHA-256("abc").
  Sha256 abc;
  abc.update("abc");
  CHECK(abc.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string data(5 * 1024 * 1024 + 123, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  Sha256 plain;
  plain.update(data);
  OverlappedSha256 overlapped;
  std::string_view rest = data;
  // Below and above the inline threshold, in the order a pipe delivers them.
  for (std::size_t size : {std::size_t{1}, std::size_t{4096}, std::size_t{1 << 20}, std::size_t{65536},
                           std::size_t{3 << 20}}) {
    auto chunk = rest.substr(0, std::min(size, rest.size()));
    overlapped.begin(chunk);
    overlapped.end();
    rest.remove_prefix(chunk.size());
  }
  overlapped.begin(rest);
  overlapped.end();
  CHECK(overlapped.hex() == plain.hex());
}

TEST_CASE("kind and compression from artifact names", "[backup][store]") {
  CHECK(kind_from_name("db.sql.gz") == ArtifactKind::database);
  CHECK(compression_from_name("db.sql.gz") == "gzip");
  CHECK(kind_from_name("files.tar.zst") == ArtifactKind::files);
  CHECK(compression_from_name("files.tar.zst") == "zstd");
  CHECK(kind_from_name("export.json") == ArtifactKind::other);
  CHECK(compression_from_name("export.json") == "none");
}

TEST_CASE("plain dump: option file and remote script keep the password off the command line", "[backup][mysqldump]") {
  tma::inventory::DatabaseDump spec;
  spec.user = "shop";
  spec.host = "db.internal";
  spec.port = 3307;
  spec.name = "shop db";
  auto file = tma::backup::mysql_option_file(spec, R"(p"w\x)");
  CHECK(file == "[client]\nuser=\"shop\"\npassword=\"p\\\"w\\\\x\"\nhost=\"db.internal\"\nport=3307\n");
  auto script = tma::backup::plain_dump_script(spec, file.size());
  REQUIRE(script);
  CHECK(*script == fmt::format("umask 077; f=$(mktemp) || exit 1; trap 'rm -f -- \"$f\"' EXIT; trap 'exit 1' HUP INT "
                               "TERM; dd bs=1 count={} of=\"$f\" 2>/dev/null || exit 1; 'mysqldump' "
                               "--defaults-extra-file=\"$f\" --single-transaction --quick 'shop db'",
                               file.size()));
  CHECK(script->find("p\"w") == std::string::npos);
  spec.name = "--all-databases";
  CHECK_FALSE(tma::backup::plain_dump_script(spec, 10));
  spec.host.clear();
  spec.port = 0;
  CHECK(tma::backup::mysql_option_file(spec, "") == "[client]\nuser=\"shop\"\n");
}
