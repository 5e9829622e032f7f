// Thin RAII wrappers over SQLite for the array's catalogue and the service's
// inventory: a connection with a cache of prepared statements, a borrowed
// statement that resets itself, and a transaction that rolls back unless
// committed.
//
// SQLite result codes become Status in one place (StatusFromSqlite):
// SQLITE_FULL -> VSS_E_INSUFFICIENT_STORAGE, SQLITE_BUSY/LOCKED ->
// SP_E_UNAVAILABLE, UNIQUE/PRIMARY KEY constraint ->
// VSS_E_OBJECT_ALREADY_EXISTS, others -> SP_E_IO; the message carries
// SQLite's own text.
//
// Thread safety: none. A Database and everything borrowed from it belong to
// one thread at a time (their owners serialize on a mutex).
#ifndef SHADOWPORT_SQLITE_SQLITE_H_
#define SHADOWPORT_SQLITE_SQLITE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "shadowport/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sp::sql {

// A prepared statement in use. Bind parameters in order with the Bind*
// calls (the first failure is kept and returned by Step/Run), then Step.
// On destruction it is reset and its bindings cleared, and it returns to
// the Database's cache (or is finalized if it was a one-off).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& BindInt(int64_t v);
  Statement& BindText(std::string_view v);
  Statement& BindBlob(std::span<const uint8_t> v);
  Statement& BindNull();

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done, ignoring rows.
  Status Run();

  // Columns of the current row. REQUIRES: the last Step returned true.
  int64_t Int(int col) const;
  uint64_t UInt(int col) const { return static_cast<uint64_t>(Int(col)); }
  bool Bool(int col) const { return Int(col) != 0; }
  std::string Text(int col) const;
  std::vector<uint8_t> Blob(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}
  void KeepBindError(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; nullptr for a one-off statement
  int next_param_ = 1;
  int bind_rc_ = 0;  // SQLITE_OK
};

class Database {
 public:
  // Opens (creating) the database file at `path`.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(const std::string& sql);
  // A statement for `sql`, prepared once and cached. If the cached one is in
  // use (nested queries), a one-off statement is prepared instead.
  Result<Statement> Prepare(const std::string& sql);

  int64_t LastInsertRowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  struct Slot {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Slot>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Database* db);
  Transaction(Transaction&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Durable when it returns (synchronous=FULL).
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // nullptr once committed or rolled back
};

// The one place a SQLite result code becomes a Status.
Status StatusFromSqlite(sqlite3* db, int rc, std::string_view what);

}  // namespace sp::sql

#endif  // SHADOWPORT_SQLITE_SQLITE_H_
