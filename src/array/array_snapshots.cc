// ArrayImpl: snapshot sets (list, delete). Creation is in
// array_snapshot_create.cc.
#include "array/array_impl.h"

namespace sp::array {

Result<std::vector<LunInfo>> ArrayImpl::ListSnapshots(
    const Caller& caller, std::optional<Guid> set_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  ExpireAbandonedSets();
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
  if (set && set->state == SetState::kCreating) {
    // Prepared, not finished: the creator gives up (VSS AbortSnapshots).
    // Another host is answered as for a set it cannot see.
    if (!caller.admin && set->creating_host != caller.host) {
      return Denied(caller, "snapshot set " + set_id.ToString());
    }
    if (auto it = pending_.find(set_id);
        it != pending_.end() && it->second.finishing) {
      return Status(Code::kBadState,
                    "snapshot set " + set_id.ToString() +
                        " is being finished (its clones are being synced); "
                        "delete it once FinishSnapshotSet has returned");
    }
    return UndoCreatingSet(set_id, Status::Ok());
  }
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
