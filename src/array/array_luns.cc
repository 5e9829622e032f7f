// ArrayImpl: ordinary LUNs (create, list, get, resize, delete) and the
// crash-safe deletion shared with snapshots.
#include "array/array_impl.h"
#include "array/recovery.h"

namespace sp::array {
namespace {

constexpr uint64_t kMaxLunBytes = 1ull << 50;  // 1 PiB

Status CheckSize(uint64_t size) {
  if (size == 0 || size % 512 != 0 || size > kMaxLunBytes) {
    return Status(Code::kInvalidArg,
                  "LUN size " + std::to_string(size) +
                      ": want a multiple of 512 bytes, more than 0, at most "
                      "1 PiB");
  }
  return Status::Ok();
}

}  // namespace

Result<LunInfo> ArrayImpl::CreateLun(const Caller& caller,
                                     uint64_t size_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "creating a LUN"));
  ExpireAbandonedSets();
  SP_RETURN_IF_ERROR(CheckSize(size_bytes));
  LunRow row;
  row.state = LunState::kCreating;
  row.size_bytes = size_bytes;
  row.created_us = NowUs();
  uint64_t id = 0;
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_ASSIGN_OR_RETURN(id, InsertLun(row));
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("lun.after-intent");
  Status made = fs_->CreateSparseFile(LunPath(id), size_bytes);
  if (!made.ok()) {
    // Undo the intent; if that fails too, recovery will.
    if (RemoveIfPresent(fs_, LunPath(id)).ok()) (void)db_->DeleteLun(id);
    return std::move(made).WithContext("creating LUN " + std::to_string(id));
  }
  faults_.MaybeCrash("lun.after-file");
  SP_RETURN_IF_ERROR(db_->SetLunState(id, LunState::kReady));
  SP_ASSIGN_OR_RETURN(std::optional<LunRow> created, db_->GetLun(id));
  if (!created) return Status(Code::kInternal, "LUN row vanished");
  return Describe(*created, caller);
}

Result<std::vector<LunInfo>> ArrayImpl::ListLuns(const Caller& caller) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  return DescribeVisible(caller, /*snapshots=*/false, std::nullopt);
}

Result<LunInfo> ArrayImpl::GetLun(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  SP_ASSIGN_OR_RETURN(LunRow row, LunFor(caller, id, Need::kSee));
  return Describe(row, caller);
}

Result<LunInfo> ArrayImpl::FindLunByNaa(const Caller& caller,
                                        const std::string& naa) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  if (!IsWellFormedNaa(naa)) {
    return Status(Code::kInvalidArg,
                  "not an NAA-6 id (naa.6 + 31 hex "
                  "digits): '" +
                      naa.substr(0, 80) + "'");
  }
  SP_ASSIGN_OR_RETURN(std::optional<LunRow> row,
                      db_->FindLunByNaa(CanonicalNaa(naa)));
  if (row && row->state == LunState::kReady) {
    SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, row->id, Need::kSee));
    return Describe(lun, caller);
  }
  if (caller.admin) return Status(Code::kObjectNotFound, "no LUN " + naa);
  return Denied(caller, "LUN " + naa);
}

Status ArrayImpl::ResizeLun(const Caller& caller, uint64_t id,
                            uint64_t new_size_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "resizing a LUN"));
  ExpireAbandonedSets();
  SP_ASSIGN_OR_RETURN(LunRow row, LunFor(caller, id, Need::kUse));
  if (row.is_snapshot()) {
    return Status(Code::kBadState, "LUN " + std::to_string(id) +
                                       " is a snapshot LUN: break it first");
  }
  SP_RETURN_IF_ERROR(CheckSize(new_size_bytes));
  if (new_size_bytes < row.size_bytes) {
    return Status(Code::kInvalidArg, "LUN " + std::to_string(id) + " has " +
                                         std::to_string(row.size_bytes) +
                                         " bytes: LUNs only grow");
  }
  if (new_size_bytes == row.size_bytes) return Status::Ok();
  // A crash between the two steps leaves a larger file: recovery adopts its
  // size (the grow is finished, never half-undone).
  SP_RETURN_IF_ERROR(fs_->GrowFile(LunPath(id), new_size_bytes));
  faults_.MaybeCrash("resize.after-grow");
  return db_->SetLunSize(id, new_size_bytes);
}

Status ArrayImpl::DeleteLun(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "deleting a LUN"));
  SP_ASSIGN_OR_RETURN(LunRow row, LunFor(caller, id, Need::kUse));
  if (row.is_snapshot()) {
    return Status(Code::kInvalidArg, "LUN " + std::to_string(id) +
                                         " is a snapshot LUN: use "
                                         "DeleteSnapshot");
  }
  SP_ASSIGN_OR_RETURN(std::vector<std::string> presented, db_->PresentedTo(id));
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfLun(id));
  if (!presented.empty() || !attached.empty()) {
    return Status(Code::kVolumeInUse,
                  "LUN " + std::to_string(id) + " is presented to " +
                      std::to_string(presented.size()) + " and attached by " +
                      std::to_string(attached.size()) + " host(s)");
  }
  return DeleteLuns({row});
}

Status ArrayImpl::DeleteLuns(const std::vector<LunRow>& luns) {
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    for (const LunRow& lun : luns) {
      SP_RETURN_IF_ERROR(db_->SetLunState(lun.id, LunState::kDeleting));
      SP_RETURN_IF_ERROR(db_->RemoveAllPresentations(lun.id));
    }
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("delete.after-intent");
  return FinishDeletion(luns);
}

Status ArrayImpl::FinishDeletion(const std::vector<LunRow>& luns) {
  for (size_t i = 0; i < luns.size(); ++i) {
    SP_RETURN_IF_ERROR(
        RemoveIfPresent(fs_, LunPath(luns[i].id))
            .WithContext("deleting LUN " + std::to_string(luns[i].id)));
    if (i == 0) faults_.MaybeCrash("delete.after-remove");
  }
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
  for (const LunRow& lun : luns) SP_RETURN_IF_ERROR(db_->DeleteLun(lun.id));
  return txn.Commit();
}

}  // namespace sp::array
