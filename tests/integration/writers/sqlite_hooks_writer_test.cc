// The hook-script and SQLite writers with a real shadowportd (the fixture:
// real array, loop volumes, the real freezer). Hook scripts that veto, hang
// past their deadline or crash at Freeze: the set is aborted, no filesystem
// stays frozen, an application writing to the volume keeps working, and the
// thaw scripts ran. A SQLite database under a writing application: its
// writes wait while the set is cut and go on after, and its WAL is
// truncated only after BackupComplete with success.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/shadowportd_fixture.h"
#include "shadowport/context.h"

namespace sp::testing_support {
namespace {

using std::chrono::milliseconds;

struct Progress {
  int64_t last_tx = 0;
  int64_t max_latency_ms = 0;
};

Progress ReadProgress(const std::string& path) {
  Progress p;
  std::istringstream in(ReadFile(path));
  int64_t tx = 0, latency = 0;
  while (in >> tx >> latency) {
    p.last_tx = tx;
    p.max_latency_ms = std::max(p.max_latency_ms, latency);
  }
  return p;
}

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

class WriterProgramsTest : public ShadowportdTest {
 protected:
  void TearDown() override {
    for (auto& w : writers_) w.reset();  // SIGKILL and reaped if still running
    app_.reset();
    ShadowportdTest::TearDown();
  }

  // Starts a writer program; waits until the service counts `expected`
  // registered writers.
  void StartWriter(const std::vector<std::string>& argv, size_t expected,
                   const std::string& log) {
    writers_.push_back(
        std::make_unique<ChildProcess>(argv, std::vector<std::string>{}, log));
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
      Result<ServiceStatus> status =
          BackupComponents::GetServiceStatus(socket());
      if (status.ok() && status->writer_count == expected) return;
      ASSERT_FALSE(writers_.back()->Poll()) << ReadFile(log);
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << "the writer did not register: " << ReadFile(log);
  }

  void StartHooksWriter(int timeout_ms, size_t expected = 1) {
    hooks_log_ = work_dir() + "/writer-hooks.log";
    StartWriter({Program("src/writers/hooks/shadowport-writer-hooks"), "--dir",
                 hooks_dir(), "--socket", socket(), "--timeout-ms",
                 std::to_string(timeout_ms)},
                expected, hooks_log_);
  }

  void StartSqliteWriter(const std::string& db, size_t expected = 1) {
    const std::string config = work_dir() + "/writer-sqlite.toml";
    WriteFile(config, "lock_timeout_ms = 3000\n[[database]]\npath = \"" + db +
                          "\"\nname = \"app\"\n");
    sqlite_log_ = work_dir() + "/writer-sqlite.log";
    StartWriter({Program("src/writers/sqlite/shadowport-writer-sqlite"),
                 "--config", config, "--socket", socket()},
                expected, sqlite_log_);
  }

  // The application: sp-sqlite-app committing into DB on the volume, its
  // progress file outside it. Waits for its first commits.
  void StartApp(const std::string& db, bool keep_wal = false) {
    progress_ = work_dir() + "/app.progress";
    std::vector<std::string> argv = {Program("tests/integration/sp-sqlite-app"),
                                     "--db", db, "--progress", progress_};
    if (keep_wal) argv.push_back("--keep-wal");
    app_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{},
                                          work_dir() + "/app.log");
    ASSERT_TRUE(WaitForProgress(5));
  }

  // True once the application committed `more` transactions beyond now.
  bool WaitForProgress(int64_t more) {
    const int64_t target = ReadProgress(progress_).last_tx + more;
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (ReadProgress(progress_).last_tx >= target) return true;
      if (app_->Poll()) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  std::string hooks_dir() {
    const std::string dir = work_dir() + "/hooks.d";
    std::filesystem::create_directories(dir);
    return dir;
  }

  // A hook script: appends "NAME ACTION REASON SET" to calls.log, then
  // `body`.
  void Hook(const std::string& name, const std::string& body = "") {
    const std::string path = hooks_dir() + "/" + name;
    WriteFile(path,
              "#!/bin/sh\necho \"$(basename \"$0\") $1 "
              "$SHADOWPORT_HOOK_REASON $SHADOWPORT_SNAPSHOT_SET_ID\" >> '" +
                  calls() + "'\n" + body + "\n");
    ::chmod(path.c_str(), 0755);
  }
  std::string calls() { return work_dir() + "/calls.log"; }
  std::vector<std::string> CallLines() {
    std::vector<std::string> lines;
    std::istringstream in(ReadFile(calls()));
    std::string line;
    while (std::getline(in, line)) {
      lines.push_back(line.substr(0, line.rfind(' ')));  // without the set id
    }
    return lines;
  }

  // A freeze script fails the set: the checks every failure kind shares.
  void ExpectAbortedCleanly(const TestVolume& v, Code code,
                            const std::string& message_part) {
    std::unique_ptr<BackupComponents> backup = Connect();
    ASSERT_TRUE(backup);
    const auto start = std::chrono::steady_clock::now();
    Status status = CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                              {v.mount_point});
    EXPECT_EQ(status.code(), code) << status.ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::seconds(8));
    // No filesystem left frozen; no snapshot made.
    EXPECT_TRUE(WriteCompletes(v.mount_point, std::chrono::seconds(2)));
    EXPECT_TRUE(ArraySnapshots().empty());
    Result<std::vector<WriterStatusInfo>> writers =
        backup->GatherWriterStatus();
    ASSERT_TRUE(writers.ok()) << writers.status().ToString();
    ASSERT_EQ(writers->size(), 1u);
    EXPECT_EQ((*writers)[0].state, "VSS_WS_FAILED_AT_FREEZE");
    const std::string said =
        (*writers)[0].failure.ToString() + " " + (*writers)[0].app_message;
    EXPECT_NE(said.find(message_part), std::string::npos) << said;
    SP_ASSERT_OK(backup->Release());
    // The application on the volume keeps working.
    EXPECT_TRUE(WaitForProgress(20)) << ReadFile(work_dir() + "/app.log");
  }

  std::vector<std::unique_ptr<ChildProcess>> writers_;
  std::unique_ptr<ChildProcess> app_;
  std::string hooks_log_, sqlite_log_, progress_;
};

TEST_F(WriterProgramsTest, HookScriptsRunAroundASnapshotWithItsIds) {
  TestVolume v = MakeVolume("xfs");
  Hook("10-a", "[ \"$1\" = freeze ] && env | grep '^SHADOWPORT_VOLUME' > '" +
                   work_dir() + "/env'; exit 0");
  Hook("20-b");
  StartService();
  StartHooksWriter(3000);
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                         {v.mount_point}));
  EXPECT_EQ(CallLines(), (std::vector<std::string>{
                             "10-a freeze freeze", "20-b freeze freeze",
                             "20-b thaw thaw", "10-a thaw thaw"}));
  ASSERT_TRUE(backup->document().snapshot_set.has_value());
  const Guid set = backup->document().snapshot_set->snapshot_set_id;
  EXPECT_NE(ReadFile(calls()).find(set.ToString()), std::string::npos);
  EXPECT_NE(ReadFile(work_dir() + "/env")
                .find("SHADOWPORT_VOLUME_0=" + v.mount_point),
            std::string::npos);
  SP_ASSERT_OK(backup->BackupComplete());
  SP_ASSERT_OK(backup->Release());
}

TEST_F(WriterProgramsTest, VetoingFreezeScriptAbortsTheSet) {
  TestVolume v = MakeVolume("xfs");
  Hook("10-a");
  Hook("20-veto",
       "[ \"$1\" = freeze ] && { echo 'app refuses' >&2; exit 7; }; exit 0");
  Hook("30-never");
  StartService();
  StartHooksWriter(3000);
  StartApp(v.mount_point + "/app.db");
  ExpectAbortedCleanly(v, Code::kWriterRetryable, "app refuses");
  EXPECT_EQ(CallLines(), (std::vector<std::string>{
                             "10-a freeze freeze", "20-veto freeze freeze",
                             "20-veto thaw veto", "10-a thaw veto"}));
}

TEST_F(WriterProgramsTest, HangingFreezeScriptIsKilledAndTheSetAborted) {
  TestVolume v = MakeVolume("ext4");
  Hook("10-a");
  Hook("20-hang", "[ \"$1\" = freeze ] && sleep 600; exit 0");
  StartService();
  StartHooksWriter(1500);
  StartApp(v.mount_point + "/app.db");
  ExpectAbortedCleanly(v, Code::kWriterTimeout, "20-hang");
  EXPECT_EQ(CallLines(), (std::vector<std::string>{
                             "10-a freeze freeze", "20-hang freeze freeze",
                             "20-hang thaw veto", "10-a thaw veto"}));
}

TEST_F(WriterProgramsTest, CrashingFreezeScriptAbortsTheSet) {
  TestVolume v = MakeVolume("xfs");
  Hook("10-a");
  Hook("20-crash", "[ \"$1\" = freeze ] && kill -9 $$; exit 0");
  StartService();
  StartHooksWriter(3000);
  StartApp(v.mount_point + "/app.db");
  ExpectAbortedCleanly(v, Code::kWriterRetryable, "SIGKILL");
  EXPECT_EQ(CallLines(), (std::vector<std::string>{
                             "10-a freeze freeze", "20-crash freeze freeze",
                             "20-crash thaw veto", "10-a thaw veto"}));
}

// One backup of the volume holding DB with the SQLite writer and a hooks
// writer whose freeze script takes 1.5 s (so the freeze window is long
// enough to see the application wait); BackupComplete with `succeeded`.
// Returns the WAL size before BackupComplete.
class SqliteWriterTest : public WriterProgramsTest {
 protected:
  void Backup(const TestVolume& v, bool succeeded, int64_t* wal_before,
              int64_t* wal_after) {
    const std::string db = v.mount_point + "/app.db";
    std::unique_ptr<BackupComponents> backup = Connect();
    ASSERT_TRUE(backup);
    const int64_t before = ReadProgress(progress_).last_tx;
    SP_ASSERT_OK(CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                           {v.mount_point}));
    // The application goes on after the set, and one of its commits waited
    // for the freeze (read after some more commits: the waiting one ends up
    // to 100 ms after Thaw, as SQLite's busy handler sleeps).
    EXPECT_TRUE(WaitForProgress(20));
    EXPECT_GT(ReadProgress(progress_).last_tx, before);
    EXPECT_GE(ReadProgress(progress_).max_latency_ms, 1000)
        << "no commit waited for the freeze; writer logs:\n"
        << ReadFile(sqlite_log_) << ReadFile(hooks_log_);
    // Stop the application (it keeps its WAL), then the verdict.
    app_->Kill(SIGTERM);
    *wal_before = FileSize(db + "-wal");
    for (const WriterComponents& w : backup->document().writers) {
      for (const BcdComponent& c : w.components) {
        SP_ASSERT_OK(backup->SetBackupSucceeded(w.instance_id, w.writer_id,
                                                c.type, c.logical_path, c.name,
                                                succeeded));
      }
    }
    SP_ASSERT_OK(backup->BackupComplete());
    *wal_after = FileSize(db + "-wal");
    SP_ASSERT_OK(backup->Release());
  }
};

TEST_F(SqliteWriterTest, AppWaitsDuringFreezeAndWalKeptAfterAFailedBackup) {
  TestVolume v = MakeVolume("xfs");
  Hook("10-slow", "[ \"$1\" = freeze ] && sleep 1.5; exit 0");
  StartService();
  StartApp(v.mount_point + "/app.db", /*keep_wal=*/true);
  StartSqliteWriter(v.mount_point + "/app.db", 1);
  StartHooksWriter(4000, 2);
  int64_t before = 0, after = 0;
  Backup(v, /*succeeded=*/false, &before, &after);
  EXPECT_GT(before, 0);
  EXPECT_EQ(after, before) << "the WAL changed after a failed backup";
  EXPECT_NE(ReadFile(sqlite_log_).find("write lock taken"), std::string::npos)
      << ReadFile(sqlite_log_);
}

TEST_F(SqliteWriterTest, AppWaitsDuringFreezeAndWalTruncatedAfterSuccess) {
  TestVolume v = MakeVolume("ext4");
  Hook("10-slow", "[ \"$1\" = freeze ] && sleep 1.5; exit 0");
  StartService();
  StartApp(v.mount_point + "/app.db", /*keep_wal=*/true);
  StartSqliteWriter(v.mount_point + "/app.db", 1);
  StartHooksWriter(4000, 2);
  int64_t before = 0, after = 0;
  Backup(v, /*succeeded=*/true, &before, &after);
  EXPECT_GT(before, 0);
  EXPECT_EQ(after, 0) << ReadFile(sqlite_log_);
}

}  // namespace
}  // namespace sp::testing_support
