#include "sqlite/sqlite.h"

#include <sqlite3.h>

namespace sp::sql {

Status StatusFromSqlite(sqlite3* db, int rc, std::string_view what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = std::string(what) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Status(Code::kInsufficientStorage, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Code::kUnavailable, message);
    case SQLITE_NOMEM:
      return Status(Code::kOutOfMemory, message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE ||
          rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status(Code::kObjectAlreadyExists, message);
      }
      return Status(Code::kInternal, message);
    default:
      return Status(Code::kIoError, "catalogue: " + message);
  }
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      next_param_(other.next_param_),
      bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::KeepBindError(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::BindInt(int64_t v) {
  KeepBindError(sqlite3_bind_int64(stmt_, next_param_++, v));
  return *this;
}

Statement& Statement::BindText(std::string_view v) {
  KeepBindError(sqlite3_bind_text64(stmt_, next_param_++, v.data(), v.size(),
                                    SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(std::span<const uint8_t> v) {
  KeepBindError(sqlite3_bind_blob64(stmt_, next_param_++, v.data(), v.size(),
                                    SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindNull() {
  KeepBindError(sqlite3_bind_null(stmt_, next_param_++));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return StatusFromSqlite(db_, bind_rc_, "binding a parameter");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusFromSqlite(db_, rc, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int64_t Statement::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::vector<uint8_t> Statement::Blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::vector<uint8_t>(p, p + n);
}

bool Statement::IsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

// ---- Database ----

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  if (rc != SQLITE_OK) {
    Status s = StatusFromSqlite(raw, rc, "opening " + path);
    sqlite3_close_v2(raw);
    return s;
  }
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Database>(new Database(raw));
}

Database::~Database() {
  for (auto& [sql, slot] : cache_) sqlite3_finalize(slot->stmt);
  sqlite3_close_v2(db_);
}

Status Database::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = StatusFromSqlite(db_, rc, sql.substr(0, 60));
  sqlite3_free(error);
  return s;
}

Result<Statement> Database::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use) {
    it->second->in_use = true;
    return Statement(db_, it->second->stmt, &it->second->in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(
      db_, sql.c_str(), static_cast<int>(sql.size()),
      it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return StatusFromSqlite(db_, rc, "preparing " + sql);
  if (it != cache_.end()) return Statement(db_, stmt, nullptr);  // nested use
  auto slot = std::make_unique<Slot>();
  slot->stmt = stmt;
  slot->in_use = true;
  bool* flag = &slot->in_use;
  cache_.emplace(sql, std::move(slot));
  return Statement(db_, stmt, flag);
}

int64_t Database::LastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

// ---- Transaction ----

Result<Transaction> Transaction::Begin(Database* db) {
  SP_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  Status s = db->Exec("COMMIT");
  if (!s.ok()) (void)db->Exec("ROLLBACK");
  return s;
}

}  // namespace sp::sql
