// Catalogue: opening, pragmas, the schema and its migrations, metadata.
#include "array/catalogue.h"

#include <array>
#include <string_view>

namespace sp::array {
namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Append only:
// a released migration never changes.
constexpr std::array<std::string_view, 1> kMigrations = {
    // 1: the first schema.
    R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE hosts(
  name TEXT PRIMARY KEY,
  cluster TEXT NOT NULL,
  credential_sha256 BLOB NOT NULL,
  created_us INTEGER NOT NULL
) STRICT;
CREATE INDEX hosts_by_cluster ON hosts(cluster);

CREATE TABLE snapshot_sets(
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('creating', 'committed')),
  creating_host TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  transportable INTEGER NOT NULL
) STRICT;

CREATE TABLE set_importers(
  set_id TEXT NOT NULL REFERENCES snapshot_sets(id) ON DELETE CASCADE,
  importer TEXT NOT NULL,
  PRIMARY KEY (set_id, importer)
) STRICT;

CREATE TABLE luns(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL CHECK (state IN ('creating', 'ready', 'deleting')),
  name TEXT UNIQUE,
  serial TEXT UNIQUE,
  naa TEXT UNIQUE,
  vendor TEXT NOT NULL,
  product TEXT NOT NULL,
  revision TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  created_us INTEGER NOT NULL,
  set_id TEXT REFERENCES snapshot_sets(id),
  origin_lun_id INTEGER REFERENCES luns(id) ON DELETE SET NULL,
  origin_naa TEXT NOT NULL,
  read_only INTEGER NOT NULL,
  broken_from INTEGER
) STRICT;
CREATE INDEX luns_by_set ON luns(set_id);
CREATE INDEX luns_by_origin ON luns(origin_lun_id);

CREATE TABLE presentations(
  lun_id INTEGER NOT NULL REFERENCES luns(id) ON DELETE CASCADE,
  host TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
  PRIMARY KEY (lun_id, host)
) STRICT;
CREATE INDEX presentations_by_host ON presentations(host);

CREATE TABLE attachments(
  lun_id INTEGER NOT NULL REFERENCES luns(id) ON DELETE CASCADE,
  host TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
  device TEXT NOT NULL,
  since_us INTEGER NOT NULL,
  PRIMARY KEY (lun_id, host)
) STRICT;
CREATE INDEX attachments_by_host ON attachments(host);

CREATE TABLE rw_mounts(
  lun_id INTEGER NOT NULL REFERENCES luns(id) ON DELETE CASCADE,
  host TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
  since_us INTEGER NOT NULL,
  PRIMARY KEY (lun_id, host)
) STRICT;
CREATE INDEX rw_mounts_by_host ON rw_mounts(host);
)sql",
};

}  // namespace

int Catalogue::CurrentSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

Result<std::unique_ptr<Catalogue>> Catalogue::Open(const std::string& path) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<sql::Database> db,
                      sql::Database::Open(path));
  std::unique_ptr<Catalogue> catalogue(new Catalogue(std::move(db)));
  SP_RETURN_IF_ERROR(catalogue->Configure().WithContext(path));
  SP_RETURN_IF_ERROR(catalogue->Migrate().WithContext(path));
  return catalogue;
}

Status Catalogue::Configure() {
  // journal_mode answers with a row: read it to check WAL was taken.
  SP_ASSIGN_OR_RETURN(sql::Statement wal,
                      db_->Prepare("PRAGMA journal_mode=WAL"));
  SP_ASSIGN_OR_RETURN(bool row, wal.Step());
  if (!row || wal.Text(0) != "wal") {
    return Status(Code::kNotSupported, "the catalogue cannot use WAL mode");
  }
  return db_->Exec(
      "PRAGMA synchronous=FULL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA busy_timeout=5000;");
}

Status Catalogue::Migrate() {
  int version = 0;
  {
    SP_ASSIGN_OR_RETURN(sql::Statement q, db_->Prepare("PRAGMA user_version"));
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) version = static_cast<int>(q.Int(0));
  }
  if (version > CurrentSchemaVersion()) {
    return Status(Code::kNotSupported,
                  "catalogue schema version " + std::to_string(version) +
                      " is newer than this program's (" +
                      std::to_string(CurrentSchemaVersion()) + ")");
  }
  for (int v = version; v < CurrentSchemaVersion(); ++v) {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, Begin());
    SP_RETURN_IF_ERROR(db_->Exec(std::string(kMigrations[v])));
    SP_RETURN_IF_ERROR(
        db_->Exec("PRAGMA user_version=" + std::to_string(v + 1)));
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

Result<std::optional<std::string>> Catalogue::GetMeta(const std::string& key) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("SELECT value FROM meta WHERE key = ?"));
  q.BindText(key);
  SP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Result<std::string> Catalogue::GetOrInsertMeta(const std::string& key,
                                               const std::string& value) {
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)"));
    q.BindText(key).BindText(value);
    SP_RETURN_IF_ERROR(q.Run());
  }
  SP_ASSIGN_OR_RETURN(std::optional<std::string> stored, GetMeta(key));
  if (!stored) return Status(Code::kInternal, "meta key vanished: " + key);
  return *stored;
}

Result<uint64_t> Catalogue::CountReadyLuns(bool snapshots) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT count(*) FROM luns WHERE state = 'ready' AND "
                   "(set_id IS NOT NULL) = ?"));
  q.BindInt(snapshots ? 1 : 0);
  SP_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.UInt(0) : 0;
}

Result<uint64_t> Catalogue::CountHosts() {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("SELECT count(*) FROM hosts"));
  SP_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.UInt(0) : 0;
}

}  // namespace sp::array
