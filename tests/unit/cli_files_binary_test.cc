// `shadowport files` and the selection options of `shadowport create` as a
// program (no root, no service): the fake exposure of file_listing_fixture.h
// given with --exposure, the BCD and WMD as files or in a metadata bundle;
// and the usage errors that need no service.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/import_env.h"
#include "os/process.h"
#include "shadowport/documents.h"
#include "shadowport/metadata_bundle.h"
#include "unit/file_listing_fixture.h"

namespace sp::cli {
namespace {

using testing_support::FakeExposure;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CliRun Shadowport(std::vector<std::string> args) {
  args.insert(args.begin(), SP_SHADOWPORT_BIN);
  os::RunOptions options;
  options.timeout = std::chrono::seconds(60);
  Result<os::ProcessResult> r = os::RunProcess(args, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return CliRun{r->exit_code, r->out, r->err};
}

class FilesVerb : public ::testing::Test, protected FakeExposure {
 protected:
  // Writes the BCD selecting `picks` and the WMD; returns the BCD's path.
  std::string WriteDocuments(std::vector<BcdComponent> picks) {
    Result<std::string> bcd = SaveBcd(Bcd(std::move(picks)));
    Result<std::string> wmd = SaveWmd(this->wmd());
    EXPECT_TRUE(bcd.ok()) << bcd.status().ToString();
    EXPECT_TRUE(wmd.ok()) << wmd.status().ToString();
    std::ofstream(base() + "/bcd.xml") << *bcd;
    std::ofstream(base() + "/wmd.xml") << *wmd;
    bundle_ = MetadataBundle{*bcd, {*wmd}};
    return base() + "/bcd.xml";
  }
  std::string Exposure() const { return "--exposure=/srv/F=" + root(); }
  MetadataBundle bundle_;
};

TEST_F(FilesVerb, ListsExposedPathsFromABcdAndItsWmd) {
  const std::string bcd = WriteDocuments(
      {Pick("", "config"), Pick("", "sqlite", ComponentType::kDatabase)});
  CliRun run =
      Shadowport({"files", bcd, "--wmd", base() + "/wmd.xml", Exposure()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, root() + "/db/main.db\n" + root() + "/db/main.db-wal\n");

  CliRun relative = Shadowport({"files", bcd, "--wmd", base() + "/wmd.xml",
                                Exposure(), "--relative", "--null"});
  ASSERT_EQ(relative.exit_code, 0) << relative.err;
  EXPECT_EQ(relative.out, std::string("db/main.db\0db/main.db-wal\0", 26));

  // Without the WMD the files cannot be told.
  CliRun no_wmd = Shadowport({"files", bcd, Exposure()});
  EXPECT_EQ(no_wmd.exit_code, InfoOf(Code::kObjectNotFound).exit_code);
  EXPECT_NE(no_wmd.err.find("--wmd"), std::string::npos) << no_wmd.err;
}

TEST_F(FilesVerb, BundleAndJson) {
  WriteDocuments({Pick("", "config"), Pick("", "pgdata")});
  const std::string bundle = base() + "/set.spb";
  ASSERT_TRUE(WriteMetadataBundle(bundle, bundle_).ok());
  CliRun run = Shadowport(
      {"files", bundle, Exposure(), "--json", "--component", "pgdata\\wal"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(run.out);
  ASSERT_EQ(doc["files"].size(), 2u) << run.out;
  EXPECT_EQ(doc["files"][0]["path"], root() + "/wal/000000010000000000000001");
  EXPECT_EQ(doc["files"][0]["original_path"],
            "/srv/F/wal/000000010000000000000001");
  EXPECT_EQ(doc["files"][0]["component"], "pgdata\\wal");
  EXPECT_EQ(doc["files"][0]["writer_name"], "TestWriter");
  EXPECT_EQ(doc["files"][0]["type"], "file");

  CliRun all = Shadowport({"files", bundle, Exposure(), "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const nlohmann::json everything = nlohmann::json::parse(all.out);
  EXPECT_EQ(everything["files"].size(), 7u) << all.out;
  EXPECT_EQ(everything["missing_directories"][0], "/srv/F/etc");
}

TEST_F(FilesVerb, EscapesAndBadInputFail) {
  AddComponentWithFiles("escaping", "/srv/F/pgdata/escape_dir", "*", true);
  const std::string bcd =
      WriteDocuments({Pick("", "config"), Pick("", "escaping")});
  CliRun escape =
      Shadowport({"files", bcd, "--wmd", base() + "/wmd.xml", Exposure()});
  EXPECT_EQ(escape.exit_code, InfoOf(Code::kPathEscape).exit_code)
      << escape.err;
  EXPECT_NE(escape.err.find("SP_E_PATH_ESCAPE"), std::string::npos)
      << escape.err;
  EXPECT_EQ(escape.out, "");

  CliRun bad_exposure = Shadowport(
      {"files", bcd, "--wmd", base() + "/wmd.xml", "--exposure", "/srv/F"});
  EXPECT_EQ(bad_exposure.exit_code, InfoOf(Code::kInvalidArg).exit_code);

  // No --exposure: the BCD has no snapshot set to ask the service about.
  CliRun no_set = Shadowport({"files", bcd, "--wmd", base() + "/wmd.xml"});
  EXPECT_EQ(no_set.exit_code, InfoOf(Code::kNontransportableBcd).exit_code)
      << no_set.err;
}

TEST(CreateOptions, SelectionMistakesNeedNoService) {
  const std::string socket = "/tmp/sp-cli-files-no-such-dir/shadowportd.sock";
  CliRun no_writers = Shadowport({"create", "--no-writers", "--component",
                                  "PG:data", "/srv/F", "--socket", socket});
  EXPECT_EQ(no_writers.exit_code, InfoOf(Code::kInvalidArg).exit_code)
      << no_writers.err;
  EXPECT_NE(no_writers.err.find("without writers"), std::string::npos)
      << no_writers.err;
  CliRun exclude = Shadowport({"create", "--no-writers", "--exclude-writer",
                               "PG", "/srv/F", "--socket", socket});
  EXPECT_EQ(exclude.exit_code, InfoOf(Code::kInvalidArg).exit_code);
  CliRun malformed = Shadowport(
      {"create", "--component", "no-colon", "/srv/F", "--socket", socket});
  EXPECT_EQ(malformed.exit_code, InfoOf(Code::kInvalidArg).exit_code)
      << malformed.err;
  EXPECT_NE(malformed.err.find("WRITER:LOGICAL"), std::string::npos);
  // Well-formed: it gets as far as the (absent) service.
  CliRun fine = Shadowport(
      {"create", "--component", "PG:data", "/srv/F", "--socket", socket});
  EXPECT_EQ(fine.exit_code, InfoOf(Code::kUnavailable).exit_code) << fine.err;
}

TEST(BuildImportEnvironment, NamesTheFileListWhenThereIsOne) {
  SnapshotSetDescription set;
  ImportResult result;
  const FileListFile files{"/tmp/list", 42};
  std::vector<std::string> with =
      BuildImportEnvironment(set, result, "b", &files);
  EXPECT_NE(
      std::find(with.begin(), with.end(), "SHADOWPORT_FILE_LIST=/tmp/list"),
      with.end());
  EXPECT_NE(std::find(with.begin(), with.end(), "SHADOWPORT_FILE_COUNT=42"),
            with.end());
  for (const std::string& e : BuildImportEnvironment(set, result, "b")) {
    EXPECT_FALSE(e.starts_with("SHADOWPORT_FILE_")) << e;
  }
}

}  // namespace
}  // namespace sp::cli
