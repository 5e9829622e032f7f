// One non-exclusive low-level base backup (PostgreSQL 15, section 26.3.3):
// pg_backup_start on a dedicated connection, kept open while the snapshot is
// taken, then pg_backup_stop on that same connection. Closing the connection
// without pg_backup_stop ends the backup on the server (that is how Abort
// undoes PrepareForSnapshot).
//
// Thread safety: a session belongs to one thread.
#ifndef SHADOWPORT_WRITERS_POSTGRES_BACKUP_SESSION_H_
#define SHADOWPORT_WRITERS_POSTGRES_BACKUP_SESSION_H_

#include <memory>
#include <string>

#include "writers/postgres/backup_metadata.h"
#include "writers/postgres/config.h"
#include "writers/postgres/pg_connection.h"

namespace sp::postgres {

class BackupSession {
 public:
  // Connects, checks that the server's data_directory is
  // `expected_data_directory` (resolved path; VSS_E_WRITERERROR_NONRETRYABLE
  // if it runs another cluster), then runs pg_backup_start(label, fast).
  // Fails as PgConnection does; the connection is closed on failure.
  static Result<std::unique_ptr<BackupSession>> Start(
      const WriterConfig& config, const std::string& expected_data_directory,
      const std::string& label, Deadline deadline);

  // pg_backup_stop(wait_for_archive => true): returns when the last WAL
  // segment of the backup is archived (or at once if archiving is off), with
  // the label file and tablespace map, as complete BackupMetadata. A
  // deadline that passes cancels it (VSS_E_WRITERERROR_TIMEOUT). The session
  // is finished afterwards in every case.
  Result<BackupMetadata> Stop(Deadline deadline);

  const std::string& start_lsn() const { return start_lsn_; }

 private:
  BackupSession() = default;

  std::unique_ptr<PgConnection> conn_;
  std::string label_;
  std::string start_lsn_;
  std::string data_directory_;
  uint64_t wal_segment_size_ = 0;
  int64_t server_version_num_ = 0;
};

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_BACKUP_SESSION_H_
