// ArrayProvider: from a volume to its LUN, and what the provider does to
// snapshot LUNs outside creation (delete, break). Import is in
// array_provider_import.cc.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <utility>

#include "os/file_util.h"
#include "providers/array/array_provider.h"
#include "providers/array/array_provider_errors.h"

namespace sp::providers {
namespace {

// Whether two paths name the same file (after resolving symlinks, "." and
// ".."; a path that cannot be resolved is compared as written).
bool SameFile(const std::string& a, const std::string& b) {
  Result<std::string> ra = os::ResolvePath(a);
  Result<std::string> rb = os::ResolvePath(b);
  return (ra.ok() ? *ra : a) == (rb.ok() ? *rb : b);
}

}  // namespace

Result<uint64_t> ArrayProvider::ParseLunId(const SnapshotLun& lun) {
  const std::string& text = lun.provider_lun_id;
  uint64_t id = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size() || id == 0) {
    return InvalidArg("provider_lun_id '" + text.substr(0, 40) +
                      "' is not an array LUN id");
  }
  return id;
}

Result<array::LunInfo> ArrayProvider::ResolveLun(
    const os::VolumeInfo& volume) const {
  if (volume.loop_backing_file.empty()) {
    return NotSupported(volume, "not a loop device, so not a LUN of the array");
  }
  // A LUN's file is luns/<name>.img; Attach below is what confirms it.
  const std::string name =
      std::filesystem::path(volume.loop_backing_file).stem().string();
  Result<std::vector<array::LunInfo>> luns = client_->ListLuns();
  if (!luns.ok()) {
    return WithPrefix(std::move(luns).status(), "listing this host's LUNs");
  }
  auto found =
      std::find_if(luns->begin(), luns->end(),
                   [&](const array::LunInfo& lun) { return lun.name == name; });
  if (found == luns->end()) {
    Result<std::vector<array::LunInfo>> snaps =
        client_->ListSnapshots(std::nullopt);
    if (!snaps.ok()) {
      return WithPrefix(std::move(snaps).status(),
                        "listing this host's snapshot LUNs");
    }
    for (const array::LunInfo& snap : *snaps) {
      if (snap.name == name) {
        return NotSupported(volume, "snapshot LUN " + name +
                                        " (read-only) cannot be the origin "
                                        "of a snapshot");
      }
    }
    return NotSupported(volume, "not a LUN the array at " + client_->target() +
                                    " presents to this host");
  }
  if (found->is_snapshot || found->read_only) {
    return NotSupported(volume, "LUN " + name +
                                    " is a read-only snapshot LUN; it cannot "
                                    "be the origin of a snapshot");
  }
  const bool attached_before = !found->attachments.empty();

  Result<array::AttachInfo> attach = client_->Attach(found->id);
  if (!attach.ok()) {
    if (attach.status().code() == Code::kAccessDenied) {
      return NotSupported(volume, "LUN " + name +
                                      " is not presented to this host (" +
                                      attach.status().message() + ")");
    }
    return WithPrefix(std::move(attach).status(), "attaching LUN " + name);
  }
  if (!SameFile(attach->backing_file, volume.loop_backing_file)) {
    // Undo an attachment this check made; a real one stays.
    if (!attached_before) (void)client_->Detach(found->id);
    return NotSupported(volume, "the backing file is not LUN " + name +
                                    "'s file " + attach->backing_file);
  }
  if (attach->read_only || attach->lun.is_snapshot) {
    return NotSupported(volume, "LUN " + name +
                                    " is a read-only snapshot LUN; it cannot "
                                    "be the origin of a snapshot");
  }
  array::LunInfo lun = std::move(attach->lun);
  // The host view lists only this host's attachment.
  bool device_known =
      std::any_of(lun.attachments.begin(), lun.attachments.end(),
                  [](const array::Attachment& a) { return !a.device.empty(); });
  if (!device_known && !volume.device.empty()) {
    Status reported = client_->SetAttachmentDevice(lun.id, volume.device);
    if (!reported.ok()) {
      return WithPrefix(std::move(reported),
                        "reporting " + volume.device + " for LUN " + name);
    }
    for (array::Attachment& a : lun.attachments) a.device = volume.device;
  }
  return lun;
}

Status ArrayProvider::DeleteSetAtArray(const Guid& snapshot_set_id) const {
  Status deleted = client_->DeleteSnapshotSet(snapshot_set_id);
  if (deleted.ok() || deleted.code() == Code::kObjectNotFound) {
    return Status::Ok();
  }
  if (deleted.code() == Code::kAccessDenied) {
    // A host is told "access denied" also for a set that does not exist (or
    // was never committed). Nothing of it visible to us: nothing left.
    Result<std::vector<array::LunInfo>> left =
        client_->ListSnapshots(snapshot_set_id);
    if (left.ok() && left->empty()) return Status::Ok();
  }
  return WithPrefix(std::move(deleted),
                    "deleting snapshot set " + snapshot_set_id.ToString());
}

Status ArrayProvider::DeleteSnapshotLuns(const std::vector<SnapshotLun>& luns) {
  // Check every id before deleting anything.
  std::vector<uint64_t> ids;
  for (const SnapshotLun& lun : luns) {
    SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
    ids.push_back(id);
  }
  for (uint64_t id : ids) {
    Status deleted = client_->DeleteSnapshot(id);
    if (deleted.ok() || deleted.code() == Code::kObjectNotFound) continue;
    // Gone, unless this host still sees the LUN (presented to it, but not
    // its to delete): see the header.
    if (deleted.code() == Code::kAccessDenied &&
        client_->GetLun(id).status().code() == Code::kAccessDenied) {
      continue;
    }
    return WithPrefix(std::move(deleted),
                      "deleting snapshot LUN " + std::to_string(id));
  }
  return Status::Ok();
}

Result<bool> ArrayProvider::AnySnapshotLunExists(
    const std::vector<SnapshotLun>& luns) {
  // Listing (not GetLun of each) asks only for what this host may see, so
  // a deleted LUN does not show in the array's audit log as a masked probe.
  Result<std::vector<array::LunInfo>> visible =
      client_->ListSnapshots(std::nullopt);
  if (!visible.ok()) {
    return WithPrefix(std::move(visible).status(), "listing snapshot LUNs");
  }
  for (const SnapshotLun& lun : luns) {
    SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
    for (const array::LunInfo& info : *visible) {
      if (info.id == id) return true;
    }
  }
  return false;
}

Status ArrayProvider::DeleteSnapshotSetLuns(const Guid& snapshot_set_id) {
  return DeleteSetAtArray(snapshot_set_id);
}

Result<SnapshotLun> ArrayProvider::BreakSnapshotLun(const SnapshotLun& lun) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
  Result<array::LunInfo> broken = client_->BreakSnapshot(id);
  if (!broken.ok()) {
    return WithPrefix(std::move(broken).status(),
                      "breaking snapshot LUN " + std::to_string(id));
  }
  SnapshotLun out;
  out.provider_lun_id = std::to_string(broken->id);
  out.mapping.source = lun.mapping.source;
  out.mapping.destination = broken->ToLunInformation();
  return out;
}

}  // namespace sp::providers
