// The configuration of shadowport-writer-sqlite: a TOML file listing the
// databases it protects (docs/writers/sqlite.md, packaging/
// writer-sqlite.toml.example):
//
//   instance_name = "app databases"      # optional; default: the file's path
//   lock_timeout_ms = 10000              # optional; see below
//   checkpoint_timeout_ms = 30000        # optional
//
//   [[database]]
//   path = "/srv/app/app.db"             # absolute, the database file itself
//   name = "app"                         # optional component name; default:
//                                        # the file name ("app.db")
//
// lock_timeout_ms bounds the wait for each database's write lock at Freeze
// (it is also bounded by the Freeze event's deadline); checkpoint_timeout_ms
// bounds the wait of the WAL checkpoint at BackupComplete. Unknown keys,
// relative or duplicate paths, duplicate names, a path naming a -wal,
// -journal or -shm file, and an empty list are errors (E_INVALIDARG with the
// file and line).
//
// Thread safety: values and pure functions.
#ifndef SHADOWPORT_WRITERS_SQLITE_SQLITE_CONFIG_H_
#define SHADOWPORT_WRITERS_SQLITE_SQLITE_CONFIG_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::writers::sqlite {

struct DatabaseConfig {
  std::string path;  // absolute
  std::string name;  // the WMD component's name; unique in the file
};

struct SqliteWriterConfig {
  std::string instance_name;
  std::chrono::milliseconds lock_timeout{10000};
  std::chrono::milliseconds checkpoint_timeout{30000};
  std::vector<DatabaseConfig> databases;  // at least one
};

// Parses `text`; `source` names it in messages (the file's path).
Result<SqliteWriterConfig> ParseSqliteWriterConfig(std::string_view text,
                                                   std::string_view source);
// Reads and parses the file at `path`.
Result<SqliteWriterConfig> LoadSqliteWriterConfig(const std::string& path);

}  // namespace sp::writers::sqlite

#endif  // SHADOWPORT_WRITERS_SQLITE_SQLITE_CONFIG_H_
