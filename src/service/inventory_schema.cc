// Inventory: state names, start-time rules, opening, pragmas and the schema
// with its migrations. The record storage is in inventory.cc.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "service/inventory_impl.h"
#include "shadowport/context.h"

namespace sp::service {
namespace {

// Migration N (1-based) takes the schema from version N-1 to N (PRAGMA
// user_version). Append only: a released migration never changes.
//
// LUN records are stored as JSON in snapshots.luns_json (format in
// inventory_impl.h, LunsToJson): the inventory only ever reads them back
// whole for a provider, and new LunInformation fields then need no
// migration.
constexpr std::array<std::string_view, 1> kMigrations = {
    // 1: the first schema.
    R"sql(
CREATE TABLE snapshot_sets(
  id TEXT PRIMARY KEY,
  context INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN
    ('creating', 'created', 'importing', 'imported', 'deleting')),
  session_id TEXT NOT NULL,
  creating_host TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  provider TEXT NOT NULL,
  importers TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX snapshot_sets_by_session ON snapshot_sets(session_id);

CREATE TABLE snapshots(
  id TEXT PRIMARY KEY,
  set_id TEXT NOT NULL REFERENCES snapshot_sets(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  provider_id TEXT NOT NULL,
  attributes INTEGER NOT NULL,
  original_device TEXT NOT NULL,
  original_mount_point TEXT NOT NULL,
  original_fs_type TEXT NOT NULL,
  original_fs_uuid TEXT NOT NULL,
  luns_json TEXT NOT NULL,
  device TEXT NOT NULL,
  exposed_path TEXT NOT NULL
) STRICT;
CREATE INDEX snapshots_by_set ON snapshots(set_id, position);
)sql",
};

constexpr std::string_view kSqliteMagic{"SQLite format 3\0", 16};

// A file that exists, is not empty and does not start with SQLite's magic
// is not a database: say so plainly instead of SQLite's generic text.
Status CheckHeader(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();  // created by Open
    return FromErrno(errno, "opening " + path);
  }
  char header[16];
  ssize_t n = read(fd, header, sizeof header);
  int err = errno;
  close(fd);
  if (n < 0) return FromErrno(err, "reading " + path);
  if (n == 0) return Status::Ok();
  if (static_cast<size_t>(n) < sizeof header ||
      std::string_view(header, sizeof header) != kSqliteMagic) {
    return Status(Code::kIoError,
                  path +
                      " is not an SQLite database (corrupt or foreign "
                      "file); restore it or move it aside, knowing that the "
                      "snapshots it records are then unknown to shadowportd");
  }
  return Status::Ok();
}

}  // namespace

std::string_view SetStateName(SetState state) {
  switch (state) {
    case SetState::kCreating:
      return "creating";
    case SetState::kCreated:
      return "created";
    case SetState::kImporting:
      return "importing";
    case SetState::kImported:
      return "imported";
    case SetState::kDeleting:
      return "deleting";
  }
  return "unknown";
}

std::optional<SetState> SetStateFromName(std::string_view name) {
  for (SetState s :
       {SetState::kCreating, SetState::kCreated, SetState::kImporting,
        SetState::kImported, SetState::kDeleting}) {
    if (SetStateName(s) == name) return s;
  }
  return std::nullopt;
}

StartAction ActionAtStart(const SetRecord& set) {
  switch (set.state) {
    case SetState::kCreating:
    case SetState::kImporting:
      return StartAction::kAbort;
    case SetState::kDeleting:
      return StartAction::kDelete;
    case SetState::kCreated:
    case SetState::kImported:
      break;
  }
  if (set.snapshots.empty()) {
    // No snapshot to read attributes from: the context's composition.
    Result<ContextSpec> spec =
        ValidateContext(set.context, ContextUse::kCreate);
    uint32_t attributes =
        spec.ok() ? ImpliedAttributes(spec->base) : set.context;
    return LifetimeOf(attributes) == Lifetime::kPersistent
               ? StartAction::kKeep
               : StartAction::kDelete;
  }
  // The snapshots of a set share its context. Should they disagree, one
  // persistent snapshot keeps the set: never delete persistent data on a
  // guess.
  for (const SnapshotRecord& snapshot : set.snapshots) {
    if (LifetimeOf(snapshot.attributes) == Lifetime::kPersistent) {
      return StartAction::kKeep;
    }
  }
  return StartAction::kDelete;
}

int InventoryImpl::CurrentSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

Result<std::unique_ptr<Inventory>> Inventory::Open(
    const std::string& state_dir) {
  std::string path = state_dir + "/inventory.db";
  SP_RETURN_IF_ERROR(CheckHeader(path));
  SP_ASSIGN_OR_RETURN(std::unique_ptr<sql::Database> db,
                      sql::Database::Open(path));
  std::unique_ptr<InventoryImpl> inventory(new InventoryImpl(std::move(db)));
  SP_RETURN_IF_ERROR(inventory->Configure().WithContext("inventory " + path));
  SP_RETURN_IF_ERROR(inventory->Migrate().WithContext("inventory " + path));
  return std::unique_ptr<Inventory>(std::move(inventory));
}

Status InventoryImpl::Configure() {
  // journal_mode answers with a row: read it to check WAL was taken.
  SP_ASSIGN_OR_RETURN(sql::Statement wal,
                      db_->Prepare("PRAGMA journal_mode=WAL"));
  SP_ASSIGN_OR_RETURN(bool row, wal.Step());
  if (!row || wal.Text(0) != "wal") {
    return Status(Code::kNotSupported, "the inventory cannot use WAL mode");
  }
  SP_RETURN_IF_ERROR(
      db_->Exec("PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=5000;"));
  // The inventory is small: a full structural check at every start finds
  // damage before a decision is taken on it.
  SP_ASSIGN_OR_RETURN(sql::Statement check, db_->Prepare("PRAGMA quick_check"));
  SP_ASSIGN_OR_RETURN(bool check_row, check.Step());
  if (!check_row || check.Text(0) != "ok") {
    return Status(Code::kIoError,
                  "the database is damaged (quick_check: " +
                      (check_row ? check.Text(0) : std::string("no answer")) +
                      "); restore it or move it aside, knowing that the "
                      "snapshots it records are then unknown to shadowportd");
  }
  return Status::Ok();
}

Status InventoryImpl::Migrate() {
  int version = 0;
  {
    SP_ASSIGN_OR_RETURN(sql::Statement q, db_->Prepare("PRAGMA user_version"));
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) version = static_cast<int>(q.Int(0));
  }
  if (version > CurrentSchemaVersion()) {
    return Status(Code::kNotSupported,
                  "inventory schema version " + std::to_string(version) +
                      " is newer than this program's (" +
                      std::to_string(CurrentSchemaVersion()) + ")");
  }
  for (int v = version; v < CurrentSchemaVersion(); ++v) {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn,
                        sql::Transaction::Begin(db_.get()));
    SP_RETURN_IF_ERROR(db_->Exec(std::string(kMigrations[v])));
    SP_RETURN_IF_ERROR(
        db_->Exec("PRAGMA user_version=" + std::to_string(v + 1)));
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace sp::service
