// SqliteWriter: makes the SQLite databases of its configuration consistent
// in shadow copies (docs/writers/sqlite.md).
//
//   Identify            one selectable DATABASE component per database: the
//                       database file as its database file, NAME-wal and
//                       NAME-journal as its log files; notified on
//                       BackupComplete.
//   PrepareForSnapshot  a selected database outside the set's volumes:
//                       VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT (its copy
//                       would be missing).
//   Freeze              takes the write lock (BEGIN IMMEDIATE on a
//                       connection of its own) of every configured database
//                       whose file is on the set's volumes, in config order,
//                       each wait bounded by lock_timeout_ms and by the
//                       Freeze deadline. Application writers then wait;
//                       readers go on. A lock not taken in time:
//                       VSS_E_WRITERERROR_TIMEOUT (other failures:
//                       RETRYABLE), and the locks already taken are
//                       released before answering.
//   Thaw, Abort         release every lock (repeatable). The framework
//                       calls Abort itself when THAW does not come within
//                       the freeze window.
//   BackupComplete      PRAGMA wal_checkpoint(TRUNCATE) on each database
//                       whose component the requester marked
//                       backup_succeeded = true; nothing on the others
//                       (failed, unknown, or not selected): their WAL may
//                       still be needed. A checkpoint that cannot complete
//                       (readers kept it) fails the event
//                       (FAILED_AT_BACKUP_COMPLETE, RETRYABLE).
//   BackupShutdown      releases locks left (safety net).
//
// Why the lock makes the copy consistent: with it held, no transaction of
// the application is half-written into the database or its WAL/journal when
// the filesystems are frozen; in WAL mode the WAL cannot be reset or
// truncated (that needs the write lock) so the WAL in the snapshot holds
// every committed frame the database file lacks; in rollback mode no hot
// journal exists, so the copy opens even on a read-only mount.
//
// Thread safety: as sp::Writer (callbacks on one thread at a time).
#ifndef SHADOWPORT_WRITERS_SQLITE_SQLITE_WRITER_H_
#define SHADOWPORT_WRITERS_SQLITE_SQLITE_WRITER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/writer.h"
#include "writers/sqlite/database_lock.h"
#include "writers/sqlite/sqlite_config.h"

namespace sp::writers::sqlite {

// The writer class id of shadowport-writer-sqlite.
inline constexpr char kSqliteWriterId[] =
    "{4b8e2d6a-1f3c-4a97-b5e0-7c9d3a2f1e86}";

// The identity for a writer run with the config file at `config_path`
// (absolute): an instance id derived from it (stable across restarts),
// instance_name from the config or the path.
WriterIdentity SqliteWriterIdentity(const std::string& config_path,
                                    const SqliteWriterConfig& config);

class SqliteWriter : public Writer {
 public:
  // `log`: one line per call; default stderr.
  SqliteWriter(WriterIdentity identity, SqliteWriterConfig config,
               std::function<void(std::string_view)> log = {});
  ~SqliteWriter() override;

  Result<WriterMetadata> OnIdentify(const WriterEvent& event) override;
  Status OnPrepareSnapshot(WriterEvent& event) override;
  Status OnFreeze(WriterEvent& event) override;
  Status OnThaw(WriterEvent& event) override;
  Status OnAbort(WriterEvent& event) override;
  Status OnBackupComplete(WriterEvent& event) override;
  Status OnBackupShutdown(WriterEvent& event) override;

  // Paths of the databases whose write lock is held now (tests).
  std::vector<std::string> LockedPaths() const;

 private:
  struct Held {
    std::string path;
    std::unique_ptr<DatabaseConnection> connection;
  };

  void Log(const std::string& line) const;
  // Releases every held lock; the first failure, if any (the connection is
  // closed anyway, which releases the lock too).
  Status ReleaseAll(std::string_view why);

  SqliteWriterConfig config_;
  std::function<void(std::string_view)> log_;
  std::vector<Held> held_;
  std::vector<std::string> volumes_;  // of the current set (PrepareSnapshot)
};

}  // namespace sp::writers::sqlite

#endif  // SHADOWPORT_WRITERS_SQLITE_SQLITE_WRITER_H_
