// Provider: the hardware-provider interface of shared/reference/vss.md 4.5
// (IVssHardwareSnapshotProvider + IVssProviderCreateSnapshotSet), as an
// in-process C++ class of shadowportd. The coordinator (src/service) drives
// every provider through this interface only, so a new backend (Ceph RBD,
// ...) is a new subclass registered in the ProviderRegistry
// (provider_registry.h); nothing in the coordinator changes.
//
// Creation sequence for one snapshot set (the coordinator's order):
//   AreLunsSupported (per volume, all or nothing)
//   BeginPrepareSnapshot (per volume)  EndPrepareSnapshots
//   PreCommitSnapshots
//   -- filesystems frozen --
//   CommitSnapshots  (quick: all LUNs of the set at one point in time)
//   -- filesystems thawed --
//   PostCommitSnapshots
//   GetTargetLuns (per snapshot: the LUN mapping for the BCD)
// AbortSnapshots may come at any point after BeginPrepareSnapshot and must
// leave nothing behind (no snapshot LUN of the set survives it). Import
// side: LocateLuns, then SurfaceLun per LUN (the service checks what
// arrived against the BCD and mounts it); its rollback is UnsurfaceLun and
// ReleaseLuns. Break: BreakSnapshotLun (VSS OnLunStateChange). Deletion:
// DeleteSnapshotLuns (VSS OnLunEmpty).
//
// Thread safety: the coordinator calls one provider from one thread at a
// time per snapshot set; implementations must tolerate calls for different
// sets from different threads (creation is serialized per host anyway).
#ifndef SHADOWPORT_PROVIDERS_PROVIDER_H_
#define SHADOWPORT_PROVIDERS_PROVIDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "os/volume_probe.h"
#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::providers {

// VSS_PRV_CAPABILITY_* bits (reference 4.5) that matter to the coordinator.
namespace capability {
inline constexpr uint32_t kCompliant = 0x2;
inline constexpr uint32_t kMultipleImport = 0x20;
inline constexpr uint32_t kPlex = 0x80;
inline constexpr uint32_t kDifferential = 0x100;
inline constexpr uint32_t kClustered = 0x200;
}  // namespace capability

// A provider's own handle on one snapshot LUN it made, enough to find and
// delete it later (also after a restart of shadowportd): stored in the
// inventory as is.
struct SnapshotLun {
  std::string provider_lun_id;  // e.g. the array's LUN id as text
  LunMapping mapping;           // origin and snapshot identities
};

// A LUN surfaced on this host.
struct SurfacedLun {
  SnapshotLun lun;          // identity as the backend reports it now
  std::string device;       // "/dev/loop7"
  uint64_t size_bytes = 0;  // of the block device
  bool read_only = true;
  Guid snapshot_set_id;  // the set the LUN belongs to (snapshot LUNs)
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual Guid id() const = 0;
  virtual std::string_view name() const = 0;  // "array"
  virtual uint32_t capabilities() const = 0;  // capability:: bits

  // VSS AreLunsSupported: whether this provider can snapshot `volume` with
  // the snapshot `attributes` (attr:: bits, context included). OK: yes.
  // VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER: the volume is not one of its
  // LUNs, or it cannot honour an attribute (TRANSPORTABLE, DIFFERENTIAL,
  // PLEX): the message says which. Other codes: the backend failed
  // (unreachable array: SP_E_UNAVAILABLE). May be called several times for
  // one volume: the registry asks again without TRANSPORTABLE, DIFFERENTIAL
  // and PLEX to tell "not mine" from "mine, but not so"
  // (provider_registry.h).
  virtual Status AreLunsSupported(const os::VolumeInfo& volume,
                                  uint32_t attributes) = 0;

  // Per volume of the set; `importers` names the hosts (or "cluster:NAME")
  // that may import a transportable set.
  virtual Status BeginPrepareSnapshot(
      const Guid& snapshot_set_id, const Guid& snapshot_id,
      const os::VolumeInfo& volume, uint32_t attributes,
      const std::vector<std::string>& importers) = 0;
  virtual Status EndPrepareSnapshots(const Guid& snapshot_set_id) = 0;
  virtual Status PreCommitSnapshots(const Guid& snapshot_set_id) = 0;
  // Inside the freeze window: must be quick and do no I/O to the originals.
  virtual Status CommitSnapshots(const Guid& snapshot_set_id) = 0;
  virtual Status PostCommitSnapshots(const Guid& snapshot_set_id) = 0;
  // VSS GetTargetLuns: the snapshot LUNs of one snapshot (after commit).
  virtual Result<std::vector<SnapshotLun>> GetTargetLuns(
      const Guid& snapshot_set_id, const Guid& snapshot_id) = 0;
  // Removes everything the set made so far; OK when nothing was made.
  virtual Status AbortSnapshots(const Guid& snapshot_set_id) = 0;

  // VSS OnLunEmpty: deletes snapshot LUNs this provider made (from the
  // inventory's SnapshotLun records). VSS_E_OBJECT_NOT_FOUND is not an
  // error for a LUN already gone (the call is idempotent).
  virtual Status DeleteSnapshotLuns(const std::vector<SnapshotLun>& luns) = 0;
  // Whether any of these snapshot LUNs still exists at the backend (the
  // importing host may have deleted them): the creating host's inventory
  // learns of a deletion it did not make.
  virtual Result<bool> AnySnapshotLunExists(
      const std::vector<SnapshotLun>& luns) = 0;
  // Deletes every snapshot LUN of a set, known to the backend by the set id
  // (used after a crash mid-creation, when the inventory may not hold the
  // LUN records yet). Idempotent.
  virtual Status DeleteSnapshotSetLuns(const Guid& snapshot_set_id) = 0;

  // Import side (VSS LocateLuns): makes the snapshot LUNs described in a BCD
  // visible to this host. SP_E_ACCESS_DENIED if this host may not import
  // them (nothing changes), SP_E_IMPORT_COLLISION for the cluster rule,
  // VSS_E_VOLUME_IN_USE when another host has the set imported now; all or
  // nothing.
  virtual Result<std::vector<SnapshotLun>> LocateLuns(
      const std::vector<LunInformation>& snapshot_luns) = 0;
  // Surfaces a located LUN on this host as a block device (the array: an
  // attachment recorded at the array and a loop device, read-only unless
  // `read_only` is false and the LUN is writable). Idempotent: a LUN
  // already surfaced here returns its device.
  virtual Result<SurfacedLun> SurfaceLun(const SnapshotLun& lun,
                                         bool read_only) = 0;
  // Removes the block device(s) of the LUN on this host and the backend's
  // record of it. OK when it was not surfaced. The device must not be
  // mounted (VSS_E_VOLUME_IN_USE).
  virtual Status UnsurfaceLun(const SnapshotLun& lun) = 0;
  // Masks located LUNs from this host again (VSS OnLunStateChange with
  // DO_MASK_LUNS): the rollback of LocateLuns. OK for LUNs already gone.
  virtual Status ReleaseLuns(const std::vector<SnapshotLun>& luns) = 0;
  // The snapshot LUNs the backend says this host has surfaced (for
  // `shadowport cleanup` after a crash: what the inventory does not know
  // is left over).
  virtual Result<std::vector<SurfacedLun>> ListSurfacedLuns() = 0;
  // VSS OnLunStateChange for break: the snapshot LUN becomes an ordinary
  // read-write LUN with a new identity; returns it. It must not be
  // surfaced (unsurface it first).
  virtual Result<SnapshotLun> BreakSnapshotLun(const SnapshotLun& lun) = 0;
};

}  // namespace sp::providers

#endif  // SHADOWPORT_PROVIDERS_PROVIDER_H_
