// Catalogue: LUN rows and snapshot sets.
#include <string_view>

#include "array/catalogue.h"

namespace sp::array {
namespace {

constexpr std::string_view kLunColumns =
    "SELECT id, state, coalesce(name, ''), coalesce(serial, ''), "
    "coalesce(naa, ''), vendor, product, revision, size_bytes, created_us, "
    "set_id, coalesce(origin_lun_id, 0), origin_naa, read_only, "
    "coalesce(broken_from, 0) FROM luns ";

const char* LunStateName(LunState s) {
  switch (s) {
    case LunState::kCreating:
      return "creating";
    case LunState::kReady:
      return "ready";
    case LunState::kDeleting:
      return "deleting";
  }
  return "ready";
}

LunState ParseLunState(const std::string& s) {
  if (s == "creating") return LunState::kCreating;
  if (s == "deleting") return LunState::kDeleting;
  return LunState::kReady;
}

const char* SetStateName(SetState s) {
  return s == SetState::kCreating ? "creating" : "committed";
}

Result<LunRow> ReadLun(const sql::Statement& q) {
  LunRow r;
  r.id = q.UInt(0);
  r.state = ParseLunState(q.Text(1));
  r.name = q.Text(2);
  r.serial = q.Text(3);
  r.naa = q.Text(4);
  r.vendor = q.Text(5);
  r.product = q.Text(6);
  r.revision = q.Text(7);
  r.size_bytes = q.UInt(8);
  r.created_us = q.Int(9);
  if (!q.IsNull(10)) {
    SP_ASSIGN_OR_RETURN(Guid set_id, Guid::Parse(q.Text(10)));
    r.set_id = set_id;
  }
  r.origin_lun_id = q.UInt(11);
  r.origin_naa = q.Text(12);
  r.read_only = q.Bool(13);
  r.broken_from = q.UInt(14);
  return r;
}

}  // namespace

Result<std::vector<LunRow>> Catalogue::LunRows(sql::Statement& stmt) {
  std::vector<LunRow> rows;
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    SP_ASSIGN_OR_RETURN(LunRow lun, ReadLun(stmt));
    rows.push_back(std::move(lun));
  }
}

Result<uint64_t> Catalogue::InsertLun(const LunRow& row) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT INTO luns(state, vendor, product, revision, "
                   "size_bytes, created_us, set_id, origin_lun_id, origin_naa, "
                   "read_only, broken_from) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.BindText(LunStateName(row.state))
      .BindText(row.vendor)
      .BindText(row.product)
      .BindText(row.revision)
      .BindInt(static_cast<int64_t>(row.size_bytes))
      .BindInt(row.created_us);
  if (row.set_id) {
    q.BindText(row.set_id->ToString());
  } else {
    q.BindNull();
  }
  if (row.origin_lun_id != 0) {
    q.BindInt(static_cast<int64_t>(row.origin_lun_id));
  } else {
    q.BindNull();
  }
  q.BindText(row.origin_naa).BindInt(row.read_only ? 1 : 0);
  if (row.broken_from != 0) {
    q.BindInt(static_cast<int64_t>(row.broken_from));
  } else {
    q.BindNull();
  }
  SP_RETURN_IF_ERROR(q.Run());
  return static_cast<uint64_t>(db_->LastInsertRowid());
}

Status Catalogue::SetLunIdentity(uint64_t id, const LunIdentity& identity) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare(
          "UPDATE luns SET name = ?, serial = ?, naa = ? WHERE id = ?"));
  q.BindText(identity.name)
      .BindText(identity.serial)
      .BindText(identity.naa)
      .BindInt(static_cast<int64_t>(id));
  return q.Run();
}

Result<std::optional<LunRow>> Catalogue::GetLun(uint64_t id) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare(std::string(kLunColumns) + "WHERE id = ?"));
  q.BindInt(static_cast<int64_t>(id));
  SP_ASSIGN_OR_RETURN(std::vector<LunRow> rows, LunRows(q));
  if (rows.empty()) return std::optional<LunRow>();
  return std::optional<LunRow>(std::move(rows.front()));
}

Result<std::optional<LunRow>> Catalogue::FindLunByNaa(const std::string& naa) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare(std::string(kLunColumns) + "WHERE naa = ?"));
  q.BindText(naa);
  SP_ASSIGN_OR_RETURN(std::vector<LunRow> rows, LunRows(q));
  if (rows.empty()) return std::optional<LunRow>();
  return std::optional<LunRow>(std::move(rows.front()));
}

Result<std::vector<LunRow>> Catalogue::ListLuns() {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare(std::string(kLunColumns) + "ORDER BY id"));
  return LunRows(q);
}

Result<std::vector<LunRow>> Catalogue::LunsInState(LunState state) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare(std::string(kLunColumns) + "WHERE state = ? ORDER BY id"));
  q.BindText(LunStateName(state));
  return LunRows(q);
}

Result<std::vector<LunRow>> Catalogue::LunsOfSet(const Guid& set_id) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare(std::string(kLunColumns) + "WHERE set_id = ? ORDER BY id"));
  q.BindText(set_id.ToString());
  return LunRows(q);
}

Status Catalogue::SetLunState(uint64_t id, LunState state) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("UPDATE luns SET state = ? WHERE id = ?"));
  q.BindText(LunStateName(state)).BindInt(static_cast<int64_t>(id));
  return q.Run();
}

Status Catalogue::SetLunSize(uint64_t id, uint64_t size_bytes) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("UPDATE luns SET size_bytes = ? WHERE id = ?"));
  q.BindInt(static_cast<int64_t>(size_bytes)).BindInt(static_cast<int64_t>(id));
  return q.Run();
}

Status Catalogue::DeleteLun(uint64_t id) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM luns WHERE id = ?"));
  q.BindInt(static_cast<int64_t>(id));
  return q.Run();
}

// ---- snapshot sets ----

Status Catalogue::InsertSet(const SetRow& row) {
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("INSERT INTO snapshot_sets(id, state, creating_host, "
                     "created_us, transportable) VALUES (?, ?, ?, ?, ?)"));
    q.BindText(row.id.ToString())
        .BindText(SetStateName(row.state))
        .BindText(row.creating_host)
        .BindInt(row.created_us)
        .BindInt(row.transportable ? 1 : 0);
    SP_RETURN_IF_ERROR(q.Run());
  }
  for (const std::string& importer : row.importers) {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("INSERT OR IGNORE INTO set_importers(set_id, importer) "
                     "VALUES (?, ?)"));
    q.BindText(row.id.ToString()).BindText(importer);
    SP_RETURN_IF_ERROR(q.Run());
  }
  return Status::Ok();
}

Result<std::optional<SetRow>> Catalogue::GetSet(const Guid& id) {
  SetRow set;
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("SELECT state, creating_host, created_us, transportable "
                     "FROM snapshot_sets WHERE id = ?"));
    q.BindText(id.ToString());
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::optional<SetRow>();
    set.id = id;
    set.state =
        q.Text(0) == "creating" ? SetState::kCreating : SetState::kCommitted;
    set.creating_host = q.Text(1);
    set.created_us = q.Int(2);
    set.transportable = q.Bool(3);
  }
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT importer FROM set_importers WHERE set_id = ? "
                   "ORDER BY importer"));
  q.BindText(id.ToString());
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    set.importers.push_back(q.Text(0));
  }
  return std::optional<SetRow>(std::move(set));
}

Result<std::vector<SetRow>> Catalogue::SetsInState(SetState state) {
  std::vector<Guid> ids;
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("SELECT id FROM snapshot_sets WHERE state = ?"));
    q.BindText(SetStateName(state));
    while (true) {
      SP_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      SP_ASSIGN_OR_RETURN(Guid id, Guid::Parse(q.Text(0)));
      ids.push_back(id);
    }
  }
  std::vector<SetRow> sets;
  for (const Guid& id : ids) {
    SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, GetSet(id));
    if (set) sets.push_back(std::move(*set));
  }
  return sets;
}

Status Catalogue::SetSetState(const Guid& id, SetState state) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("UPDATE snapshot_sets SET state = ? WHERE id = ?"));
  q.BindText(SetStateName(state)).BindText(id.ToString());
  return q.Run();
}

Status Catalogue::DeleteSet(const Guid& id) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM snapshot_sets WHERE id = ?"));
  q.BindText(id.ToString());
  return q.Run();
}

Status Catalogue::RemoveImporterEverywhere(const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("DELETE FROM set_importers WHERE importer = ?"));
  q.BindText(host);
  return q.Run();
}

}  // namespace sp::array
