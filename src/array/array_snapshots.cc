// ArrayImpl: snapshot sets (create, list, delete).
#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "array/array_impl.h"
#include "array/recovery.h"

namespace sp::array {
namespace {

constexpr size_t kMaxLunsPerSet =
    64;  // VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED
constexpr std::string_view kClusterPrefix = "cluster:";

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b
             ? std::numeric_limits<uint64_t>::max()
             : a + b;
}

}  // namespace

Status ArrayImpl::CheckImporters(const std::vector<std::string>& importers) {
  for (const std::string& importer : importers) {
    if (std::string_view(importer).starts_with(kClusterPrefix)) {
      std::string cluster = importer.substr(kClusterPrefix.size());
      SP_ASSIGN_OR_RETURN(bool any, db_->ClusterHasHosts(cluster));
      if (cluster.empty() || !any) {
        return Status(Code::kObjectNotFound,
                      "importer '" + importer + "': no host in that cluster");
      }
      continue;
    }
    SP_ASSIGN_OR_RETURN(std::optional<HostRow> host, db_->GetHost(importer));
    if (!host) {
      return Status(Code::kObjectNotFound,
                    "importer '" + importer + "' is not a registered host");
    }
  }
  return Status::Ok();
}

Status ArrayImpl::CheckSpace(const std::vector<LunRow>& origins) {
  uint64_t reserve = 0;
  for (const LunRow& lun : origins) {
    uint64_t share =
        lun.size_bytes / 100 * options_.snapshot_reserve_percent +
        lun.size_bytes % 100 * options_.snapshot_reserve_percent / 100;
    reserve = SaturatingAdd(reserve, share);
  }
  uint64_t needed = SaturatingAdd(options_.free_space_floor_bytes, reserve);
  SP_ASSIGN_OR_RETURN(os::SpaceInfo space, fs_->Space(luns_dir_));
  if (space.free_bytes < needed) {
    return Status(Code::kInsufficientStorage,
                  "pool has " + std::to_string(space.free_bytes) +
                      " bytes free; a snapshot of these LUNs needs " +
                      std::to_string(needed) + " (floor " +
                      std::to_string(options_.free_space_floor_bytes) +
                      " + reserve " + std::to_string(reserve) + ")");
  }
  return Status::Ok();
}

Result<SnapshotSetResult> ArrayImpl::CreateSnapshotSet(
    const Caller& caller, const SnapshotSetRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  const Guid& set_id = request.snapshot_set_id;
  if (set_id.IsNull()) {
    return Status(Code::kInvalidArg, "the snapshot set id is GUID_NULL");
  }
  if (request.lun_ids.empty()) {
    return Status(Code::kInvalidArg, "a snapshot set needs at least one LUN");
  }
  if (request.lun_ids.size() > kMaxLunsPerSet) {
    return Status(Code::kMaxVolumesReached,
                  std::to_string(request.lun_ids.size()) + " LUNs in one set");
  }
  std::set<uint64_t> distinct(request.lun_ids.begin(), request.lun_ids.end());
  if (distinct.size() != request.lun_ids.size()) {
    return Status(Code::kInvalidArg, "a LUN appears twice in the set");
  }
  std::vector<LunRow> origins;
  for (uint64_t id : request.lun_ids) {
    SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
    if (lun.is_snapshot()) {
      return Status(Code::kVolumeNotSupportedByProvider,
                    "LUN " + std::to_string(id) +
                        " is a snapshot LUN; break it before snapshotting it");
    }
    origins.push_back(std::move(lun));
  }
  if (request.transportable == request.importers.empty()) {
    return Status(Code::kInvalidArg,
                  request.transportable
                      ? "a transportable set needs its importers"
                      : "importers are for transportable sets only");
  }
  SP_RETURN_IF_ERROR(CheckImporters(request.importers));
  SP_ASSIGN_OR_RETURN(std::optional<SetRow> existing, db_->GetSet(set_id));
  if (existing) {
    return Status(Code::kObjectAlreadyExists,
                  "snapshot set " + set_id.ToString() + " was used before");
  }
  SP_RETURN_IF_ERROR(CheckSpace(origins));

  // Intent: the set and its snapshot LUNs, all "creating".
  SetRow set{set_id,  SetState::kCreating,   caller.host,
             NowUs(), request.transportable, request.importers};
  std::vector<uint64_t> snaps;
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_RETURN_IF_ERROR(db_->InsertSet(set));
    for (const LunRow& origin : origins) {
      LunRow snap;
      snap.state = LunState::kCreating;
      snap.size_bytes = origin.size_bytes;
      snap.created_us = set.created_us;
      snap.set_id = set_id;
      snap.origin_lun_id = origin.id;
      snap.origin_naa = origin.naa;
      snap.read_only = true;
      SP_ASSIGN_OR_RETURN(uint64_t id, InsertLun(std::move(snap)));
      snaps.push_back(id);
    }
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("snapshot.after-intent");

  // All or nothing: on a failure remove every clone, then the rows. If a
  // removal fails the rows stay "creating" and the next Open undoes them.
  auto undo = [&](Status failure) {
    bool removed = true;
    for (uint64_t snap : snaps) {
      removed = RemoveIfPresent(fs_, LunPath(snap)).ok() && removed;
    }
    if (removed) {
      Result<sql::Transaction> txn = db_->Begin();
      bool undone = txn.ok();
      for (uint64_t snap : snaps) {
        undone = undone && db_->DeleteLun(snap).ok();
      }
      if (undone && db_->DeleteSet(set_id).ok()) (void)txn->Commit();
    }
    return std::move(failure).WithContext("snapshot set " + set_id.ToString());
  };

  // The clones and their durability: the only part timed, and the only part
  // inside the host's freeze window that touches the pool.
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> clone_paths;
  for (size_t i = 0; i < origins.size(); ++i) {
    clone_paths.push_back(LunPath(snaps[i]));
    Status cloned = fs_->CloneNoSync(LunPath(origins[i].id), clone_paths[i]);
    if (!cloned.ok()) {
      return undo(std::move(cloned).WithContext("cloning LUN " +
                                                std::to_string(origins[i].id)));
    }
    faults_.MaybeCrash("snapshot.after-clone", i + 1);
  }
  // One durability pass for the whole set: about one log force on XFS,
  // where a durable Clone per LUN would cost one each.
  if (Status synced = fs_->SyncFiles(clone_paths); !synced.ok()) {
    return undo(std::move(synced).WithContext("syncing the clones"));
  }
  auto commit_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  faults_.MaybeCrash("snapshot.before-commit");

  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_RETURN_IF_ERROR(db_->SetSetState(set_id, SetState::kCommitted));
    for (uint64_t snap : snaps) {
      SP_RETURN_IF_ERROR(db_->SetLunState(snap, LunState::kReady));
      // Non-transportable: auto-import on the creating host (VSS).
      if (!request.transportable && !caller.admin) {
        SP_RETURN_IF_ERROR(db_->AddPresentation(snap, caller.host));
      }
    }
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("snapshot.after-commit");

  SnapshotSetResult result;
  result.snapshot_set_id = set_id;
  result.commit_us = commit_us;
  for (uint64_t snap : snaps) {
    SP_ASSIGN_OR_RETURN(std::optional<LunRow> row, db_->GetLun(snap));
    if (!row) return Status(Code::kInternal, "snapshot LUN row vanished");
    SP_ASSIGN_OR_RETURN(LunInfo info, Describe(*row, caller));
    result.snapshots.push_back(std::move(info));
  }
  return result;
}

Result<std::vector<LunInfo>> ArrayImpl::ListSnapshots(
    const Caller& caller, std::optional<Guid> set_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  return DescribeVisible(caller, /*snapshots=*/true, set_id);
}

Status ArrayImpl::DeleteSnapshot(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kSee));
  if (!lun.is_snapshot()) {
    return Status(Code::kInvalidArg,
                  "LUN " + std::to_string(id) + " is not a snapshot LUN");
  }
  if (!caller.admin) {
    SP_ASSIGN_OR_RETURN(bool may, HostMay(caller.host, lun, Need::kManage));
    if (!may)
      return Denied(caller, "deleting snapshot LUN " + std::to_string(id));
  }
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfLun(id));
  if (!attached.empty()) {
    return Status(Code::kVolumeInUse, "snapshot LUN " + std::to_string(id) +
                                          " is attached by '" +
                                          attached.front().host + "'");
  }
  return DeleteLuns({lun});
}

Status ArrayImpl::DeleteSnapshotSet(const Caller& caller, const Guid& set_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, db_->GetSet(set_id));
  bool committed = set && set->state == SetState::kCommitted;
  if (!caller.admin) {
    bool may = false;
    if (committed) {
      SP_ASSIGN_OR_RETURN(bool importer, IsImporter(*set, caller.host));
      may = importer || set->creating_host == caller.host;
    }
    if (!may) return Denied(caller, "snapshot set " + set_id.ToString());
  }
  std::vector<LunRow> luns;
  if (committed) {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> rows, db_->LunsOfSet(set_id));
    for (LunRow& row : rows) {
      if (row.state == LunState::kReady) luns.push_back(std::move(row));
    }
  }
  if (luns.empty()) {
    return Status(Code::kObjectNotFound,
                  "snapshot set " + set_id.ToString() + " has no snapshot LUN");
  }
  for (const LunRow& lun : luns) {
    SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                        db_->AttachmentsOfLun(lun.id));
    if (!attached.empty()) {
      return Status(Code::kVolumeInUse,
                    "snapshot LUN " + std::to_string(lun.id) + " of set " +
                        set_id.ToString() + " is attached by '" +
                        attached.front().host + "'");
    }
  }
  return DeleteLuns(luns);
}

}  // namespace sp::array
