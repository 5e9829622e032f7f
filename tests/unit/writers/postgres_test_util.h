// Helpers of the PostgreSQL writer's unit tests: a temporary directory
// removed at the end of the test, small file makers, and a backup label as
// PostgreSQL 15's pg_backup_stop returns it.
#ifndef SHADOWPORT_TESTS_UNIT_WRITERS_POSTGRES_TEST_UTIL_H_
#define SHADOWPORT_TESTS_UNIT_WRITERS_POSTGRES_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "writers/postgres/backup_metadata.h"

namespace sp::postgres::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/sp-pg-XXXXXX";
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = std::filesystem::canonical(tmpl).string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// What pg_backup_stop gives for a backup that started at 0/2000028 on
// timeline 1 and stopped at 0/4000100 (16 MiB segments).
inline BackupMetadata SampleMetadata() {
  BackupMetadata m;
  m.label = "shadowport set {0b7f3c4e-1a2b-4c3d-8e9f-001122334455}";
  m.start_lsn = "0/2000028";
  m.stop_lsn = "0/4000100";
  m.wal_segment_size = 16u << 20;
  m.server_version_num = 150005;
  m.data_directory = "/srv/F/pgdata";
  m.backup_label =
      "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
      "CHECKPOINT LOCATION: 0/2000060\n"
      "BACKUP METHOD: streamed\n"
      "BACKUP FROM: primary\n"
      "START TIME: 2024-05-01 10:00:00 UTC\n"
      "LABEL: " +
      m.label +
      "\n"
      "START TIMELINE: 1\n";
  return m;
}

}  // namespace sp::postgres::testing

#endif  // SHADOWPORT_TESTS_UNIT_WRITERS_POSTGRES_TEST_UTIL_H_
