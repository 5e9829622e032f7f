// ArrayImpl: masking (present, unpresent) and the hosts' data path
// (attach, device, detach, reclaim, mount reports).
#include "array/array_impl.h"

namespace sp::array {
namespace {

bool Has(const std::vector<AttachmentRow>& rows, const std::string& host) {
  for (const AttachmentRow& a : rows) {
    if (a.host == host) return true;
  }
  return false;
}

}  // namespace

Status ArrayImpl::Present(const Caller& caller, uint64_t id,
                          const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "presenting a LUN"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> target, db_->GetHost(host));
  if (!target) return Status(Code::kObjectNotFound, "no host '" + host + "'");
  if (lun.is_snapshot()) {
    SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, db_->GetSet(*lun.set_id));
    if (set && set->transportable) {
      SP_ASSIGN_OR_RETURN(bool importer, IsImporter(*set, host));
      if (!importer) {
        Audit("refused: presenting transportable snapshot LUN " +
              std::to_string(id) + " to non-importer '" + host + "'");
        return Status(Code::kAccessDenied,
                      "snapshot LUN " + std::to_string(id) +
                          " is transportable to its importers only; '" + host +
                          "' is not one");
      }
    }
  }
  return db_->AddPresentation(id, host);
}

Status ArrayImpl::Unpresent(const Caller& caller, uint64_t id,
                            const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  // A host may mask a snapshot LUN from itself (VSS DO_MASK_LUNS, the
  // rollback of LocateLuns); everything else is the admin's.
  const bool self =
      !caller.admin && !caller.host.empty() && caller.host == host;
  SP_RETURN_IF_ERROR(self ? CheckCaller(caller)
                          : RequireAdmin(caller, "unpresenting a LUN"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  if (self && !lun.is_snapshot()) {
    return RequireAdmin(caller, "unpresenting an ordinary LUN");
  }
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> target, db_->GetHost(host));
  if (!target) return Status(Code::kObjectNotFound, "no host '" + host + "'");
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfLun(id));
  if (Has(attached, host)) {
    return Status(Code::kVolumeInUse, "host '" + host + "' has LUN " +
                                          std::to_string(id) + " attached");
  }
  return db_->RemovePresentation(lun.id, host);
}

Result<AttachInfo> ArrayImpl::Attach(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireHost(caller, "attaching a LUN"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  // A set is imported by one host at a time: checked here too, under the
  // same lock, so two importers that both located it cannot both attach.
  SP_RETURN_IF_ERROR(CheckNotImportedElsewhere(caller, {lun}));
  SP_RETURN_IF_ERROR(db_->UpsertAttachment(id, caller.host, NowUs()));
  AttachInfo info;
  SP_ASSIGN_OR_RETURN(info.lun, Describe(lun, caller));
  info.backing_file = LunPath(id);
  info.read_only = lun.read_only;
  return info;
}

Status ArrayImpl::SetAttachmentDevice(const Caller& caller, uint64_t id,
                                      const std::string& device) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireHost(caller, "reporting a device"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  if (!device.starts_with("/dev/") || device.size() > 255) {
    return Status(Code::kInvalidArg,
                  "device '" + device.substr(0, 80) + "': want /dev/...");
  }
  SP_ASSIGN_OR_RETURN(bool updated,
                      db_->SetAttachmentDevice(lun.id, caller.host, device));
  if (!updated) {
    return Status(Code::kBadState, "LUN " + std::to_string(id) +
                                       " is not attached by '" + caller.host +
                                       "'");
  }
  return Status::Ok();
}

Status ArrayImpl::Detach(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireHost(caller, "detaching a LUN"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
  SP_RETURN_IF_ERROR(db_->RemoveAttachment(lun.id, caller.host));
  SP_RETURN_IF_ERROR(db_->ClearRwMount(lun.id, caller.host));
  return txn.Commit();
}

Status ArrayImpl::ReclaimHost(const Caller& caller, const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "reclaiming a host's attachments"));
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> target, db_->GetHost(host));
  if (!target) return Status(Code::kObjectNotFound, "no host '" + host + "'");
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
  SP_RETURN_IF_ERROR(db_->RemoveAttachmentsOfHost(host));
  SP_RETURN_IF_ERROR(db_->ClearRwMountsOfHost(host));
  return txn.Commit();
}

Status ArrayImpl::ReportMount(const Caller& caller, uint64_t id,
                              bool mounted_read_write) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireHost(caller, "reporting a mount"));
  SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
  if (!mounted_read_write) return db_->ClearRwMount(lun.id, caller.host);
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfLun(id));
  if (!Has(attached, caller.host)) {
    return Status(Code::kBadState, "LUN " + std::to_string(id) +
                                       " is not attached by '" + caller.host +
                                       "'");
  }
  if (lun.read_only) {
    return Status(Code::kBadState,
                  "LUN " + std::to_string(id) + " is read-only");
  }
  return db_->SetRwMount(lun.id, caller.host, NowUs());
}

}  // namespace sp::array
