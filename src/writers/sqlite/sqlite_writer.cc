#include "writers/sqlite/sqlite_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

namespace sp::writers::sqlite {
namespace {

using std::chrono::milliseconds;

// Kept back from the Freeze deadline for releasing the locks already taken
// and answering, when a lock cannot be had.
constexpr milliseconds kMinAnswerReserve{200};

std::string Dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Base(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// The path with symlinks resolved when it exists (a database reached
// through a symlinked directory is on the volume the link points to), else
// as configured.
std::string Resolved(const std::string& path) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(path, ec);
  return ec ? path : real.string();
}

FileDescriptor Files(const std::string& dir, const std::string& filespec) {
  FileDescriptor files;
  files.path = dir;
  files.filespec = filespec;
  return files;
}

bool Selected(const WriterEvent& event, const Guid& instance,
              const DatabaseConfig& db) {
  const WriterComponents* mine = event.Components(instance);
  if (mine == nullptr) return false;
  return std::any_of(mine->components.begin(), mine->components.end(),
                     [&](const BcdComponent& c) {
                       return c.logical_path.empty() && c.name == db.name;
                     });
}

}  // namespace

WriterIdentity SqliteWriterIdentity(const std::string& config_path,
                                    const SqliteWriterConfig& config) {
  WriterIdentity identity;
  identity.writer_id = *Guid::Parse(kSqliteWriterId);
  identity.instance_id = Guid::FromName(identity.writer_id, config_path);
  identity.writer_name = "SQLite Writer";
  identity.instance_name =
      config.instance_name.empty() ? config_path : config.instance_name;
  identity.usage = UsageType::kUserData;
  identity.source = SourceType::kTransactedDb;
  return identity;
}

SqliteWriter::SqliteWriter(WriterIdentity identity, SqliteWriterConfig config,
                           std::function<void(std::string_view)> log)
    : Writer(std::move(identity)),
      config_(std::move(config)),
      log_(std::move(log)) {}

SqliteWriter::~SqliteWriter() { (void)ReleaseAll("writer ends"); }

void SqliteWriter::Log(const std::string& line) const {
  if (log_) {
    log_(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

std::vector<std::string> SqliteWriter::LockedPaths() const {
  std::vector<std::string> paths;
  for (const Held& h : held_) {
    if (h.connection->locked()) paths.push_back(h.path);
  }
  return paths;
}

Result<WriterMetadata> SqliteWriter::OnIdentify(const WriterEvent&) {
  WriterMetadata wmd;
  wmd.identity = identity();
  for (const DatabaseConfig& db : config_.databases) {
    WmdComponent c;
    c.type = ComponentType::kDatabase;
    c.name = db.name;
    c.caption = "SQLite database " + db.path;
    c.selectable = true;
    c.notify_on_backup_complete = true;
    const std::string dir = Dir(db.path);
    const std::string base = Base(db.path);
    c.database_files.push_back(Files(dir, base));
    // The WAL (WAL mode) or rollback journal (the other modes) beside it;
    // -shm is an index SQLite rebuilds from the WAL and is not needed.
    c.log_files.push_back(Files(dir, base + "-wal"));
    c.log_files.push_back(Files(dir, base + "-journal"));
    wmd.components.push_back(std::move(c));
  }
  return wmd;
}

Status SqliteWriter::OnPrepareSnapshot(WriterEvent& event) {
  volumes_ = event.volumes;
  std::string missing;
  for (const DatabaseConfig& db : config_.databases) {
    if (!Selected(event, identity().instance_id, db)) continue;
    if (event.CoversPath(Resolved(db.path))) continue;
    missing += (missing.empty() ? "" : ", ") + db.name + " (" + db.path + ")";
  }
  if (!missing.empty()) {
    return Status(Code::kWriterInconsistentSnapshot,
                  "selected database(s) not on the snapshot set's volumes: " +
                      missing + "; add their volumes to the set");
  }
  return Status::Ok();
}

Status SqliteWriter::OnFreeze(WriterEvent& event) {
  if (event.volumes.empty()) event.volumes = volumes_;
  (void)ReleaseAll("a new Freeze");  // never two freezes' locks at once
  const milliseconds left = event.TimeLeft();
  const auto lock_end = std::chrono::steady_clock::now() + left -
                        std::max(kMinAnswerReserve, left / 10);
  for (const DatabaseConfig& db : config_.databases) {
    const std::string real = Resolved(db.path);
    if (!event.CoversPath(real)) continue;
    Result<std::unique_ptr<DatabaseConnection>> conn =
        DatabaseConnection::Open(db.path);
    if (!conn.ok() && conn.status().code() == Code::kObjectNotFound) {
      // Nothing to protect (yet): the application has not created it.
      Log("Freeze: " + db.name + ": " + conn.status().message() +
          "; nothing to lock");
      continue;
    }
    if (!conn.ok()) {
      Status veto(Code::kWriterRetryable,
                  "Freeze: " + db.name + ": " + conn.status().ToString());
      (void)ReleaseAll("Freeze failed");
      return veto;
    }
    const milliseconds wait =
        std::max(milliseconds(0),
                 std::min(config_.lock_timeout,
                          std::chrono::duration_cast<milliseconds>(
                              lock_end - std::chrono::steady_clock::now())));
    const auto start = std::chrono::steady_clock::now();
    Status locked = (*conn)->LockWrites(wait);
    const auto took = std::chrono::duration_cast<milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (!locked.ok()) {
      const bool busy = locked.code() == Code::kUnavailable;
      Status veto(busy ? Code::kWriterTimeout : Code::kWriterRetryable,
                  "Freeze: could not take the write lock of " + db.name + " (" +
                      db.path + ") within " + std::to_string(wait.count()) +
                      " ms: " + locked.message());
      Log(veto.message());
      (void)ReleaseAll("Freeze failed");
      return veto;
    }
    Result<std::string> mode = (*conn)->JournalMode();
    Log("Freeze: " + db.name + ": write lock taken in " +
        std::to_string(took.count()) + " ms (journal mode " +
        (mode.ok() ? *mode : std::string("?")) + ")");
    held_.push_back(Held{db.path, std::move(*conn)});
  }
  return Status::Ok();
}

Status SqliteWriter::ReleaseAll(std::string_view why) {
  Status first;
  for (Held& h : held_) {
    Status s = h.connection->UnlockWrites();
    if (!s.ok() && first.ok()) first = s;
    Log(std::string(why) + ": " + h.path + ": write lock released");
  }
  held_.clear();  // closing the connections releases any lock left
  return first;
}

Status SqliteWriter::OnThaw(WriterEvent&) { return ReleaseAll("Thaw"); }

Status SqliteWriter::OnAbort(WriterEvent&) { return ReleaseAll("Abort"); }

Status SqliteWriter::OnBackupShutdown(WriterEvent&) {
  return ReleaseAll("BackupShutdown");
}

Status SqliteWriter::OnBackupComplete(WriterEvent& event) {
  if (!held_.empty()) {
    // Another session's snapshot holds the write locks right now: a
    // checkpoint would wait for them on the event thread, and with it that
    // snapshot's THAW. Truncating the WAL is only housekeeping: the next
    // successful backup does it.
    Log("BackupComplete: another snapshot holds the write locks; WAL kept "
        "this time");
    return Status::Ok();
  }
  std::vector<std::string> failures;
  for (const DatabaseConfig& db : config_.databases) {
    const BcdComponent* component =
        event.FindComponent(identity().instance_id, "", db.name);
    if (component == nullptr) {
      Log("BackupComplete: " + db.name + ": not in this backup; WAL kept");
      continue;
    }
    if (!component->backup_succeeded.value_or(false)) {
      Log("BackupComplete: " + db.name +
          ": the backup did not succeed (or did not say); WAL kept");
      continue;
    }
    Result<std::unique_ptr<DatabaseConnection>> conn =
        DatabaseConnection::Open(db.path);
    if (!conn.ok()) {
      failures.push_back(db.name + ": " + conn.status().message());
      continue;
    }
    Result<CheckpointResult> done = (*conn)->CheckpointTruncate(
        std::min(config_.checkpoint_timeout, event.TimeLeft()));
    if (!done.ok()) {
      failures.push_back(db.name + ": " + done.status().message());
    } else if (done->wal_frames < 0) {
      Log("BackupComplete: " + db.name +
          ": not in WAL mode; nothing to "
          "truncate");
    } else if (!done->complete) {
      failures.push_back(
          db.name + ": WAL checkpoint could not complete (" +
          std::to_string(done->checkpointed_frames) + " of " +
          std::to_string(done->wal_frames) +
          " frames; readers or writers kept it busy); WAL not truncated");
    } else {
      Log("BackupComplete: " + db.name + ": WAL checkpointed (" +
          std::to_string(done->checkpointed_frames) + " frames) and truncated");
    }
  }
  if (failures.empty()) return Status::Ok();
  std::string message = "BackupComplete: ";
  for (size_t i = 0; i < failures.size(); ++i) {
    message += (i ? "; " : "") + failures[i];
  }
  return Status(Code::kWriterRetryable, message);
}

}  // namespace sp::writers::sqlite
