// WAL names, the archive cleanup rule and the backup metadata document of
// the PostgreSQL writer (wal_names.h, archive_cleanup.h, backup_metadata.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "unit/writers/postgres_test_util.h"
#include "writers/postgres/archive_cleanup.h"
#include "writers/postgres/backup_metadata.h"
#include "writers/postgres/wal_names.h"

namespace sp::postgres {
namespace {

using testing::SampleMetadata;
using testing::TempDir;
using testing::WriteFile;

TEST(PostgresWalNames, Classifies) {
  EXPECT_TRUE(IsWalSegmentName("000000010000000000000002"));
  EXPECT_FALSE(IsWalSegmentName("00000001000000000000000g"));
  EXPECT_FALSE(IsWalSegmentName("000000010000000000000002a"));
  EXPECT_FALSE(IsWalSegmentName("00000001000000000000000a"));  // lower case
  EXPECT_TRUE(IsPartialWalSegmentName("000000010000000000000002.partial"));
  EXPECT_TRUE(IsBackupHistoryName("000000010000000000000002.00000028.backup"));
  EXPECT_TRUE(IsTimelineHistoryName("00000002.history"));
  EXPECT_FALSE(IsTimelineHistoryName("0000002.history"));
}

TEST(PostgresWalNames, OlderIgnoresTimelineAsPgArchivecleanup) {
  const std::string kept = "000000020000000100000005";
  EXPECT_TRUE(IsOlderWalFile("000000020000000100000004", kept));
  EXPECT_TRUE(IsOlderWalFile("0000000200000000000000FF", kept));
  // A segment of the parent timeline before the kept one goes too...
  EXPECT_TRUE(IsOlderWalFile("000000010000000100000004", kept));
  // ... but not one at or after it, whatever its timeline.
  EXPECT_FALSE(IsOlderWalFile("000000010000000100000005", kept));
  EXPECT_FALSE(IsOlderWalFile("000000030000000100000006", kept));
  EXPECT_FALSE(IsOlderWalFile(kept, kept));
  EXPECT_TRUE(IsOlderWalFile("000000020000000100000004.partial", kept));
  // History and backup history files are never removed.
  EXPECT_FALSE(IsOlderWalFile("00000001.history", kept));
  EXPECT_FALSE(
      IsOlderWalFile("000000010000000000000002.00000028.backup", kept));
  EXPECT_FALSE(IsOlderWalFile("README", kept));
}

TEST(PostgresWalNames, SegmentNumbersRoundTrip) {
  const uint64_t size = 16u << 20;
  auto s = ParseWalSegmentName("0000000100000001000000FF", size);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->timeline, 1u);
  EXPECT_EQ(s->segment_number, 256u + 255u);
  EXPECT_EQ(WalSegmentName({1, 512}, size), "000000010000000200000000");
  // seg part out of range for 16 MiB segments (256 per log id).
  EXPECT_FALSE(ParseWalSegmentName("000000010000000100000100", size));
  EXPECT_EQ(ParseLsn("0/2000028"), 0x2000028u);
  EXPECT_EQ(ParseLsn("1/A"), 0x10000000Au);
  EXPECT_FALSE(ParseLsn("12345"));
  EXPECT_FALSE(ParseLsn("0/123456789"));
}

TEST(PostgresArchiveCleanup, RemovesOnlyOlderSegmentFiles) {
  TempDir t;
  const std::string a = t.path();
  for (const char* name :
       {"000000010000000000000001", "000000010000000000000002",
        "000000010000000000000003", "000000010000000000000004",
        "000000010000000000000002.partial", "00000001.history",
        "000000010000000000000002.00000028.backup", "notes.txt"}) {
    WriteFile(a + "/" + name, "x");
  }
  // A directory and a symlink with old segment names are never touched.
  std::filesystem::create_directory(a + "/000000010000000000000000");
  std::filesystem::create_symlink("/etc/hostname",
                                  a + "/0000000100000000000000AA");
  std::filesystem::create_symlink("/etc/hostname",
                                  a + "/000000000000000000000001");
  Result<CleanupReport> r = CleanupArchive(a, "000000010000000000000003");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed,
            (std::vector<std::string>{"000000010000000000000001",
                                      "000000010000000000000002",
                                      "000000010000000000000002.partial"}));
  for (const char* kept :
       {"000000010000000000000003", "000000010000000000000004",
        "00000001.history", "000000010000000000000002.00000028.backup",
        "notes.txt", "000000010000000000000000", "000000000000000000000001"}) {
    EXPECT_TRUE(std::filesystem::exists(
        std::filesystem::symlink_status(a + "/" + kept)))
        << kept;
  }
  // Repeating it removes nothing more.
  r = CleanupArchive(a, "000000010000000000000003");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->removed.empty());
}

TEST(PostgresArchiveCleanup, RefusesBadInput) {
  TempDir t;
  EXPECT_EQ(CleanupArchive(t.path(), "../../etc/passwd").status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(CleanupArchive(t.path() + "/missing", "000000010000000000000003")
                .status()
                .code(),
            Code::kObjectNotFound);
}

TEST(PostgresBackupMetadata, CompletesFromLabelAndRoundTrips) {
  BackupMetadata m = SampleMetadata();
  ASSERT_TRUE(CompleteBackupMetadata(m).ok());
  EXPECT_EQ(m.start_wal_file, "000000010000000000000002");
  EXPECT_EQ(m.timeline, 1u);
  // Stop at 0/4000100: the segment holding the byte before it.
  EXPECT_EQ(m.stop_wal_file, "000000010000000000000004");
  const std::string text = SerializeBackupMetadata(m);
  Result<BackupMetadata> back = ParseBackupMetadata(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  // A stop exactly at a segment boundary needs the segment before it only.
  BackupMetadata b = SampleMetadata();
  b.stop_lsn = "0/4000000";
  ASSERT_TRUE(CompleteBackupMetadata(b).ok());
  EXPECT_EQ(b.stop_wal_file, "000000010000000000000003");
}

void ExpectRefused(const std::string& text, const std::string& needle) {
  Result<BackupMetadata> r = ParseBackupMetadata(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), Code::kInvalidArg);
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << r.status().message();
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(PostgresBackupMetadata, RefusesHostileDocuments) {
  BackupMetadata m = SampleMetadata();
  ASSERT_TRUE(CompleteBackupMetadata(m).ok());
  const std::string good = SerializeBackupMetadata(m);
  ExpectRefused("[1,2]", "not a JSON object");
  ExpectRefused("{", "not a JSON object");
  ExpectRefused(std::string(kMaxBackupMetadataBytes + 1, ' '), "1 MiB");
  ExpectRefused(Replace(good, "shadowport-postgres-backup/1", "other/9"),
                "format");
  ExpectRefused(Replace(good, "\"label\"", "\"extra\": 1, \"label\""),
                "unknown field");
  // A start file that would make the cleanup remove newer WAL.
  ExpectRefused(Replace(good, "\"start_wal_file\": \"000000010000000000000002",
                        "\"start_wal_file\": \"000000010000000000000009"),
                "do not match");
  ExpectRefused(Replace(good, "\"start_wal_file\": \"000000010000000000000002",
                        "\"start_wal_file\": \"../../../../etc/passwd00000"),
                "segment names");
  ExpectRefused(
      Replace(good, "\"stop_lsn\": \"0/4000100", "\"stop_lsn\": \"0/1000000"),
      "before start_lsn");
  ExpectRefused(Replace(good, "\"wal_segment_size\": 16777216",
                        "\"wal_segment_size\": 1000"),
                "wal_segment_size");
  ExpectRefused(Replace(good, "\"timeline\": 1", "\"timeline\": \"1\""),
                "timeline must be a number");
  ExpectRefused(Replace(good, "\"tablespace_map\": \"\"",
                        "\"tablespace_map\": \"16385 /srv/../etc\""),
                "tablespace_map path");
  ExpectRefused(Replace(good, "\"tablespace_map\": \"\"",
                        "\"tablespace_map\": \"x /srv/ts\""),
                "oid");
  // A label is written into the restored postgresql.auto.conf as a comment:
  // a newline in it would add settings.
  ExpectRefused(Replace(good, "\"label\": \"" + m.label,
                        "\"label\": \"x\\nrecovery_end_command = 'rm -rf /'"),
                "label must be");
}

TEST(PostgresBackupMetadata, ParsesTablespaceMap) {
  Result<std::vector<Tablespace>> t =
      ParseTablespaceMap("16385 /srv/ts1\n16390 /srv/ts two\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[1].location, "/srv/ts two");
  EXPECT_FALSE(ParseTablespaceMap("16385 /a\n16385 /b\n").ok());
  EXPECT_FALSE(ParseTablespaceMap("16385 relative\n").ok());
}

TEST(PostgresBackupMetadata, TablespaceMapUsesPostgresEscapes) {
  // pg_backup_stop escapes '\n', '\r' and '\\' in a location.
  const std::string map = "16385 /srv/a\\\\b\n16386 /srv/new\\\nline\n";
  Result<std::vector<Tablespace>> t = ParseTablespaceMap(map);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].location, "/srv/a\\b");
  EXPECT_EQ((*t)[1].location, "/srv/new\nline");
  EXPECT_EQ(FormatTablespaceMap(*t), map);
  EXPECT_FALSE(ParseTablespaceMap("16385 /srv/a\\").ok());
  EXPECT_EQ(FormatTablespaceMap({}), "");
}

}  // namespace
}  // namespace sp::postgres
