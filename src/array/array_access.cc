// ArrayImpl: who may do what (callers, masking, visibility), and how rows
// become the LunInfo callers see.
#include <algorithm>

#include "array/array_impl.h"

namespace sp::array {

Status ArrayImpl::CheckCaller(const Caller& caller) {
  if (caller.admin) return Status::Ok();
  if (caller.host.empty()) {
    Audit("refused: a call without credential");
    return Status(Code::kUnauthenticated, "no credential");
  }
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> host, db_->GetHost(caller.host));
  if (!host) {
    Audit("refused: a call as unregistered host '" + caller.host + "'");
    return Status(Code::kUnauthenticated,
                  "host '" + caller.host + "' is not registered");
  }
  return Status::Ok();
}

Status ArrayImpl::RequireAdmin(const Caller& caller, std::string_view what) {
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  if (caller.admin) return Status::Ok();
  Audit("refused: host '" + caller.host + "' attempted " + std::string(what));
  return Status(Code::kAccessDeniedLocal,
                std::string(what) + " is for the array's administrator");
}

Status ArrayImpl::RequireHost(const Caller& caller, std::string_view what) {
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  if (!caller.admin) return Status::Ok();
  return Status(Code::kInvalidArg,
                std::string(what) + " is done by a host, not the admin");
}

Status ArrayImpl::Denied(const Caller& caller, std::string_view what) {
  Audit("masked: host '" + caller.host + "' asked for " + std::string(what));
  return Status(
      Code::kAccessDenied,
      std::string(what) + " is not presented to host '" + caller.host + "'");
}

Result<bool> ArrayImpl::IsImporter(const SetRow& set, const std::string& host) {
  auto named = [&](const std::string& entry) {
    return std::find(set.importers.begin(), set.importers.end(), entry) !=
           set.importers.end();
  };
  if (named(host)) return true;
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> row, db_->GetHost(host));
  return row && !row->cluster.empty() && named("cluster:" + row->cluster);
}

Result<bool> ArrayImpl::HostMay(const std::string& host, const LunRow& lun,
                                Need need) {
  if (need != Need::kManage) {
    SP_ASSIGN_OR_RETURN(bool presented, db_->IsPresented(lun.id, host));
    if (presented || need == Need::kUse) return presented;
  }
  if (!lun.is_snapshot()) return false;
  SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, db_->GetSet(*lun.set_id));
  if (!set) return false;
  if (set->creating_host == host) return true;
  return IsImporter(*set, host);
}

Result<LunRow> ArrayImpl::LunFor(const Caller& caller, uint64_t id, Need need) {
  SP_ASSIGN_OR_RETURN(std::optional<LunRow> row, db_->GetLun(id));
  bool exists = row && row->state == LunState::kReady;
  if (caller.admin) {
    if (!exists) {
      return Status(Code::kObjectNotFound, "no LUN " + std::to_string(id));
    }
    return std::move(*row);
  }
  if (exists) {
    SP_ASSIGN_OR_RETURN(bool may, HostMay(caller.host, *row, need));
    if (may) return std::move(*row);
  }
  // The same answer whether the LUN exists or not.
  return Denied(caller, "LUN " + std::to_string(id));
}

Result<uint64_t> ArrayImpl::InsertLun(LunRow row) {
  row.vendor = kVendorId;
  row.product = kProductId;
  row.revision = kProductRevision;
  SP_ASSIGN_OR_RETURN(uint64_t id, db_->InsertLun(row));
  SP_ASSIGN_OR_RETURN(LunIdentity identity, DeriveIdentity(array_id_, id));
  SP_RETURN_IF_ERROR(db_->SetLunIdentity(id, identity));
  return id;
}

Result<LunInfo> ArrayImpl::Describe(const LunRow& row, const Caller& viewer) {
  LunInfo info;
  info.array_id = array_id_.ToString();
  info.id = row.id;
  info.name = row.name;
  info.serial = row.serial;
  info.naa = row.naa;
  info.vendor = row.vendor;
  info.product = row.product;
  info.revision = row.revision;
  info.size_bytes = row.size_bytes;
  info.created_us = row.created_us;
  info.read_only = row.read_only;
  if (row.is_snapshot()) {
    info.is_snapshot = true;
    info.origin_lun_id = row.origin_lun_id;
    info.origin_naa = row.origin_naa;
    info.snapshot_set_id = *row.set_id;
    SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, db_->GetSet(*row.set_id));
    if (set) {
      info.creating_host = set->creating_host;
      info.transportable = set->transportable;
      info.importers = set->importers;
    }
  }
  SP_ASSIGN_OR_RETURN(info.presented_to, db_->PresentedTo(row.id));
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attachments,
                      db_->AttachmentsOfLun(row.id));
  for (AttachmentRow& a : attachments) {
    info.attachments.push_back(
        Attachment{std::move(a.host), std::move(a.device), a.since_us});
  }
  SP_ASSIGN_OR_RETURN(info.mounted_read_write_by, db_->RwMountersOf(row.id));
  if (!viewer.admin) {
    // A host learns nothing about other hosts' access to a LUN.
    auto others = [&](const std::string& h) { return h != viewer.host; };
    std::erase_if(info.presented_to, others);
    std::erase_if(info.mounted_read_write_by, others);
    std::erase_if(info.attachments,
                  [&](const Attachment& a) { return others(a.host); });
  }
  return info;
}

Result<std::vector<LunInfo>> ArrayImpl::DescribeVisible(
    const Caller& caller, bool snapshots, const std::optional<Guid>& set) {
  SP_ASSIGN_OR_RETURN(std::vector<LunRow> rows,
                      db_->LunsInState(LunState::kReady));
  std::vector<LunInfo> out;
  for (const LunRow& row : rows) {
    if (row.is_snapshot() != snapshots) continue;
    if (set && row.set_id != set) continue;
    if (!caller.admin) {
      SP_ASSIGN_OR_RETURN(bool visible, HostMay(caller.host, row, Need::kSee));
      if (!visible) continue;
    }
    SP_ASSIGN_OR_RETURN(LunInfo info, Describe(row, caller));
    out.push_back(std::move(info));
  }
  return out;
}

LunInformation LunInfo::ToLunInformation() const {
  LunInformation out;
  out.array_id = array_id;
  out.lun_id = name;
  out.vendor_id = vendor;
  out.product_id = product;
  out.product_revision = revision;
  out.serial_number = serial;
  out.unique_id = naa;
  out.size_bytes = size_bytes;
  return out;
}

}  // namespace sp::array
