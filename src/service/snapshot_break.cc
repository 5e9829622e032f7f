// Service::BreakSnapshotSet: VSS BreakSnapshotSet(Ex) on the importing host
// (reference 1 and 4.5 "Break"; the basis of fast recovery, 4.6 and
// docs/fast-recovery.md). An imported set becomes ordinary volumes of this
// host: each snapshot LUN is taken off the host, broken at the provider
// into an ordinary LUN with a new identity, and surfaced again, read-write
// if asked, with a new filesystem UUID. VSS then forgets the set.
//
// A break cannot be undone, so a failure midway stops at once and says
// exactly where things are: the snapshots broken so far are ordinary LUNs
// (forgotten by the inventory, named in the message with their devices),
// the one that failed is described by its step, the rest stay imported
// (a second call continues with them).
#include <string>
#include <utility>
#include <vector>

#include "os/filesystem_identity.h"
#include "service/service.h"
#include "shadowport/context.h"

namespace sp::service {
namespace {

// What the message of a failure says about the volumes broken before it.
std::string BrokenSoFar(const std::vector<BrokenVolume>& broken) {
  if (broken.empty()) return "";
  std::string out =
      " Broken before it (ordinary LUNs now, no longer tracked "
      "by shadowport):";
  for (const BrokenVolume& b : broken) {
    out += " " + b.snapshot_id.ToString() + " -> LUN " +
           b.lun.mapping.destination.unique_id + " at " + b.device +
           (b.read_only ? " (read-only)" : " (read-write)") + ";";
  }
  return out;
}

}  // namespace

Result<std::vector<BrokenVolume>> Service::BreakSnapshotSet(const Guid& set_id,
                                                            bool writable) {
  std::lock_guard import_lock(import_mu_);  // no import or cleanup meanwhile
  SP_ASSIGN_OR_RETURN(SetRecord set, deps_.inventory->GetSet(set_id));
  const std::string what = "snapshot set " + set_id.ToString();
  if (set.state != SetState::kImported) {
    return Status(Code::kBadState,
                  what + " is " + std::string(SetStateName(set.state)) +
                      " on this host; only a set imported here can be broken "
                      "(shadowport import on the importing host)");
  }

  // Everything that can be checked before anything changes.
  std::vector<providers::Provider*> providers;
  for (const SnapshotRecord& s : set.snapshots) {
    SP_ASSIGN_OR_RETURN(providers::Provider * provider, ProviderOf(s));
    providers.push_back(provider);
    if (s.luns.size() != 1 || s.luns[0].provider_lun_id.empty()) {
      return Status(Code::kVolumeNotSupported,
                    "snapshot " + s.snapshot_id.ToString() + " of " + what +
                        " is not on one located LUN; it cannot be broken");
    }
    if (writable && !os::CanRenewFilesystemIdentity(s.original.fs_type)) {
      return Status(
          Code::kVolumeNotSupported,
          "snapshot " + s.snapshot_id.ToString() + " (" +
              s.original.mount_point + ") holds " +
              (s.original.fs_type.empty() ? "an unknown filesystem"
                                          : s.original.fs_type) +
              ", which shadowport cannot give a new identity, so it could "
              "not live read-write beside its origin (xfs and ext2/3/4 only); "
              "nothing was broken. Break without --writable to keep it "
              "read-only");
    }
  }

  std::vector<BrokenVolume> broken;
  // Stops the break: the failing step, its code, and where everything is.
  auto stop = [&](const SnapshotRecord& s, std::string_view step,
                  const Status& status, const std::string& state) {
    std::string message = "breaking " + what + " stopped at snapshot " +
                          s.snapshot_id.ToString() + " (" +
                          s.original.mount_point + "), step '" +
                          std::string(step) + "': " + status.ToString() +
                          ". It " + state + "." + BrokenSoFar(broken);
    logger().Error(message);
    return Status(status.code(), std::move(message));
  };
  const std::string still_imported =
      "is still imported (not broken); run the break again to continue";

  // Snapshots leave the set record as they are broken; the record always
  // says what is still a snapshot here.
  while (!set.snapshots.empty()) {
    SnapshotRecord s = set.snapshots.front();
    providers::Provider* provider = providers.front();

    // 1. Off the host: every mount of the device, the exposure first among
    // them, then the LUN itself (a mounted LUN cannot be detached).
    if (!s.device.empty()) {
      Result<std::vector<std::string>> mounts =
          deps_.system->MountsOf(s.device);
      if (!mounts.ok())
        return stop(s, "unmount", mounts.status(), still_imported);
      for (auto it = mounts->rbegin(); it != mounts->rend(); ++it) {
        Status unmounted = deps_.system->Unmount(*it);
        if (!unmounted.ok()) {
          return stop(s, "unmount", unmounted, still_imported);
        }
      }
    }
    if (!s.exposed_path.empty()) {
      set.snapshots.front().exposed_path.clear();
      set.snapshots.front().attributes &= ~attr::kExposedLocally;
    }
    Status unsurfaced = provider->UnsurfaceLun(s.luns[0]);
    if (!unsurfaced.ok()) {
      return stop(s, "unsurface", unsurfaced, still_imported);
    }
    set.snapshots.front().device.clear();
    Status recorded = deps_.inventory->UpdateSet(set);
    if (!recorded.ok()) {
      return stop(s, "record", recorded,
                  "is still imported, unsurfaced (not broken); run the break "
                  "again to continue");
    }

    // 2. The break: an ordinary LUN with a new identity. From here on the
    // snapshot is gone, whatever follows.
    Result<providers::SnapshotLun> lun = provider->BreakSnapshotLun(s.luns[0]);
    if (!lun.ok()) {
      return stop(s, "break", lun.status(),
                  "is still imported but no longer surfaced (not broken); run "
                  "the break again to continue, or delete the set");
    }
    set.snapshots.erase(set.snapshots.begin());
    providers.erase(providers.begin());
    BrokenVolume volume;
    volume.snapshot_id = s.snapshot_id;
    volume.original = s.original;
    volume.lun = *lun;
    volume.fs_uuid = s.original.fs_uuid;
    const std::string new_lun = "was broken into LUN " +
                                lun->mapping.destination.unique_id +
                                " (provider LUN " + lun->provider_lun_id + ")";
    Status forgotten = set.snapshots.empty()
                           ? deps_.inventory->RemoveSet(set_id)
                           : deps_.inventory->UpdateSet(set);
    if (!forgotten.ok()) {
      return stop(s, "record", forgotten,
                  new_lun + ", not surfaced; the inventory still lists it");
    }

    // 3. Back on the host, read-write if asked.
    Result<providers::SurfacedLun> surfaced =
        provider->SurfaceLun(*lun, /*read_only=*/!writable);
    if (!surfaced.ok()) {
      return stop(s, "surface", surfaced.status(),
                  new_lun +
                      ", an ordinary LUN presented to this host but not "
                      "surfaced here");
    }
    volume.device = surfaced->device;
    volume.read_only = surfaced->read_only;
    if (!surfaced->lun.provider_lun_id.empty()) volume.lun = surfaced->lun;

    // 4. A new filesystem identity, so it can be mounted beside its origin.
    if (writable) {
      Result<std::string> uuid = deps_.system->NewFilesystemIdentity(
          volume.device, s.original.fs_type);
      if (!uuid.ok()) {
        return stop(s, "new filesystem identity", uuid.status(),
                    new_lun + ", surfaced at " + volume.device +
                        " (read-write) with its origin's filesystem UUID " +
                        s.original.fs_uuid);
      }
      volume.fs_uuid = *uuid;
    }
    logger().Notice("broke snapshot " + s.snapshot_id.ToString() + " of " +
                    what + " (" + s.original.mount_point + "): LUN " +
                    volume.lun.mapping.destination.unique_id + " at " +
                    volume.device +
                    (volume.read_only ? " read-only" : " read-write") +
                    ", filesystem UUID " + volume.fs_uuid);
    broken.push_back(std::move(volume));
  }
  // A set with no snapshot left (all broken in an earlier call) is
  // forgotten here.
  Status removed = deps_.inventory->RemoveSet(set_id);
  if (!removed.ok() && removed.code() != Code::kObjectNotFound) {
    return removed.WithContext("forgetting " + what);
  }
  logger().Notice("broke " + what + ": " + std::to_string(broken.size()) +
                  " volumes");
  return broken;
}

}  // namespace sp::service
