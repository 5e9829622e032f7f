#include "writers/postgres/backup_session.h"

#include "os/file_util.h"
#include "shadowport/path_translation.h"

namespace sp::postgres {
namespace {

std::string Text(const PgRow& row, size_t i) {
  return i < row.size() && row[i].has_value() ? *row[i] : "";
}

}  // namespace

Result<std::unique_ptr<BackupSession>> BackupSession::Start(
    const WriterConfig& config, const std::string& expected_data_directory,
    const std::string& label, Deadline deadline) {
  std::unique_ptr<BackupSession> s(new BackupSession());
  SP_ASSIGN_OR_RETURN(
      s->conn_,
      PgConnection::Connect(config.conninfo, config.connect_timeout, deadline));

  SP_ASSIGN_OR_RETURN(
      std::vector<PgRow> rows,
      s->conn_->Query("SELECT current_setting('data_directory'), "
                      "current_setting('server_version_num'), "
                      "pg_size_bytes(current_setting('wal_segment_size'))",
                      {}, deadline));
  if (rows.size() != 1) {
    return Status(Code::kWriterRetryable, "PostgreSQL: no settings row");
  }
  // The server names its data directory as it was started; compare the
  // resolved paths, so a symlinked PGDATA still matches.
  const std::string server_dir = Text(rows[0], 0);
  Result<std::string> resolved = os::ResolvePath(server_dir);
  if (!resolved.ok() || *resolved != expected_data_directory) {
    return Status(Code::kWriterNonRetryable,
                  "the server at conninfo runs the data directory " +
                      QuotedPath(server_dir) + ", not the configured " +
                      QuotedPath(expected_data_directory));
  }
  s->data_directory_ = expected_data_directory;
  s->server_version_num_ = std::stoll("0" + Text(rows[0], 1));
  s->wal_segment_size_ = std::stoull("0" + Text(rows[0], 2));
  if (s->server_version_num_ < 150000) {
    return Status(Code::kWriterNonRetryable,
                  "PostgreSQL " + Text(rows[0], 1) +
                      " is older than 15 (no pg_backup_start)");
  }

  SP_ASSIGN_OR_RETURN(
      rows, s->conn_->Query("SELECT pg_backup_start($1, $2)::text",
                            {label, config.fast_checkpoint ? "true" : "false"},
                            deadline));
  if (rows.size() != 1 || Text(rows[0], 0).empty()) {
    return Status(Code::kWriterRetryable,
                  "PostgreSQL: pg_backup_start returned no location");
  }
  s->label_ = label;
  s->start_lsn_ = Text(rows[0], 0);
  return s;
}

Result<BackupMetadata> BackupSession::Stop(Deadline deadline) {
  if (conn_ == nullptr) {
    return Status(Code::kBadState, "the backup session is finished");
  }
  // Whatever happens, the session is over afterwards.
  std::unique_ptr<PgConnection> conn = std::move(conn_);
  SP_ASSIGN_OR_RETURN(
      std::vector<PgRow> rows,
      conn->Query("SELECT lsn::text, labelfile, spcmapfile "
                  "FROM pg_backup_stop(wait_for_archive => true)",
                  {}, deadline));
  if (rows.size() != 1) {
    return Status(Code::kWriterRetryable,
                  "PostgreSQL: pg_backup_stop returned no row");
  }
  BackupMetadata m;
  m.label = label_;
  m.start_lsn = start_lsn_;
  m.stop_lsn = Text(rows[0], 0);
  m.backup_label = Text(rows[0], 1);
  m.tablespace_map = Text(rows[0], 2);
  m.wal_segment_size = wal_segment_size_;
  m.server_version_num = server_version_num_;
  m.data_directory = data_directory_;
  Status complete = CompleteBackupMetadata(m);
  if (!complete.ok()) {
    return Status(Code::kWriterNonRetryable, complete.message());
  }
  return m;
}

}  // namespace sp::postgres
