// PostgresWriter: the sp::Writer of one PostgreSQL cluster
// (docs/writers/postgres.md). Event by event:
//   Identify          the WMD of the cluster's current layout
//   PrepareSnapshot   set holds all of the cluster: pg_backup_start on a
//                     dedicated session; part of it: veto INCONSISTENT-
//                     SNAPSHOT; none of it: nothing
//   Freeze, Thaw      nothing: the filesystem freeze of the whole set at one
//                     instant is what makes the files consistent
//   PostSnapshot      pg_backup_stop(wait_for_archive): backup_label,
//                     tablespace_map, LSNs into the component's metadata
//   Abort, Shutdown   close the session (ends the backup); repeatable
//   BackupComplete    backup succeeded: remove archived WAL older than the
//                     backup's start segment; otherwise remove nothing
//
// Thread safety: callbacks come from the runner's one event thread.
#ifndef SHADOWPORT_WRITERS_POSTGRES_POSTGRES_WRITER_H_
#define SHADOWPORT_WRITERS_POSTGRES_POSTGRES_WRITER_H_

#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "shadowport/writer.h"
#include "writers/postgres/backup_metadata.h"
#include "writers/postgres/backup_session.h"
#include "writers/postgres/config.h"

namespace sp::postgres {

class PostgresWriter : public Writer {
 public:
  using Log = std::function<void(std::string_view)>;

  PostgresWriter(WriterConfig config, Log log);
  ~PostgresWriter() override;

  Result<WriterMetadata> OnIdentify(const WriterEvent& event) override;
  Status OnPrepareSnapshot(WriterEvent& event) override;
  Status OnFreeze(WriterEvent& event) override;
  Status OnThaw(WriterEvent& event) override;
  Status OnPostSnapshot(WriterEvent& event) override;
  Status OnAbort(WriterEvent& event) override;
  Status OnBackupComplete(WriterEvent& event) override;
  Status OnBackupShutdown(WriterEvent& event) override;

 private:
  // "<event> set={...} at <epoch seconds.micros>: <what>"
  void Note(const WriterEvent& event, std::string_view what) const;
  // Ends a backup in progress by closing its session. Repeatable.
  void EndSession(const WriterEvent& event, std::string_view why);
  Result<BackupMetadata> MetadataFor(WriterEvent& event,
                                     const BcdComponent* cluster) const;

  const WriterConfig config_;
  const Log log_;
  std::unique_ptr<BackupSession> session_;  // between PrepareSnapshot and
                                            // PostSnapshot
  Guid session_owner_;                      // its backup session id
  // What PostSnapshot returned, by backup session id, until BackupShutdown:
  // BackupComplete's archive cleanup trusts this over the BCD that came back
  // from the importing host.
  std::map<Guid, BackupMetadata> completed_;
};

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_POSTGRES_WRITER_H_
