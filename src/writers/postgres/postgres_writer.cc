#include "writers/postgres/postgres_writer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "shadowport/path_translation.h"
#include "writers/postgres/archive_cleanup.h"
#include "writers/postgres/cluster_layout.h"
#include "writers/postgres/wmd_builder.h"

namespace sp::postgres {
namespace {

std::string EpochNow() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06lld",
                static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000));
  return buf;
}

// Whether `archive` holds "<start_wal_file>.XXXXXXXX.backup", the history
// file pg_backup_stop has archived for a backup that started there.
bool HasBackupHistoryFile(const std::string& archive,
                          const std::string& start_wal_file) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(archive, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == start_wal_file.size() + 16 &&
        name.compare(0, start_wal_file.size(), start_wal_file) == 0 &&
        name[start_wal_file.size()] == '.' && name.ends_with(".backup")) {
      return true;
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) {
    if (!out.empty()) out += ", ";
    out += QuotedPath(p);
  }
  return out;
}

}  // namespace

PostgresWriter::PostgresWriter(WriterConfig config, Log log)
    : Writer(MakeIdentity(config)),
      config_(std::move(config)),
      log_(std::move(log)) {}

PostgresWriter::~PostgresWriter() = default;

void PostgresWriter::Note(const WriterEvent& event,
                          std::string_view what) const {
  log_(std::string(WriterEventKindName(event.kind)) +
       " set=" + event.snapshot_set_id.ToString() + " at " + EpochNow() + ": " +
       std::string(what));
}

Result<WriterMetadata> PostgresWriter::OnIdentify(const WriterEvent&) {
  SP_ASSIGN_OR_RETURN(ClusterLayout layout, DiscoverLayout(config_));
  return BuildWriterMetadata(identity(), layout);
}

Status PostgresWriter::OnPrepareSnapshot(WriterEvent& event) {
  // A session left from a set that never reached PostSnapshot or Abort.
  EndSession(event, "a new snapshot set starts");
  if (event.has_bcd && event.Components(identity().instance_id) == nullptr) {
    Note(event, "no component of this cluster is selected: nothing to do");
    return Status::Ok();
  }
  Result<ClusterLayout> layout = DiscoverLayout(config_);
  if (!layout.ok()) {
    return Status(Code::kWriterNonRetryable, layout.status().message());
  }
  const SetCoverage coverage = CoverageOf(
      *layout, [&](std::string_view p) { return event.CoversPath(p); });
  if (coverage.None()) {
    Note(event, "the set holds no file of this cluster: nothing to do");
    return Status::Ok();
  }
  if (!coverage.All()) {
    // A backup of part of a cluster cannot be restored: data without its
    // WAL or tablespaces is not consistent.
    return Status(Code::kWriterInconsistentSnapshot,
                  "the set holds " + Join(coverage.covered) +
                      " of PostgreSQL cluster " + config_.instance_name +
                      " but not " + Join(coverage.missing) +
                      ": add their volumes to the set");
  }
  const std::string label =
      "shadowport set " + event.snapshot_set_id.ToString();
  Note(event, "pg_backup_start('" + label + "')");
  Result<std::unique_ptr<BackupSession>> session = BackupSession::Start(
      config_, layout->data_directory, label, event.deadline);
  if (!session.ok()) return std::move(session).status();
  session_ = std::move(session).value();
  session_owner_ = event.session_id;
  Note(event, "backup started at " + session_->start_lsn());
  return Status::Ok();
}

Status PostgresWriter::OnFreeze(WriterEvent& event) {
  // Nothing to hold: the set's filesystems are frozen together right after,
  // and PostgreSQL's WAL makes that crash-consistent image recoverable; the
  // backup mode started at PrepareSnapshot makes it a base backup.
  Note(event, session_ ? "backup mode on; no writes held" : "not involved");
  return Status::Ok();
}

Status PostgresWriter::OnThaw(WriterEvent& event) {
  Note(event, "nothing to resume");
  return Status::Ok();
}

Status PostgresWriter::OnPostSnapshot(WriterEvent& event) {
  if (session_ == nullptr) {
    if (session_owner_ == event.session_id) {
      // It was started for this set and ended before its PostSnapshot: the
      // snapshot has no backup_label and cannot be restored as a backup.
      return Status(Code::kWriterRetryable,
                    "the backup started at PrepareForSnapshot ended before "
                    "PostSnapshot; the snapshot is not a base backup");
    }
    Note(event, "no backup in progress");
    return Status::Ok();
  }
  std::unique_ptr<BackupSession> session = std::move(session_);
  Note(event, "pg_backup_stop(wait_for_archive => true)");
  SP_ASSIGN_OR_RETURN(BackupMetadata metadata, session->Stop(event.deadline));
  Note(event, "backup stopped at " + metadata.stop_lsn + "; WAL " +
                  metadata.start_wal_file + ".." + metadata.stop_wal_file +
                  " archived");
  BcdComponent* cluster = event.FindComponent(
      identity().instance_id, kRootLogicalPath, config_.instance_name);
  if (cluster != nullptr) {
    cluster->backup_metadata = SerializeBackupMetadata(metadata);
  } else {
    Note(event,
         "the cluster component is not in the BCD: its backup "
         "metadata (backup_label) cannot be stored");
  }
  completed_[event.session_id] = std::move(metadata);
  return Status::Ok();
}

void PostgresWriter::EndSession(const WriterEvent& event,
                                std::string_view why) {
  if (session_ == nullptr) return;
  // Closing the connection ends a non-exclusive backup on the server.
  session_.reset();
  Note(event, "backup session closed (" + std::string(why) + ")");
}

Status PostgresWriter::OnAbort(WriterEvent& event) {
  EndSession(event, "abort");
  completed_.erase(event.session_id);
  return Status::Ok();
}

Status PostgresWriter::OnBackupShutdown(WriterEvent& event) {
  if (session_owner_ == event.session_id) EndSession(event, "shutdown");
  completed_.erase(event.session_id);
  return Status::Ok();
}

Result<BackupMetadata> PostgresWriter::MetadataFor(
    WriterEvent& event, const BcdComponent* cluster) const {
  auto it = completed_.find(event.session_id);
  if (it != completed_.end()) return it->second;
  // This process did not take the backup (it was restarted meanwhile): the
  // BCD's copy, checked like any document from another host, and then
  // against this cluster, because it decides which archived WAL is removed:
  // it must be this set's backup, of this data directory, and PostgreSQL
  // must have written that backup's history file into the archive.
  if (cluster == nullptr || cluster->backup_metadata.empty()) {
    return Status(Code::kObjectNotFound, "no backup metadata for this backup");
  }
  SP_ASSIGN_OR_RETURN(BackupMetadata m,
                      ParseBackupMetadata(cluster->backup_metadata));
  if (m.label != "shadowport set " + event.snapshot_set_id.ToString()) {
    return Status(Code::kInvalidArg,
                  "the BCD's backup metadata is labelled \"" + m.label +
                      "\", not this set's");
  }
  // As the backup session saw it: the layout's (resolved) data directory.
  Result<ClusterLayout> layout = DiscoverLayout(config_);
  const std::string& ours =
      layout.ok() ? layout->data_directory : config_.data_directory;
  if (m.data_directory != ours) {
    return Status(Code::kInvalidArg,
                  "the BCD's backup metadata is of data directory " +
                      QuotedPath(m.data_directory) + ", not " +
                      QuotedPath(ours));
  }
  if (!HasBackupHistoryFile(config_.wal_archive, m.start_wal_file)) {
    return Status(Code::kObjectNotFound, "no backup history file " +
                                             m.start_wal_file +
                                             ".*.backup in the WAL archive " +
                                             QuotedPath(config_.wal_archive));
  }
  return m;
}

Status PostgresWriter::OnBackupComplete(WriterEvent& event) {
  const Guid& me = identity().instance_id;
  const BcdComponent* cluster =
      event.FindComponent(me, kRootLogicalPath, config_.instance_name);
  const BcdComponent* archive =
      event.FindComponent(me, SubcomponentLogicalPath(config_.instance_name),
                          kArchiveComponentName);
  const bool succeeded =
      cluster != nullptr && cluster->backup_succeeded.value_or(false) &&
      (archive == nullptr || archive->backup_succeeded.value_or(false));
  if (!succeeded) {
    Note(event, "the backup did not succeed: no archived WAL removed");
    return Status::Ok();
  }
  if (config_.wal_archive.empty()) {
    Note(event, "backup succeeded; no wal_archive configured");
    return Status::Ok();
  }
  Result<BackupMetadata> metadata = MetadataFor(event, cluster);
  if (!metadata.ok()) {
    Note(event, "backup succeeded, but " + metadata.status().message() +
                    ": no archived WAL removed");
    return Status(Code::kWriterNonRetryable, metadata.status().message());
  }
  Result<CleanupReport> report =
      CleanupArchive(config_.wal_archive, metadata->start_wal_file);
  if (!report.ok()) {
    return Status(Code::kWriterRetryable,
                  "archive cleanup: " + report.status().message());
  }
  Note(event,
       "backup succeeded: removed " + std::to_string(report->removed.size()) +
           " archived WAL files older than " + metadata->start_wal_file +
           (report->removed.empty() ? std::string()
                                    : " (" + report->removed.front() + ".." +
                                          report->removed.back() + ")"));
  return Status::Ok();
}

}  // namespace sp::postgres
