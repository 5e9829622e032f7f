#include "writers/sqlite/database_lock.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "sqlite/sqlite.h"

namespace sp::writers::sqlite {
namespace {

int Millis(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, 3'600'000));
}

}  // namespace

Result<std::unique_ptr<DatabaseConnection>> DatabaseConnection::Open(
    const std::string& path) {
  // SQLITE_OPEN_READWRITE without CREATE fails on a missing file too, but
  // with SQLite's generic "unable to open database file": say it plainly.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status(Code::kObjectNotFound,
                  "database " + path + " does not exist (or is not a file)");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sql::StatusFromSqlite(raw, rc, "opening " + path);
    sqlite3_close_v2(raw);
    return s;
  }
  sqlite3_extended_result_codes(raw, 1);
  // See the header: closing must never checkpoint (or delete) the WAL.
  rc = sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sql::StatusFromSqlite(raw, rc, "configuring " + path);
    sqlite3_close_v2(raw);
    return s;
  }
  return std::unique_ptr<DatabaseConnection>(new DatabaseConnection(raw, path));
}

DatabaseConnection::~DatabaseConnection() {
  (void)UnlockWrites();
  sqlite3_close_v2(db_);
}

Status DatabaseConnection::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Status::Ok();
  return sql::StatusFromSqlite(db_, rc, path_ + ": " + sql);
}

Status DatabaseConnection::LockWrites(std::chrono::milliseconds timeout) {
  if (locked_) return Status::Ok();
  sqlite3_busy_timeout(db_, Millis(timeout));
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  locked_ = true;
  return Status::Ok();
}

Status DatabaseConnection::UnlockWrites() {
  if (!locked_) return Status::Ok();
  locked_ = false;
  return Exec("ROLLBACK");
}

Result<CheckpointResult> DatabaseConnection::CheckpointTruncate(
    std::chrono::milliseconds timeout) {
  // A connection that has not read the database yet does not know it is in
  // WAL mode, and its checkpoint would do nothing: ask first (this reads
  // the header and opens the WAL).
  SP_ASSIGN_OR_RETURN(std::string mode, JournalMode());
  CheckpointResult result;
  if (mode != "wal") {
    result.complete = true;
    return result;  // wal_frames = -1: nothing to truncate
  }
  sqlite3_busy_timeout(db_, Millis(timeout));
  int frames = -1;
  int checkpointed = -1;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                     &frames, &checkpointed);
  result.wal_frames = frames;
  result.checkpointed_frames = checkpointed;
  if (rc == SQLITE_BUSY) return result;  // complete = false
  if (rc != SQLITE_OK) {
    return sql::StatusFromSqlite(db_, rc,
                                 path_ + ": PRAGMA wal_checkpoint(TRUNCATE)");
  }
  result.complete = true;
  return result;
}

Result<std::string> DatabaseConnection::JournalMode() {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return sql::StatusFromSqlite(db_, rc, path_ + ": PRAGMA journal_mode");
  }
  std::string mode;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) mode = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) {
    return sql::StatusFromSqlite(db_, rc, path_ + ": PRAGMA journal_mode");
  }
  return mode;
}

}  // namespace sp::writers::sqlite
