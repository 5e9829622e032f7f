// DatabaseConnection: the SQLite writer's own connection to one application
// database, for the two things it does to it: hold the write lock while the
// snapshot is cut (BEGIN IMMEDIATE ... ROLLBACK of an empty transaction) and
// truncate the WAL after a successful backup (wal_checkpoint(TRUNCATE)).
//
// It never creates a database (a missing file is VSS_E_OBJECT_NOT_FOUND),
// never changes the journal mode or any setting of the database, and never
// checkpoints when it closes (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): otherwise,
// being the last connection to close, it would checkpoint and delete the
// WAL at Thaw, truncating the log before the backup succeeded.
//
// SQLite result codes become Status through sp::sql::StatusFromSqlite (the
// project's one mapping): SQLITE_BUSY/LOCKED -> SP_E_UNAVAILABLE.
//
// Thread safety: none; one thread at a time (the writer's event thread).
#ifndef SHADOWPORT_WRITERS_SQLITE_DATABASE_LOCK_H_
#define SHADOWPORT_WRITERS_SQLITE_DATABASE_LOCK_H_

#include <chrono>
#include <memory>
#include <string>

#include "shadowport/status.h"

struct sqlite3;

namespace sp::writers::sqlite {

struct CheckpointResult {
  bool complete = false;    // false: readers or writers kept it from finishing
  int64_t wal_frames = -1;  // frames in the WAL before (-1: not WAL)
  int64_t checkpointed_frames = -1;
};

class DatabaseConnection {
 public:
  // Opens the existing database file at `path` read-write.
  static Result<std::unique_ptr<DatabaseConnection>> Open(
      const std::string& path);
  ~DatabaseConnection();
  DatabaseConnection(const DatabaseConnection&) = delete;
  DatabaseConnection& operator=(const DatabaseConnection&) = delete;

  // BEGIN IMMEDIATE: takes the database's write lock (RESERVED in rollback
  // journal modes, the WAL write lock in WAL mode), waiting at most
  // `timeout` for a writer that holds it. Application writers then wait
  // (their busy handler) or get SQLITE_BUSY; readers go on. Fails with
  // SP_E_UNAVAILABLE when the lock stayed taken for `timeout`.
  Status LockWrites(std::chrono::milliseconds timeout);
  // Ends the empty transaction (ROLLBACK: nothing was written); repeatable.
  Status UnlockWrites();
  bool locked() const { return locked_; }

  // PRAGMA wal_checkpoint(TRUNCATE), waiting at most `timeout` for writers
  // and readers. On a database not in WAL mode it does nothing
  // (wal_frames = -1).
  Result<CheckpointResult> CheckpointTruncate(
      std::chrono::milliseconds timeout);

  // PRAGMA journal_mode ("wal", "delete", ...).
  Result<std::string> JournalMode();

 private:
  DatabaseConnection(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);

  sqlite3* db_;
  std::string path_;
  bool locked_ = false;
};

}  // namespace sp::writers::sqlite

#endif  // SHADOWPORT_WRITERS_SQLITE_DATABASE_LOCK_H_
