// Service: the importing host's side of snapshot lifetimes: exposure,
// undoing an import, and cleaning up after a crash mid-import.
#include <algorithm>
#include <set>
#include <utility>

#include "service/service.h"
#include "shadowport/context.h"

namespace sp::service {
namespace {

// "/srv/F" -> "srv_F"; "/" -> "root". Only [A-Za-z0-9._-] survive, so the
// name is one safe path component whatever the original mount point was.
std::string VolumeName(const std::string& mount_point) {
  std::string name;
  for (char c : mount_point) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                      c == '_';
    if (c == '/') {
      if (!name.empty()) name += '_';
    } else {
      name += safe ? c : '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.empty() || name == "." || name == "..") return "root";
  return name;
}

// The LUNs of an imported snapshot that were located (have a provider
// handle); a failed import may stop before locating some.
std::vector<providers::SnapshotLun> Located(const SnapshotRecord& snapshot) {
  std::vector<providers::SnapshotLun> out;
  for (const providers::SnapshotLun& lun : snapshot.luns) {
    if (!lun.provider_lun_id.empty()) out.push_back(lun);
  }
  return out;
}

// Read-only mount options that need no write to the snapshot and tolerate
// the origin (same UUID) mounted on the same host; "" when the filesystem
// has none.
std::string SafeMountData(const std::string& fs_type) {
  if (fs_type == "xfs") return "nouuid,norecovery";
  if (fs_type == "ext4" || fs_type == "ext3") return "noload";
  if (fs_type == "ext2") return "";
  return "-";
}

}  // namespace

std::string Service::ExposurePath(
    const Guid& set_id, const std::string& original_mount_point) const {
  return config().exposure_root + "/" + set_id.ToBareString() + "/" +
         VolumeName(original_mount_point);
}

Result<std::string> Service::Expose(const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(SetRecord set,
                      deps_.inventory->FindSnapshot(snapshot_id));
  for (SnapshotRecord& snapshot : set.snapshots) {
    if (snapshot.snapshot_id != snapshot_id) continue;
    if (!(snapshot.attributes & attr::kImported) || snapshot.device.empty()) {
      return Status(Code::kBadState,
                    "snapshot " + snapshot_id.ToString() +
                        " is not surfaced on this host (import it first)");
    }
    if (!snapshot.exposed_path.empty()) return snapshot.exposed_path;
    const std::string data = SafeMountData(snapshot.original.fs_type);
    if (data == "-") {
      return Status(Code::kVolumeNotSupported,
                    "snapshot " + snapshot_id.ToString() + " holds " +
                        snapshot.original.fs_type +
                        ", which shadowport cannot mount read-only beside its "
                        "origin without writing to it; use the device " +
                        snapshot.device);
    }
    const std::string path =
        ExposurePath(set.snapshot_set_id, snapshot.original.mount_point);
    SP_RETURN_IF_ERROR(deps_.system->MountReadOnly(
        snapshot.device, path, snapshot.original.fs_type, data));
    snapshot.exposed_path = path;
    snapshot.attributes |= attr::kExposedLocally;
    Status recorded = deps_.inventory->UpdateSet(set);
    if (!recorded.ok()) {
      Status ignored = deps_.system->Unmount(path);
      (void)ignored;
      return recorded;
    }
    return path;
  }
  return Status(Code::kObjectNotFound, "no snapshot " + snapshot_id.ToString());
}

Status Service::Unexpose(const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(SetRecord set,
                      deps_.inventory->FindSnapshot(snapshot_id));
  for (SnapshotRecord& snapshot : set.snapshots) {
    if (snapshot.snapshot_id != snapshot_id) continue;
    if (snapshot.exposed_path.empty()) return Status::Ok();
    SP_RETURN_IF_ERROR(deps_.system->Unmount(snapshot.exposed_path));
    snapshot.exposed_path.clear();
    snapshot.attributes &= ~attr::kExposedLocally;
    return deps_.inventory->UpdateSet(set);
  }
  return Status(Code::kObjectNotFound, "no snapshot " + snapshot_id.ToString());
}

Status Service::Unsurface(const SnapshotRecord& snapshot) {
  // Every mount of the device goes, the exposure and any other: a LUN
  // cannot be detached while mounted.
  if (!snapshot.device.empty()) {
    SP_ASSIGN_OR_RETURN(std::vector<std::string> mounts,
                        deps_.system->MountsOf(snapshot.device));
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
      SP_RETURN_IF_ERROR(deps_.system->Unmount(*it));
    }
  }
  std::vector<providers::SnapshotLun> located = Located(snapshot);
  if (located.empty()) return Status::Ok();
  SP_ASSIGN_OR_RETURN(providers::Provider * provider, ProviderOf(snapshot));
  for (const providers::SnapshotLun& lun : located) {
    SP_RETURN_IF_ERROR(provider->UnsurfaceLun(lun));
  }
  return Status::Ok();
}

Status Service::UndoImport(const SetRecord& set) {
  for (const SnapshotRecord& snapshot : set.snapshots) {
    SP_RETURN_IF_ERROR(Unsurface(snapshot));
    std::vector<providers::SnapshotLun> located = Located(snapshot);
    if (located.empty()) continue;
    SP_ASSIGN_OR_RETURN(providers::Provider * provider, ProviderOf(snapshot));
    SP_RETURN_IF_ERROR(provider->ReleaseLuns(located));
  }
  Status removed = deps_.inventory->RemoveSet(set.snapshot_set_id);
  if (!removed.ok() && removed.code() != Code::kObjectNotFound) return removed;
  logger().Notice("undid the import of snapshot set " +
                  set.snapshot_set_id.ToString());
  return Status::Ok();
}

Result<std::vector<std::string>> Service::Cleanup() {
  std::lock_guard import_lock(import_mu_);  // not during an import
  std::vector<std::string> actions;
  SP_ASSIGN_OR_RETURN(std::vector<SetRecord> sets, deps_.inventory->ListSets());
  std::set<std::string> kept;  // NAA ids of snapshot LUNs still imported
  for (const SetRecord& set : sets) {
    if (set.state == SetState::kImporting) {
      SP_RETURN_IF_ERROR(UndoImport(set));
      actions.push_back("undid the unfinished import of snapshot set " +
                        set.snapshot_set_id.ToString());
      continue;
    }
    for (const SnapshotRecord& snapshot : set.snapshots) {
      if (!(snapshot.attributes & attr::kImported)) continue;
      for (const providers::SnapshotLun& lun : snapshot.luns) {
        kept.insert(lun.mapping.destination.unique_id);
      }
    }
  }
  for (providers::Provider* provider : deps_.providers->All()) {
    SP_ASSIGN_OR_RETURN(std::vector<providers::SurfacedLun> surfaced,
                        provider->ListSurfacedLuns());
    for (const providers::SurfacedLun& s : surfaced) {
      if (kept.count(s.lun.mapping.destination.unique_id) != 0) continue;
      if (!s.device.empty()) {
        SP_ASSIGN_OR_RETURN(std::vector<std::string> mounts,
                            deps_.system->MountsOf(s.device));
        for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
          SP_RETURN_IF_ERROR(deps_.system->Unmount(*it));
          actions.push_back("unmounted " + *it);
        }
      }
      SP_RETURN_IF_ERROR(provider->UnsurfaceLun(s.lun));
      SP_RETURN_IF_ERROR(provider->ReleaseLuns({s.lun}));
      actions.push_back("detached and released snapshot LUN " +
                        s.lun.mapping.destination.unique_id +
                        (s.device.empty() ? "" : " (" + s.device + ")") +
                        " of set " + s.snapshot_set_id.ToString() +
                        ", which no import holds");
    }
  }
  for (const std::string& a : actions) logger().Notice("cleanup: " + a);
  return actions;
}

}  // namespace sp::service
