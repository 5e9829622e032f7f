// Inventory: storing and reading set and snapshot records (schema and
// opening in inventory_schema.cc).
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "service/inventory_impl.h"

namespace sp::service {
namespace {

using Json = nlohmann::json;

constexpr const char* kSetColumns =
    "SELECT id, context, state, session_id, creating_host, created_us, "
    "provider, importers FROM snapshot_sets ";

Json LunInformationToJson(const LunInformation& lun) {
  return Json{{"array_id", lun.array_id},
              {"lun_id", lun.lun_id},
              {"vendor_id", lun.vendor_id},
              {"product_id", lun.product_id},
              {"product_revision", lun.product_revision},
              {"serial_number", lun.serial_number},
              {"unique_id", lun.unique_id},
              {"size_bytes", lun.size_bytes}};
}

std::string LunsToJson(const std::vector<providers::SnapshotLun>& luns) {
  Json array = Json::array();
  for (const providers::SnapshotLun& lun : luns) {
    array.push_back(
        Json{{"provider_lun_id", lun.provider_lun_id},
             {"source", LunInformationToJson(lun.mapping.source)},
             {"destination", LunInformationToJson(lun.mapping.destination)}});
  }
  return array.dump();
}

// Reads member `key` of `object` into `out` when present; false when it has
// the wrong type. Never throws.
bool ReadString(const Json& object, const char* key, std::string* out) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get_ref<const std::string&>();
  return true;
}

bool ReadLunInformation(const Json& object, LunInformation* out) {
  if (!object.is_object()) return false;
  auto size = object.find("size_bytes");
  if (size != object.end()) {
    if (!size->is_number_unsigned()) return false;
    out->size_bytes = size->get<uint64_t>();
  }
  return ReadString(object, "array_id", &out->array_id) &&
         ReadString(object, "lun_id", &out->lun_id) &&
         ReadString(object, "vendor_id", &out->vendor_id) &&
         ReadString(object, "product_id", &out->product_id) &&
         ReadString(object, "product_revision", &out->product_revision) &&
         ReadString(object, "serial_number", &out->serial_number) &&
         ReadString(object, "unique_id", &out->unique_id);
}

Result<std::vector<providers::SnapshotLun>> LunsFromJson(
    const std::string& text, const std::string& snapshot_id) {
  Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto corrupt = [&] {
    return Status(Code::kIoError, "inventory: the LUN records of snapshot " +
                                      snapshot_id + " are damaged");
  };
  if (!array.is_array()) return corrupt();
  std::vector<providers::SnapshotLun> luns;
  for (const Json& item : array) {
    providers::SnapshotLun lun;
    if (!item.is_object() ||
        !ReadString(item, "provider_lun_id", &lun.provider_lun_id)) {
      return corrupt();
    }
    auto source = item.find("source");
    auto destination = item.find("destination");
    if (source == item.end() || destination == item.end() ||
        !ReadLunInformation(*source, &lun.mapping.source) ||
        !ReadLunInformation(*destination, &lun.mapping.destination)) {
      return corrupt();
    }
    luns.push_back(std::move(lun));
  }
  return luns;
}

Result<Guid> ParseStoredGuid(const std::string& text) {
  Result<Guid> guid = Guid::Parse(text);
  if (!guid.ok()) {
    return Status(Code::kIoError, "inventory: damaged id '" + text + "'");
  }
  return guid;
}

Status NotFound(std::string_view what, const Guid& id) {
  return Status(Code::kObjectNotFound, std::string(what) + " " + id.ToString() +
                                           " is not in the inventory");
}

}  // namespace

Status InventoryImpl::InsertSnapshots(const SetRecord& set) {
  int64_t position = 0;
  for (const SnapshotRecord& s : set.snapshots) {
    if (!s.snapshot_set_id.IsNull() &&
        s.snapshot_set_id != set.snapshot_set_id) {
      return Status(Code::kInvalidArg,
                    "snapshot " + s.snapshot_id.ToString() + " names set " +
                        s.snapshot_set_id.ToString() + ", not " +
                        set.snapshot_set_id.ToString());
    }
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("INSERT INTO snapshots(id, set_id, position, "
                     "provider_id, attributes, original_device, "
                     "original_mount_point, original_fs_type, "
                     "original_fs_uuid, luns_json, device, exposed_path) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.BindText(s.snapshot_id.ToString())
        .BindText(set.snapshot_set_id.ToString())
        .BindInt(position++)
        .BindText(s.provider_id.ToString())
        .BindInt(s.attributes)
        .BindText(s.original.device)
        .BindText(s.original.mount_point)
        .BindText(s.original.fs_type)
        .BindText(s.original.fs_uuid)
        .BindText(LunsToJson(s.luns))
        .BindText(s.device)
        .BindText(s.exposed_path);
    Status st = q.Run();
    if (st.code() == Code::kObjectAlreadyExists) {
      return Status(Code::kObjectAlreadyExists,
                    "snapshot " + s.snapshot_id.ToString() +
                        " is already in the inventory");
    }
    SP_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

Status InventoryImpl::AddSet(const SetRecord& set) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, sql::Transaction::Begin(db_.get()));
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("INSERT INTO snapshot_sets(id, context, state, "
                     "session_id, creating_host, created_us, provider, "
                     "importers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    q.BindText(set.snapshot_set_id.ToString())
        .BindInt(set.context)
        .BindText(SetStateName(set.state))
        .BindText(set.session_id.ToString())
        .BindText(set.creating_host)
        .BindInt(set.created_us)
        .BindText(set.provider)
        .BindText(Json(set.importers).dump());
    Status st = q.Run();
    if (st.code() == Code::kObjectAlreadyExists) {
      return Status(Code::kObjectAlreadyExists,
                    "snapshot set " + set.snapshot_set_id.ToString() +
                        " is already in the inventory");
    }
    SP_RETURN_IF_ERROR(st);
  }
  SP_RETURN_IF_ERROR(InsertSnapshots(set));
  return txn.Commit();
}

Status InventoryImpl::UpdateSet(const SetRecord& set) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, sql::Transaction::Begin(db_.get()));
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("UPDATE snapshot_sets SET context = ?, state = ?, "
                     "session_id = ?, creating_host = ?, created_us = ?, "
                     "provider = ?, importers = ? WHERE id = ?"));
    q.BindInt(set.context)
        .BindText(SetStateName(set.state))
        .BindText(set.session_id.ToString())
        .BindText(set.creating_host)
        .BindInt(set.created_us)
        .BindText(set.provider)
        .BindText(Json(set.importers).dump())
        .BindText(set.snapshot_set_id.ToString());
    SP_RETURN_IF_ERROR(q.Run());
    if (db_->Changes() == 0) {
      return NotFound("snapshot set", set.snapshot_set_id);
    }
  }
  {
    SP_ASSIGN_OR_RETURN(sql::Statement q,
                        db_->Prepare("DELETE FROM snapshots WHERE set_id = ?"));
    q.BindText(set.snapshot_set_id.ToString());
    SP_RETURN_IF_ERROR(q.Run());
  }
  SP_RETURN_IF_ERROR(InsertSnapshots(set));
  return txn.Commit();
}

Status InventoryImpl::SetState(const Guid& set_id, service::SetState state) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("UPDATE snapshot_sets SET state = ? WHERE id = ?"));
  q.BindText(SetStateName(state)).BindText(set_id.ToString());
  SP_RETURN_IF_ERROR(q.Run());
  if (db_->Changes() == 0) return NotFound("snapshot set", set_id);
  return Status::Ok();
}

Status InventoryImpl::RemoveSet(const Guid& set_id) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM snapshot_sets WHERE id = ?"));
  q.BindText(set_id.ToString());
  SP_RETURN_IF_ERROR(q.Run());  // snapshots go by ON DELETE CASCADE
  if (db_->Changes() == 0) return NotFound("snapshot set", set_id);
  return Status::Ok();
}

Result<std::optional<Guid>> InventoryImpl::SetOfSnapshot(
    const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT set_id FROM snapshots WHERE id = ?"));
  q.BindText(snapshot_id.ToString());
  SP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<Guid>();
  SP_ASSIGN_OR_RETURN(Guid set_id, ParseStoredGuid(q.Text(0)));
  return std::optional<Guid>(set_id);
}

Status InventoryImpl::RemoveSnapshot(const Guid& snapshot_id) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, sql::Transaction::Begin(db_.get()));
  SP_ASSIGN_OR_RETURN(std::optional<Guid> set_id, SetOfSnapshot(snapshot_id));
  if (!set_id) return NotFound("snapshot", snapshot_id);
  {
    SP_ASSIGN_OR_RETURN(sql::Statement q,
                        db_->Prepare("DELETE FROM snapshots WHERE id = ?"));
    q.BindText(snapshot_id.ToString());
    SP_RETURN_IF_ERROR(q.Run());
  }
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare("DELETE FROM snapshot_sets WHERE id = ? AND NOT EXISTS "
                     "(SELECT 1 FROM snapshots WHERE set_id = ?)"));
    q.BindText(set_id->ToString()).BindText(set_id->ToString());
    SP_RETURN_IF_ERROR(q.Run());
  }
  return txn.Commit();
}

Status InventoryImpl::ReadSnapshots(SetRecord* set) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT id, provider_id, attributes, original_device, "
                   "original_mount_point, original_fs_type, "
                   "original_fs_uuid, luns_json, device, exposed_path "
                   "FROM snapshots WHERE set_id = ? ORDER BY position"));
  q.BindText(set->snapshot_set_id.ToString());
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::Ok();
    SnapshotRecord s;
    SP_ASSIGN_OR_RETURN(s.snapshot_id, ParseStoredGuid(q.Text(0)));
    s.snapshot_set_id = set->snapshot_set_id;
    SP_ASSIGN_OR_RETURN(s.provider_id, ParseStoredGuid(q.Text(1)));
    s.attributes = static_cast<uint32_t>(q.Int(2));
    s.original.device = q.Text(3);
    s.original.mount_point = q.Text(4);
    s.original.fs_type = q.Text(5);
    s.original.fs_uuid = q.Text(6);
    SP_ASSIGN_OR_RETURN(s.luns, LunsFromJson(q.Text(7), q.Text(0)));
    s.device = q.Text(8);
    s.exposed_path = q.Text(9);
    set->snapshots.push_back(std::move(s));
  }
}

Result<std::vector<SetRecord>> InventoryImpl::ReadSets(const std::string& where,
                                                       const std::string& arg) {
  std::vector<SetRecord> sets;
  {
    SP_ASSIGN_OR_RETURN(
        sql::Statement q,
        db_->Prepare(kSetColumns + where + " ORDER BY created_us, id"));
    if (!arg.empty()) q.BindText(arg);
    while (true) {
      SP_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      SetRecord set;
      SP_ASSIGN_OR_RETURN(set.snapshot_set_id, ParseStoredGuid(q.Text(0)));
      set.context = static_cast<uint32_t>(q.Int(1));
      std::optional<service::SetState> state = SetStateFromName(q.Text(2));
      if (!state) {
        return Status(Code::kIoError,
                      "inventory: damaged state '" + q.Text(2) + "'");
      }
      set.state = *state;
      SP_ASSIGN_OR_RETURN(set.session_id, ParseStoredGuid(q.Text(3)));
      set.creating_host = q.Text(4);
      set.created_us = q.Int(5);
      set.provider = q.Text(6);
      const Json importers = Json::parse(q.Text(7), nullptr, false);
      if (!importers.is_array()) {
        return Status(Code::kIoError, "inventory: damaged importers of set " +
                                          set.snapshot_set_id.ToString());
      }
      for (const Json& host : importers) {
        if (host.is_string()) set.importers.push_back(host.get<std::string>());
      }
      sets.push_back(std::move(set));
    }
  }
  for (SetRecord& set : sets) SP_RETURN_IF_ERROR(ReadSnapshots(&set));
  return sets;
}

Result<SetRecord> InventoryImpl::ReadSet(const Guid& set_id) {
  SP_ASSIGN_OR_RETURN(std::vector<SetRecord> sets,
                      ReadSets("WHERE id = ?", set_id.ToString()));
  if (sets.empty()) return NotFound("snapshot set", set_id);
  return std::move(sets.front());
}

Result<SetRecord> InventoryImpl::GetSet(const Guid& set_id) {
  std::lock_guard lock(mu_);
  return ReadSet(set_id);
}

Result<SetRecord> InventoryImpl::FindSnapshot(const Guid& snapshot_id) {
  std::lock_guard lock(mu_);
  SP_ASSIGN_OR_RETURN(std::optional<Guid> set_id, SetOfSnapshot(snapshot_id));
  if (!set_id) return NotFound("snapshot", snapshot_id);
  return ReadSet(*set_id);
}

Result<std::vector<SetRecord>> InventoryImpl::ListSets() {
  std::lock_guard lock(mu_);
  return ReadSets("", "");
}

Result<std::vector<SetRecord>> InventoryImpl::ListSetsOfSession(
    const Guid& session_id) {
  std::lock_guard lock(mu_);
  return ReadSets("WHERE session_id = ?", session_id.ToString());
}

}  // namespace sp::service
