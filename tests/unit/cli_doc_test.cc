// Runs the built `shadowport` binary (SP_SHADOWPORT_BIN) on documents: the
// examples of docs/formats/examples (SP_EXAMPLES_DIR), documents saved here
// from the model, and broken files. Checks exit codes (the code table's, 2
// for usage errors), that errors name the file and line, and the --json
// output. No root needed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "shadowport/metadata_bundle.h"
#include "support/read_text.h"

namespace sp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

void WriteAll(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << path;
}

Guid G(uint8_t seed) {
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(seed + i);
  }
  bytes[6] = 0x40 | (bytes[6] & 0x0F);
  bytes[8] = 0x80 | (bytes[8] & 0x3F);
  return Guid(bytes);
}

LunInformation Lun(const std::string& lun_id, char digit) {
  LunInformation lun;
  lun.array_id = "{11111111-2222-4333-8444-555555555555}";
  lun.lun_id = lun_id;
  lun.vendor_id = "SHADOWPT";
  lun.product_id = "ARRAYD LUN";
  lun.product_revision = "0001";
  lun.serial_number = "SN-" + lun_id;
  lun.unique_id = "naa.6" + std::string(31, digit);
  lun.size_bytes = 1ull << 30;
  return lun;
}

BackupComponentsDocument MakeBcd() {
  BackupComponentsDocument bcd;
  bcd.backup_type = BackupType::kFull;
  WriterComponents w;
  w.writer_id = G(1);
  w.instance_id = G(2);
  w.instance_name = "main";
  BcdComponent db;
  db.type = ComponentType::kDatabase;
  db.logical_path = "PostgreSQL";
  db.name = "main";
  db.backup_stamp = "lsn 0/3000028";
  db.backup_metadata = std::string("\x00\x01\xFEmeta", 7);
  db.backup_succeeded = true;
  w.components.push_back(db);
  BcdComponent fg;
  fg.name = "config";
  w.components.push_back(fg);
  bcd.writers.push_back(w);

  SnapshotSetDescription set;
  set.snapshot_set_id = G(3);
  set.context = static_cast<uint32_t>(Context::kBackup) | attr::kTransportable;
  set.creating_host = "systemone";
  SnapshotDescription s;
  s.snapshot_id = G(4);
  s.provider_id = G(5);
  s.attributes =
      attr::kTransportable | attr::kHardwareAssisted | attr::kNotSurfaced;
  s.creation_time_us = 1714557600250000;  // 2024-05-01T10:00:00.25Z
  s.original = {"/dev/loop3", "/srv/F", "xfs",
                "0b7c8e0e-2a51-4f0b-9a55-0fd6c2d4e0a1"};
  s.luns.push_back({Lun("7", 'a'), Lun("12", 'b')});
  set.snapshots.push_back(s);
  bcd.snapshot_set = set;
  return bcd;
}

WriterMetadata MakeWmd() {
  WriterMetadata wmd;
  wmd.identity.writer_id = G(1);
  wmd.identity.instance_id = G(2);
  wmd.identity.writer_name = "PostgreSQL";
  wmd.identity.instance_name = "main";
  wmd.identity.source = SourceType::kTransactedDb;
  WmdComponent db;
  db.type = ComponentType::kDatabase;
  db.logical_path = "PostgreSQL";
  db.name = "main";
  db.caption = "cluster main";
  db.selectable = true;
  db.flags = component_flags::kBackupRecovery;
  FileDescriptor data;
  data.path = "/var/lib/postgresql/15/main";
  data.filespec = "*";
  data.recursive = true;
  db.database_files.push_back(data);
  FileDescriptor wal = data;
  wal.path = "/var/lib/postgresql/15/main/pg_wal";
  db.log_files.push_back(wal);
  wmd.components.push_back(db);
  return wmd;
}

class CliDocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "cli_doc_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the binary with `args`, stdout and stderr captured in files.
  RunResult Run(const std::vector<std::string>& args) {
    const fs::path out_path = dir_ / "stdout";
    const fs::path err_path = dir_ / "stderr";
    std::vector<std::string> argv_storage = {SP_SHADOWPORT_BIN};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_storage.size() + 1);
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int out =
          ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err =
          ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
        ::_exit(127);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    RunResult result;
    int wstatus = 0;
    if (pid < 0 || ::waitpid(pid, &wstatus, 0) != pid) return result;
    result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    result.out = sp::testing_support::ReadTextFile(out_path);
    result.err = sp::testing_support::ReadTextFile(err_path);
    return result;
  }

  fs::path Write(const std::string& name, std::string_view data) {
    fs::path path = dir_ / name;
    WriteAll(path, data);
    return path;
  }

  fs::path SavedBcd() {
    Result<std::string> xml = SaveBcd(MakeBcd());
    EXPECT_TRUE(xml.ok()) << xml.status().ToString();
    return Write("bcd.xml", xml.ok() ? *xml : "");
  }

  fs::path SavedWmd() {
    Result<std::string> xml = SaveWmd(MakeWmd());
    EXPECT_TRUE(xml.ok()) << xml.status().ToString();
    return Write("wmd.xml", xml.ok() ? *xml : "");
  }

  fs::path dir_;
};

int ExitOf(Code code) { return InfoOf(code).exit_code; }

std::vector<fs::path> Examples() {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SP_EXAMPLES_DIR, ec)) {
    if (entry.path().extension() == ".xml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(CliDocTest, EveryExampleValidatesAndShows) {
  const std::vector<fs::path> examples = Examples();
  ASSERT_FALSE(examples.empty()) << "no *.xml in " << SP_EXAMPLES_DIR;
  for (const fs::path& example : examples) {
    SCOPED_TRACE(example.string());
    RunResult validate = Run({"doc", "validate", example});
    EXPECT_EQ(validate.exit_code, 0) << validate.err;
    EXPECT_NE(validate.out.find("valid"), std::string::npos);
    EXPECT_EQ(validate.err, "");

    RunResult show = Run({"doc", "show", example});
    EXPECT_EQ(show.exit_code, 0) << show.err;
    EXPECT_NE(show.out.find("Document"), std::string::npos) << show.out;

    RunResult as_json = Run({"doc", "show", "--json", example});
    ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
    const json j = json::parse(as_json.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << as_json.out;
    const std::string kind = j.value("document", "");
    EXPECT_TRUE(kind == "bcd" || kind == "wmd") << kind;
    // --type names the kind the loader found.
    EXPECT_EQ(Run({"doc", "validate", "--type", kind, example}).exit_code, 0);
    EXPECT_EQ(Run({"doc", "validate", "--type", kind == "bcd" ? "wmd" : "bcd",
                   example})
                  .exit_code,
              ExitOf(Code::kInvalidXmlDocument));
  }
}

TEST_F(CliDocTest, BcdJsonCarriesTheSnapshotSet) {
  const fs::path path = SavedBcd();
  RunResult r = Run({"doc", "show", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["document"], "bcd");
  EXPECT_EQ(j["backup_type"], "VSS_BT_FULL");
  EXPECT_EQ(j["counts"]["writers"], 1);
  EXPECT_EQ(j["counts"]["components"], 2);
  EXPECT_EQ(j["counts"]["luns"], 1);
  const json& w = j["writers"][0];
  EXPECT_EQ(w["writer_id"], G(1).ToString());
  EXPECT_EQ(w["instance_name"], "main");
  const json& db = w["components"][0];
  EXPECT_EQ(db["type"], "VSS_CT_DATABASE");
  EXPECT_EQ(db["full_path"], "PostgreSQL\\main");
  EXPECT_EQ(db["backup_succeeded"], true);
  EXPECT_EQ(db["backup_metadata_base64"], "AAH+bWV0YQ==");
  EXPECT_TRUE(w["components"][1]["backup_succeeded"].is_null());

  const json& set = j["snapshot_set"];
  EXPECT_EQ(set["snapshot_set_id"], G(3).ToString());
  EXPECT_EQ(set["context"]["name"], "VSS_CTX_BACKUP");
  EXPECT_EQ(set["context"]["modifiers"], "TRANSPORTABLE");
  EXPECT_EQ(set["context"]["value"], attr::kTransportable);
  EXPECT_EQ(set["creating_host"], "systemone");
  const json& s = set["snapshots"][0];
  EXPECT_EQ(s["snapshot_id"], G(4).ToString());
  EXPECT_EQ(s["attributes"], "TRANSPORTABLE NOT_SURFACED HARDWARE_ASSISTED");
  EXPECT_EQ(s["creation_time"], "2024-05-01T10:00:00.250000Z");
  EXPECT_EQ(s["original_volume"]["mount_point"], "/srv/F");
  EXPECT_EQ(s["luns"][0]["source"]["unique_id"],
            "naa.6" + std::string(31, 'a'));
  EXPECT_EQ(s["luns"][0]["destination"]["lun_id"], "12");
  EXPECT_EQ(s["luns"][0]["destination"]["size_bytes"], 1ull << 30);
}

TEST_F(CliDocTest, BcdTextNamesWritersComponentsAndLuns) {
  const fs::path path = SavedBcd();
  RunResult r = Run({"doc", "show", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& needle :
       {std::string("Backup Components Document"), G(1).ToString(),
        std::string("\"PostgreSQL\\main\" (VSS_CT_DATABASE)"),
        std::string("lsn 0/3000028"), "Snapshot set " + G(3).ToString(),
        std::string("VSS_CTX_BACKUP TRANSPORTABLE"),
        std::string("2024-05-01T10:00:00.250000Z"),
        std::string("/dev/loop3 on /srv/F, xfs"),
        "naa.6" + std::string(31, 'b')}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << " not in:\n"
                                                     << r.out;
  }
}

TEST_F(CliDocTest, WmdTextAndJson) {
  const fs::path path = SavedWmd();
  RunResult text = Run({"doc", "show", path});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* needle :
       {"Writer Metadata Document", "\"PostgreSQL\"", "VSS_ST_TRANSACTEDDB",
        "/var/lib/postgresql/15/main/pg_wal (*, recursive)",
        "BACKUP_RECOVERY"}) {
    EXPECT_NE(text.out.find(needle), std::string::npos)
        << needle << " not in:\n"
        << text.out;
  }

  RunResult r = Run({"doc", "show", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["document"], "wmd");
  EXPECT_EQ(j["identity"]["writer_name"], "PostgreSQL");
  EXPECT_EQ(j["identity"]["instance_id"], G(2).ToString());
  EXPECT_EQ(j["identity"]["usage"], "VSS_UT_USERDATA");
  const json& c = j["components"][0];
  EXPECT_EQ(c["full_path"], "PostgreSQL\\main");
  EXPECT_EQ(c["flags"], "BACKUP_RECOVERY");
  EXPECT_EQ(c["database_files"][0]["path"], "/var/lib/postgresql/15/main");
  EXPECT_EQ(c["database_files"][0]["recursive"], true);
  EXPECT_EQ(c["log_files"].size(), 1u);

  RunResult ok = Run({"doc", "validate", path});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, path.string() + ": valid WMD (1 components)\n");
}

// What systemTwo receives: `doc show` reads a metadata bundle and shows its
// BCD and every WMD.
TEST_F(CliDocTest, BundleShowsItsBcdAndEveryWmd) {
  const fs::path path = dir_ / "set.metadata";
  MetadataBundle bundle;
  bundle.bcd_xml = *SaveBcd(MakeBcd());
  bundle.wmd_xmls = {*SaveWmd(MakeWmd())};
  ASSERT_TRUE(WriteMetadataBundle(path, bundle).ok());

  RunResult text = Run({"doc", "show", path});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const std::string& needle :
       {std::string("metadata bundle"), std::string("1 writer metadata"),
        std::string("Backup Components Document"),
        "Snapshot set " + G(3).ToString(),
        std::string("Writer Metadata Document"),
        std::string("/var/lib/postgresql/15/main/pg_wal (*, recursive)")}) {
    EXPECT_NE(text.out.find(needle), std::string::npos)
        << needle << " not in:\n"
        << text.out;
  }

  RunResult r = Run({"doc", "show", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["bcd"]["document"], "bcd");
  EXPECT_EQ(j["bcd"]["snapshot_set"]["snapshot_set_id"], G(3).ToString());
  ASSERT_EQ(j["wmds"].size(), 1u);
  EXPECT_EQ(j["wmds"][0]["identity"]["writer_name"], "PostgreSQL");

  // A damaged bundle is an error, not a summary of what could be read.
  const fs::path broken = Write("broken.metadata", "\x1f\x8b garbage");
  EXPECT_NE(Run({"doc", "show", broken}).exit_code, 0);
}

TEST_F(CliDocTest, MissingFileIsObjectNotFound) {
  const std::string path = (dir_ / "absent.xml").string();
  for (const char* verb : {"show", "validate"}) {
    RunResult r = Run({"doc", verb, path});
    EXPECT_EQ(r.exit_code, ExitOf(Code::kObjectNotFound)) << verb;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("shadowport: VSS_E_OBJECT_NOT_FOUND", 0), 0u)
        << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  }
}

// Replaces the first occurrence of `from` in `xml`; returns its 1-based line.
int ReplaceFirst(std::string& xml, std::string_view from, std::string_view to) {
  const size_t at = xml.find(from);
  if (at == std::string::npos) return -1;
  xml.replace(at, from.size(), to);
  return 1 + static_cast<int>(std::count(xml.begin(), xml.begin() + at, '\n'));
}

TEST_F(CliDocTest, InvalidDocumentNamesTheLine) {
  Result<std::string> saved = SaveBcd(MakeBcd());
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();

  // Schema-invalid: a snapshot id that is not a GUID.
  std::string bad_id = *saved;
  const int id_line = ReplaceFirst(bad_id, G(4).ToString(), "not-a-guid");
  ASSERT_GT(id_line, 1) << "saved BCD has its snapshot id on the first line";
  // Not well formed: the creating host attribute loses its closing quote.
  std::string bad_xml = *saved;
  const int xml_line = ReplaceFirst(bad_xml, "\"systemone\"", "\"systemone <");
  ASSERT_GT(xml_line, 1);

  for (const auto& [name, xml, line] :
       {std::tuple{"bad_id.xml", bad_id, id_line},
        std::tuple{"bad_xml.xml", bad_xml, xml_line}}) {
    SCOPED_TRACE(name);
    const fs::path path = Write(name, xml);
    for (const char* verb : {"show", "validate"}) {
      RunResult r = Run({"doc", verb, path});
      EXPECT_EQ(r.exit_code, ExitOf(Code::kInvalidXmlDocument)) << r.err;
      EXPECT_EQ(r.out, "");
      EXPECT_EQ(r.err.rfind("shadowport: VSS_E_INVALID_XML_DOCUMENT", 0), 0u)
          << r.err;
      EXPECT_NE(r.err.find(path.string()), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("line " + std::to_string(line)), std::string::npos)
          << "want line " << line << " in: " << r.err;
    }
  }
}

TEST_F(CliDocTest, OversizeFileIsRefusedBeforeReading) {
  const fs::path path = dir_ / "huge.xml";
  WriteAll(path, "<");
  // Sparse: costs no disk, and a program that read it would take seconds.
  fs::resize_file(path, kMaxDocumentBytes + 1);
  RunResult r = Run({"doc", "validate", path});
  EXPECT_EQ(r.exit_code, ExitOf(Code::kInvalidXmlDocument));
  EXPECT_NE(r.err.find("document is " + std::to_string(kMaxDocumentBytes + 1) +
                       " bytes, over the 32 MiB limit"),
            std::string::npos)
      << r.err;

  // Exactly at the limit the size check passes and the parser decides.
  fs::resize_file(path, kMaxDocumentBytes);
  r = Run({"doc", "validate", path});
  EXPECT_EQ(r.exit_code, ExitOf(Code::kInvalidXmlDocument));
  EXPECT_EQ(r.err.find("MiB limit"), std::string::npos) << r.err;
}

TEST_F(CliDocTest, WrongRootElementIsInvalid) {
  const fs::path path =
      Write("root.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<BACKUP_LOCATIONS xmlns=\"urn:shadowport:bcd:1\"/>\n");
  RunResult r = Run({"doc", "show", path});
  EXPECT_EQ(r.exit_code, ExitOf(Code::kInvalidXmlDocument));
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;

  // A valid WMD is the wrong root for --type bcd.
  const fs::path wmd = SavedWmd();
  r = Run({"doc", "validate", "--type", "bcd", wmd});
  EXPECT_EQ(r.exit_code, ExitOf(Code::kInvalidXmlDocument)) << r.err;
  EXPECT_EQ(Run({"doc", "validate", "--type", "WMD", wmd}).exit_code, 0);
}

TEST_F(CliDocTest, DirectoryIsAnIoError) {
  RunResult r = Run({"doc", "show", dir_});
  EXPECT_EQ(r.exit_code, ExitOf(Code::kIoError)) << r.err;
  EXPECT_NE(r.err.find(dir_.string()), std::string::npos) << r.err;
}

TEST_F(CliDocTest, UsageErrorsExitTwo) {
  const fs::path path = SavedWmd();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {},
           {"doc"},
           {"doc", "show"},
           {"doc", "frobnicate", path},
           {"doc", "show", "--no-such-flag", path},
           {"doc", "validate", "--type", "xyz", path},
           {"nosuchverb"}}) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
    EXPECT_FALSE(r.err.empty());
  }
  RunResult help = Run({"doc", "show", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--json"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace sp
