// The metadata bundle (include/shadowport/metadata_bundle.h): round trip,
// atomic writing, and every refusal of a hostile bundle, built here with
// libarchive.
#include "shadowport/metadata_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "support/read_text.h"

namespace sp {
namespace {

namespace fs = std::filesystem;
using testing_support::ReadTextFile;

std::string Example(const std::string& name) {
  return ReadTextFile(std::string(SP_EXAMPLES_DIR) + "/" + name);
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xF]);
  }
  return hex;
}

struct RawEntry {
  RawEntry(std::string n, std::string d, unsigned int t = AE_IFREG,
           std::string l = "")
      : name(std::move(n)), data(std::move(d)), type(t), link(std::move(l)) {}

  std::string name;
  std::string data;
  unsigned int type;
  std::string link;  // symlink target or hard link target
};

// manifest.json listing `entries` (names and digests as given).
RawEntry Manifest(const std::vector<RawEntry>& entries) {
  nlohmann::json listed = nlohmann::json::array();
  for (const RawEntry& e : entries) {
    listed.push_back({{"name", e.name},
                      {"size", e.data.size()},
                      {"sha256", Sha256Hex(e.data)}});
  }
  nlohmann::json m = {{"format", "shadowport-metadata-bundle"},
                      {"version", 1},
                      {"entries", listed}};
  return {"manifest.json", m.dump()};
}

// Writes a tar (gzip unless `plain`) of `entries` as they are.
void BuildArchive(const std::string& path, const std::vector<RawEntry>& entries,
                  bool plain = false) {
  archive* a = archive_write_new();
  if (!plain) {
    ASSERT_EQ(archive_write_add_filter_gzip(a), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const RawEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.link.c_str());
    if (e.type == AE_IFREG && !e.link.empty()) {
      archive_entry_set_hardlink(entry, e.link.c_str());
    }
    if (e.type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(1, 3));
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK)
        << archive_error_string(a);
    if (!e.data.empty()) {
      ASSERT_EQ(archive_write_data(a, e.data.data(), e.data.size()),
                static_cast<la_ssize_t>(e.data.size()));
    }
    archive_entry_free(entry);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

// Entry names in archive order.
std::vector<std::string> ListArchive(const std::string& path) {
  std::vector<std::string> names;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  if (archive_read_open_filename(a, path.c_str(), 4096) == ARCHIVE_OK) {
    archive_entry* e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      names.emplace_back(archive_entry_pathname(e));
    }
  }
  archive_read_free(a);
  return names;
}

class MetadataBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sp_bundle_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    bcd_ = Example("bcd-transportable.xml");
    wmd_ = Example("wmd-postgresql.xml");
    ASSERT_FALSE(bcd_.empty());
    ASSERT_FALSE(wmd_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::set<std::string> DirEntries() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      names.insert(e.path().filename());
    }
    return names;
  }

  // The bundle of `entries` plus a correct manifest of them; read back.
  Status ReadBuilt(const std::vector<RawEntry>& entries, bool plain = false) {
    std::vector<RawEntry> all = entries;
    all.insert(all.begin(), Manifest(entries));
    return ReadRaw(all, plain);
  }
  // The bundle of exactly `entries`; read back.
  Status ReadRaw(const std::vector<RawEntry>& entries, bool plain = false) {
    std::string path = dir_ + "/built.tar.gz";
    BuildArchive(path, entries, plain);
    std::set<std::string> before = DirEntries();
    Result<MetadataBundle> r = ReadMetadataBundle(path);
    EXPECT_EQ(DirEntries(), before) << "reading wrote to the directory";
    return r.status();
  }

  std::string dir_;
  std::string bcd_;
  std::string wmd_;
};

#define EXPECT_REFUSED(expr, want, text)                                    \
  do {                                                                      \
    Status s_ = (expr);                                                     \
    EXPECT_EQ(s_.code(), Code::want) << s_.ToString();                      \
    EXPECT_NE(s_.message().find(text), std::string::npos) << s_.ToString(); \
  } while (0)

TEST_F(MetadataBundleTest, RoundTrip) {
  std::string path = dir_ + "/backup.spb";
  MetadataBundle bundle{bcd_, {wmd_, wmd_}};
  Status w = WriteMetadataBundle(path, bundle);
  ASSERT_TRUE(w.ok()) << w.ToString();
  EXPECT_EQ(DirEntries(), std::set<std::string>{"backup.spb"});  // no temp

  std::vector<std::string> names = ListArchive(path);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "manifest.json");
  EXPECT_EQ(names[1], "bcd.xml");
  EXPECT_EQ(names[2].substr(0, 8), "wmd/000-");
  EXPECT_EQ(names[3].substr(0, 8), "wmd/001-");
  for (const std::string& n : names) {
    EXPECT_EQ(n.find(' '), std::string::npos) << n;  // sanitized
  }

  Result<MetadataBundle> read = ReadMetadataBundle(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->bcd_xml, bcd_);
  EXPECT_EQ(read->wmd_xmls, bundle.wmd_xmls);
}

TEST_F(MetadataBundleTest, RoundTripWithoutWriters) {
  std::string path = dir_ + "/b";
  ASSERT_TRUE(WriteMetadataBundle(path, {bcd_, {}}).ok());
  Result<MetadataBundle> read = ReadMetadataBundle(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->wmd_xmls.empty());
}

TEST_F(MetadataBundleTest, OverwritesAtomically) {
  std::string path = dir_ + "/b";
  { std::ofstream(path) << "old"; }
  ASSERT_TRUE(WriteMetadataBundle(path, {bcd_, {wmd_}}).ok());
  EXPECT_EQ(DirEntries(), std::set<std::string>{"b"});
  EXPECT_TRUE(ReadMetadataBundle(path).ok());
}

TEST_F(MetadataBundleTest, WriteRefusesInvalidDocuments) {
  std::string path = dir_ + "/b";
  EXPECT_REFUSED(WriteMetadataBundle(path, {"<nope/>", {}}),
                 kInvalidXmlDocument, "BCD");
  EXPECT_REFUSED(WriteMetadataBundle(path, {bcd_, {wmd_, "<nope/>"}}),
                 kInvalidXmlDocument, "WMD 1");
  EXPECT_TRUE(DirEntries().empty());  // nothing written, no temp left
}

TEST_F(MetadataBundleTest, WriteIntoMissingDirectoryFails) {
  Status s = WriteMetadataBundle(dir_ + "/no/such/b", {bcd_, {}});
  EXPECT_EQ(s.code(), Code::kObjectNotFound) << s.ToString();
}

TEST_F(MetadataBundleTest, PlainTarIsAccepted) {
  Status s = ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-pg.xml", wmd_}}, true);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(MetadataBundleTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadMetadataBundle(dir_ + "/none").status().code(),
            Code::kObjectNotFound);
}

TEST_F(MetadataBundleTest, RefusesBadNames) {
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"/etc/cron.d/x", "x"}}),
                 kInvalidArg, "absolute name");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"../bcd.xml", "x"}}),
                 kInvalidArg, "'..'");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"wmd/../../x.xml", "x"}}),
                 kInvalidArg, "'..'");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"evil.sh", "x"}}), kInvalidArg,
                 "unexpected name");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"wmd/7-x.xml", wmd_}}),
                 kInvalidArg, "unexpected name");
}

TEST_F(MetadataBundleTest, RefusesLinksAndDevices) {
  EXPECT_REFUSED(
      ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-a.xml", "", AE_IFLNK, "/etc"}}),
      kInvalidArg, "symbolic link");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_},
                            {"wmd/000-a.xml", "", AE_IFREG, "bcd.xml"}}),
                 kInvalidArg, "hard link");
  EXPECT_REFUSED(
      ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-a.xml", "", AE_IFCHR}}),
      kInvalidArg, "device");
  EXPECT_REFUSED(
      ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-a.xml", "", AE_IFIFO}}),
      kInvalidArg, "not a plain file");
}

TEST_F(MetadataBundleTest, RefusesTooManyEntries) {
  std::vector<RawEntry> entries = {{"bcd.xml", bcd_}};
  for (int i = 0; i < 1100; ++i) entries.push_back({"wmd", "", AE_IFDIR});
  EXPECT_REFUSED(ReadBuilt(entries), kInvalidArg, "more than 1024 entries");
}

TEST_F(MetadataBundleTest, RefusesAnOversizedEntry) {
  std::string big(kMaxBundleEntryBytes + 1, '\0');
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-a.xml", big}}),
                 kInvalidArg, "over the entry limit");
}

TEST_F(MetadataBundleTest, RefusesOversizedTotal) {
  std::vector<RawEntry> entries = {{"bcd.xml", bcd_}};
  std::string chunk(30u << 20, '\0');
  for (int i = 0; i < 9; ++i) {
    entries.push_back({"wmd/00" + std::to_string(i) + "-a.xml", chunk});
  }
  EXPECT_REFUSED(ReadRaw(entries), kInvalidArg, "total limit");
}

TEST_F(MetadataBundleTest, RefusesMissingBcd) {
  EXPECT_REFUSED(ReadBuilt({{"wmd/000-a.xml", wmd_}}), kInvalidArg,
                 "no bcd.xml");
}

TEST_F(MetadataBundleTest, RefusesMissingManifest) {
  EXPECT_REFUSED(ReadRaw({{"bcd.xml", bcd_}}), kInvalidArg, "no manifest.json");
}

TEST_F(MetadataBundleTest, RefusesDigestMismatch) {
  std::vector<RawEntry> entries = {{"bcd.xml", bcd_}, {"wmd/000-a.xml", wmd_}};
  RawEntry manifest = Manifest(entries);
  entries[1].data[entries[1].data.size() / 2] ^= 1;  // after the manifest
  entries.insert(entries.begin(), manifest);
  EXPECT_REFUSED(ReadRaw(entries), kInvalidArg, "digest mismatch");
}

TEST_F(MetadataBundleTest, RefusesEntriesOutsideTheManifest) {
  std::vector<RawEntry> entries = {{"bcd.xml", bcd_}};
  std::vector<RawEntry> all = {
      Manifest(entries), {"bcd.xml", bcd_}, {"wmd/000-a.xml", wmd_}};
  EXPECT_REFUSED(ReadRaw(all), kInvalidArg, "not in manifest.json");
  std::vector<RawEntry> listed = {{"bcd.xml", bcd_}, {"wmd/000-a.xml", wmd_}};
  EXPECT_REFUSED(ReadRaw({Manifest(listed), {"bcd.xml", bcd_}}), kInvalidArg,
                 "the bundle lacks");
  EXPECT_REFUSED(ReadRaw({{"manifest.json", "{}"}, {"bcd.xml", bcd_}}),
                 kInvalidArg, "not a shadowport metadata bundle");
}

TEST_F(MetadataBundleTest, RefusesDuplicateNames) {
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"bcd.xml", bcd_}}), kInvalidArg,
                 "duplicate name");
}

TEST_F(MetadataBundleTest, RefusesInvalidDocuments) {
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", "<nope/>"}}), kInvalidXmlDocument,
                 "bcd.xml");
  EXPECT_REFUSED(ReadBuilt({{"bcd.xml", bcd_}, {"wmd/000-a.xml", bcd_}}),
                 kInvalidXmlDocument, "wmd/000-a.xml");
}

TEST_F(MetadataBundleTest, RefusesTruncatedFile) {
  std::string path = dir_ + "/b";
  ASSERT_TRUE(WriteMetadataBundle(path, {bcd_, {wmd_}}).ok());
  fs::resize_file(path, fs::file_size(path) / 2);
  EXPECT_REFUSED(ReadMetadataBundle(path).status(), kInvalidArg, path);
}

TEST_F(MetadataBundleTest, RefusesNotAnArchive) {
  std::string path = dir_ + "/b";
  { std::ofstream(path) << bcd_; }
  EXPECT_REFUSED(ReadMetadataBundle(path).status(), kInvalidArg,
                 "not a readable bundle");
  EXPECT_REFUSED(ReadMetadataBundle(dir_).status(), kInvalidArg,
                 "not a regular file");
}

}  // namespace
}  // namespace sp
