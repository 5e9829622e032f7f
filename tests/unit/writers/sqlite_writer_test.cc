// The SQLite writer without a service, on real SQLite databases in a
// temporary directory: Freeze takes the write lock (writers wait, readers
// go on), Thaw/Abort release it, a lock it cannot get in time vetoes and
// releases the others, and the WAL is truncated at BackupComplete only for
// components whose backup succeeded.
#include "writers/sqlite/sqlite_writer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "unit/writers/sqlite_hooks_test_util.h"

namespace sp::writers::sqlite {
namespace {

using sp::testing_support::TempDir;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// An application's connection (raw SQLite, as an application has).
class App {
 public:
  explicit App(const std::string& path, bool wal = true) {
    sqlite3_open_v2(path.c_str(), &db_,
                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (wal) {
      Exec("PRAGMA journal_mode=WAL");
      // The application never checkpoints on its own, and closing it does
      // not either: only the writer's BackupComplete may shrink the WAL.
      Exec("PRAGMA wal_autocheckpoint=0");
      sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    }
    Exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)");
  }
  ~App() { sqlite3_close_v2(db_); }
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  void BusyTimeout(int ms) { sqlite3_busy_timeout(db_, ms); }
  // SQLITE_OK when one row could be inserted (BEGIN IMMEDIATE ... COMMIT).
  int Insert() {
    int rc = Exec("BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return rc;
    rc = Exec("INSERT INTO t(v) VALUES (randomblob(2000))");
    if (rc != SQLITE_OK) {
      Exec("ROLLBACK");
      return rc;
    }
    return Exec("COMMIT");
  }
  int64_t Count() {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM t", -1, &stmt, nullptr);
    int64_t n =
        sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
};

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

class SqliteWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    volume_ = dir_.path() + "/vol";
    other_ = dir_.path() + "/other";
    std::filesystem::create_directory(volume_);
    std::filesystem::create_directory(other_);
    a_ = volume_ + "/a.db";
    b_ = volume_ + "/b.db";
    outside_ = other_ + "/c.db";
  }

  std::unique_ptr<SqliteWriter> MakeWriter(
      milliseconds lock_timeout = milliseconds(10000)) {
    SqliteWriterConfig config;
    config.lock_timeout = lock_timeout;
    config.databases = {{a_, "a"}, {b_, "b"}, {outside_, "c"}};
    return std::make_unique<SqliteWriter>(
        SqliteWriterIdentity(dir_.path() + "/w.toml", config), config,
        [this](std::string_view line) { log_ += std::string(line) + "\n"; });
  }

  WriterEvent Event(const SqliteWriter& writer, WriterEventKind kind,
                    milliseconds deadline = milliseconds(10000)) {
    WriterEvent e;
    e.kind = kind;
    e.volumes = {volume_};
    e.deadline = Clock::now() + deadline;
    WriterComponents mine;
    mine.writer_id = writer.identity().writer_id;
    mine.instance_id = writer.identity().instance_id;
    for (const char* name : {"a", "b"}) {
      BcdComponent c;
      c.type = ComponentType::kDatabase;
      c.name = name;
      mine.components.push_back(c);
    }
    e.bcd.writers.push_back(mine);
    e.has_bcd = true;
    return e;
  }

  TempDir dir_;
  std::string volume_, other_, a_, b_, outside_;
  std::string log_;
};

TEST_F(SqliteWriterTest, WmdHasOneDatabaseComponentPerDatabase) {
  auto writer = MakeWriter();
  Result<WriterMetadata> wmd =
      writer->OnIdentify(Event(*writer, WriterEventKind::kIdentify));
  ASSERT_TRUE(wmd.ok());
  ASSERT_EQ(wmd->components.size(), 3u);
  const WmdComponent& a = wmd->components[0];
  EXPECT_EQ(a.type, ComponentType::kDatabase);
  EXPECT_EQ(a.name, "a");
  EXPECT_TRUE(a.selectable);
  EXPECT_TRUE(a.notify_on_backup_complete);
  ASSERT_EQ(a.database_files.size(), 1u);
  EXPECT_EQ(a.database_files[0].path, volume_);
  EXPECT_EQ(a.database_files[0].filespec, "a.db");
  ASSERT_EQ(a.log_files.size(), 2u);
  EXPECT_EQ(a.log_files[0].filespec, "a.db-wal");
  EXPECT_EQ(a.log_files[1].filespec, "a.db-journal");
}

TEST_F(SqliteWriterTest, FreezeHoldsWritersAndLetsReadersGoOn) {
  App a(a_);
  App rollback(b_, /*wal=*/false);  // b in rollback-journal mode
  App c(outside_);
  ASSERT_EQ(a.Insert(), SQLITE_OK);
  ASSERT_EQ(rollback.Insert(), SQLITE_OK);
  auto writer = MakeWriter();
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  Status frozen = writer->OnFreeze(freeze);
  ASSERT_TRUE(frozen.ok()) << frozen.ToString();
  // c.db is not on the set's volumes: not locked.
  EXPECT_EQ(writer->LockedPaths(), (std::vector<std::string>{a_, b_}));
  a.BusyTimeout(0);
  rollback.BusyTimeout(0);
  EXPECT_EQ(a.Insert() & 0xff, SQLITE_BUSY);
  EXPECT_EQ(rollback.Insert() & 0xff, SQLITE_BUSY);
  EXPECT_EQ(c.Insert(), SQLITE_OK);
  EXPECT_EQ(a.Count(), 1);  // readers go on
  EXPECT_EQ(rollback.Count(), 1);

  // A writer with a busy timeout waits, and commits once thawed.
  std::atomic<bool> committed{false};
  std::atomic<int> rc{-1};
  std::thread app([&] {
    App waiting(a_);
    waiting.BusyTimeout(10000);
    rc = waiting.Insert();
    committed = true;
  });
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_FALSE(committed) << "the application wrote while frozen";
  WriterEvent thaw = Event(*writer, WriterEventKind::kThaw);
  EXPECT_TRUE(writer->OnThaw(thaw).ok());
  app.join();
  EXPECT_EQ(rc, SQLITE_OK);
  EXPECT_TRUE(writer->LockedPaths().empty());
  EXPECT_EQ(a.Count(), 2);
  EXPECT_EQ(rollback.Insert(), SQLITE_OK);
}

TEST_F(SqliteWriterTest, LockNotTakenInTimeVetoesAndReleasesTheOthers) {
  App a(a_);
  App b(b_);
  ASSERT_EQ(b.Exec("BEGIN IMMEDIATE"), SQLITE_OK);  // b's writer is busy
  auto writer = MakeWriter();
  WriterEvent freeze =
      Event(*writer, WriterEventKind::kFreeze, milliseconds(800));
  const auto start = Clock::now();
  Status veto = writer->OnFreeze(freeze);
  const auto took = Clock::now() - start;
  EXPECT_EQ(veto.code(), Code::kWriterTimeout) << veto.ToString();
  EXPECT_NE(veto.message().find("write lock of b"), std::string::npos)
      << veto.message();
  // Bounded by the Freeze deadline (not the 10 s lock_timeout_ms).
  EXPECT_LT(took, milliseconds(800));
  EXPECT_GE(took, milliseconds(500));
  EXPECT_TRUE(writer->LockedPaths().empty());
  a.BusyTimeout(0);
  EXPECT_EQ(a.Insert(), SQLITE_OK) << "a's lock was not released";
  ASSERT_EQ(b.Exec("ROLLBACK"), SQLITE_OK);
}

TEST_F(SqliteWriterTest, LockTimeoutFromTheConfigBoundsTheWait) {
  App a(a_);
  ASSERT_EQ(a.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  auto writer = MakeWriter(milliseconds(300));
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  const auto start = Clock::now();
  Status veto = writer->OnFreeze(freeze);
  EXPECT_EQ(veto.code(), Code::kWriterTimeout) << veto.ToString();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  ASSERT_EQ(a.Exec("ROLLBACK"), SQLITE_OK);
}

TEST_F(SqliteWriterTest, AbortReleasesAndIsRepeatable) {
  App a(a_);
  auto writer = MakeWriter();
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  ASSERT_TRUE(writer->OnFreeze(freeze).ok());
  WriterEvent abort = Event(*writer, WriterEventKind::kAbort);
  EXPECT_TRUE(writer->OnAbort(abort).ok());
  EXPECT_TRUE(writer->OnAbort(abort).ok());
  a.BusyTimeout(0);
  EXPECT_EQ(a.Insert(), SQLITE_OK);
}

TEST_F(SqliteWriterTest, MissingDatabaseIsNotCreated) {
  auto writer = MakeWriter();
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  EXPECT_TRUE(writer->OnFreeze(freeze).ok());
  EXPECT_FALSE(std::filesystem::exists(a_));
  EXPECT_TRUE(writer->LockedPaths().empty());
}

TEST_F(SqliteWriterTest, SelectedDatabaseOutsideTheSetIsInconsistent) {
  auto writer = MakeWriter();
  WriterEvent prepare = Event(*writer, WriterEventKind::kPrepareForSnapshot);
  EXPECT_TRUE(writer->OnPrepareSnapshot(prepare).ok());  // a, b on volume_
  BcdComponent c;
  c.type = ComponentType::kDatabase;
  c.name = "c";
  prepare.bcd.writers[0].components.push_back(c);
  Status s = writer->OnPrepareSnapshot(prepare);
  EXPECT_EQ(s.code(), Code::kWriterInconsistentSnapshot) << s.ToString();
  EXPECT_NE(s.message().find(outside_), std::string::npos);
}

TEST_F(SqliteWriterTest, ThawDoesNotCheckpointTheWal) {
  {
    App a(a_);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(a.Insert(), SQLITE_OK);
  }  // the application closed without checkpointing
  const int64_t wal = FileSize(a_ + "-wal");
  ASSERT_GT(wal, 0);
  auto writer = MakeWriter();
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  ASSERT_TRUE(writer->OnFreeze(freeze).ok());
  WriterEvent thaw = Event(*writer, WriterEventKind::kThaw);
  ASSERT_TRUE(writer->OnThaw(thaw).ok());
  // The writer's connection was the last to close: still no checkpoint.
  EXPECT_EQ(FileSize(a_ + "-wal"), wal);
}

// Another session's BackupComplete while this writer holds the locks for a
// snapshot: no checkpoint (it would wait for those locks), the WAL stays.
TEST_F(SqliteWriterTest, BackupCompleteWhileFrozenKeepsTheWalAndDoesNotWait) {
  App a(a_);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(a.Insert(), SQLITE_OK);
  const int64_t wal = FileSize(a_ + "-wal");
  ASSERT_GT(wal, 0);
  auto writer = MakeWriter();
  WriterEvent freeze = Event(*writer, WriterEventKind::kFreeze);
  ASSERT_TRUE(writer->OnFreeze(freeze).ok());
  WriterEvent complete = Event(*writer, WriterEventKind::kBackupComplete);
  for (BcdComponent& c : complete.bcd.writers[0].components) {
    c.backup_succeeded = true;
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(writer->OnBackupComplete(complete).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(FileSize(a_ + "-wal"), wal);
  WriterEvent thaw = Event(*writer, WriterEventKind::kThaw);
  EXPECT_TRUE(writer->OnThaw(thaw).ok());
}

TEST_F(SqliteWriterTest, WalTruncatedOnlyForComponentsThatSucceeded) {
  App a(a_);
  App b(b_);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a.Insert(), SQLITE_OK);
    ASSERT_EQ(b.Insert(), SQLITE_OK);
  }
  const int64_t wal_a = FileSize(a_ + "-wal");
  const int64_t wal_b = FileSize(b_ + "-wal");
  ASSERT_GT(wal_a, 0);
  ASSERT_GT(wal_b, 0);
  auto writer = MakeWriter();

  // Unknown (never set) and failed: nothing truncated.
  WriterEvent unknown = Event(*writer, WriterEventKind::kBackupComplete);
  EXPECT_TRUE(writer->OnBackupComplete(unknown).ok());
  WriterEvent failed = Event(*writer, WriterEventKind::kBackupComplete);
  for (BcdComponent& c : failed.bcd.writers[0].components) {
    c.backup_succeeded = false;
  }
  EXPECT_TRUE(writer->OnBackupComplete(failed).ok());
  EXPECT_EQ(FileSize(a_ + "-wal"), wal_a);
  EXPECT_EQ(FileSize(b_ + "-wal"), wal_b);

  // a succeeded, b failed: only a's WAL goes.
  WriterEvent mixed = Event(*writer, WriterEventKind::kBackupComplete);
  mixed.bcd.writers[0].components[0].backup_succeeded = true;
  mixed.bcd.writers[0].components[1].backup_succeeded = false;
  Status done = writer->OnBackupComplete(mixed);
  EXPECT_TRUE(done.ok()) << done.ToString();
  EXPECT_EQ(FileSize(a_ + "-wal"), 0);
  EXPECT_EQ(FileSize(b_ + "-wal"), wal_b);
  EXPECT_EQ(a.Count(), 20);  // every row now in the database file
  EXPECT_EQ(b.Count(), 20);
  EXPECT_NE(log_.find("a: WAL checkpointed"), std::string::npos) << log_;
}

TEST_F(SqliteWriterTest, CheckpointBlockedByAWriterFailsTheEvent) {
  App a(a_);
  ASSERT_EQ(a.Insert(), SQLITE_OK);
  ASSERT_EQ(a.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  SqliteWriterConfig config;
  config.checkpoint_timeout = milliseconds(300);
  config.databases = {{a_, "a"}};
  SqliteWriter writer(SqliteWriterIdentity(dir_.path() + "/w.toml", config),
                      config, [](std::string_view) {});
  WriterEvent done = Event(writer, WriterEventKind::kBackupComplete);
  done.bcd.writers[0].components[0].backup_succeeded = true;
  Status s = writer.OnBackupComplete(done);
  EXPECT_EQ(s.code(), Code::kWriterRetryable) << s.ToString();
  EXPECT_GT(FileSize(a_ + "-wal"), 0);
  ASSERT_EQ(a.Exec("ROLLBACK"), SQLITE_OK);
}

}  // namespace
}  // namespace sp::writers::sqlite
