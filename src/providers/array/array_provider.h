// ArrayProvider: the hardware provider (provider.h) over the embedded array
// shadowport-arrayd, reached through its typed client (array/rpc/client.h)
// as one registered host (a host name and its credential).
//
// Which volumes: a loop device whose backing file is a LUN of this array
// presented to this host. AreLunsSupported finds the LUN among the host's
// LUNs by name (the backing file's name without extension), confirms it with
// Attach (idempotent at the array; the backing file it returns must resolve
// to the loop's backing file), reports the loop device to the array
// (SetAttachmentDevice) when the attachment lacks it, and reports whether the
// volume is mounted read-write (ReportMount: the array's cluster rule for
// imports needs it). Snapshot LUNs (read-only until broken) are never
// origins. The array makes full reflink clones: DIFFERENTIAL and PLEX are
// refused; TRANSPORTABLE is supported, and the array lets every named
// importer locate a transportable set (hence MULTIPLE_IMPORT), one host at a
// time.
//
// Import (array_provider_import.cc): LocateLuns presents the snapshot LUNs
// to this host; SurfaceLun attaches one at the array and as a loop device
// here; UnsurfaceLun and ReleaseLuns undo the two. The loop devices are the
// kernel's, so nothing about them is kept in memory: a restarted provider
// finds them by backing file (os::LoopDevicesBackedBy).
//
// Per snapshot set the provider keeps, in memory, what BeginPrepareSnapshot
// recorded (snapshot id -> origin LUN) and, after PostCommitSnapshots, the
// snapshot LUNs. The array makes the set in three calls, with the set's id
// as the array's set id, so that only the clones fall inside the host's
// freeze window (VSS: CommitSnapshots must be quick):
//   PreCommitSnapshots   PrepareSnapshotSet: the array's checks and intent
//   CommitSnapshots      CommitSnapshotSet: the reflink clones of every LUN
//                        of the set (one point in time), nothing synced
//   PostCommitSnapshots  FinishSnapshotSet: one sync pass and the catalogue
//                        commit; only then does the set exist
// A set whose Finish never came (this host or the array died, a step
// failed) stays "creating" at the array, invisible: AbortSnapshots (also
// DeleteSnapshotSetLuns after a restart of shadowportd) undoes it by set id,
// and so does the array's own recovery when it restarts. The state of a set
// is dropped by AbortSnapshots, and after GetTargetLuns has answered each
// snapshot of a committed set once.
//
// Errors from the array keep their codes, prefixed "array provider: ...".
// Codes of its own: VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER (not a LUN of this
// array presented to this host, a snapshot LUN, DIFFERENTIAL/PLEX),
// VSS_E_BAD_STATE (a call out of the creation order), E_INVALIDARG
// (inconsistent attributes or importers within a set, a malformed
// provider_lun_id), VSS_E_OBJECT_NOT_FOUND (an unknown set),
// VSS_E_SNAPSHOT_NOT_IN_SET, VSS_E_VOLUME_IN_USE (unsurfacing a mounted
// LUN). Loop-device and mount failures keep the codes of src/os.
//
// Thread safety: all methods may be called concurrently; the per-set state
// is guarded by an internal mutex that is never held across an array call.
// As provider.h requires, calls for one set come from one thread at a time.
#ifndef SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_H_
#define SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "array/array.h"
#include "array/rpc/client.h"
#include "providers/provider.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::providers {

// The array provider's fixed id: {5d0f3a61-7c2e-4b8a-9e14-3a6c2f8b1d07}. It
// is written into every BCD the provider's snapshots appear in: never change.
inline constexpr Guid kArrayProviderId(std::array<uint8_t, 16>{
    0x5d, 0x0f, 0x3a, 0x61, 0x7c, 0x2e, 0x4b, 0x8a, 0x9e, 0x14, 0x3a, 0x6c,
    0x2f, 0x8b, 0x1d, 0x07});
inline constexpr std::string_view kArrayProviderName = "array";

class ArrayProvider final : public Provider {
 public:
  // `client` speaks to the array as this host (a host identity, not the
  // admin token). REQUIRES: client != nullptr.
  explicit ArrayProvider(std::unique_ptr<array::rpc::ArrayClient> client);
  ~ArrayProvider() override;

  ArrayProvider(const ArrayProvider&) = delete;
  ArrayProvider& operator=(const ArrayProvider&) = delete;

  Guid id() const override { return kArrayProviderId; }
  std::string_view name() const override { return kArrayProviderName; }
  // COMPLIANT | MULTIPLE_IMPORT.
  uint32_t capabilities() const override;

  Status AreLunsSupported(const os::VolumeInfo& volume,
                          uint32_t attributes) override;

  // The first call for a set fixes its attributes (TRANSPORTABLE) and
  // importers; later calls must agree (E_INVALIDARG). From the first call on,
  // even a failed one, the set is known, so AbortSnapshots before
  // PreCommitSnapshots needs no array call. Resolves the volume's LUN, reusing
  // the set's own answer for a device it has seen, else AreLunsSupported's last
  // answer for the same device and backing file. Several volumes may share a
  // LUN; the set snapshots it once.
  Status BeginPrepareSnapshot(
      const Guid& snapshot_set_id, const Guid& snapshot_id,
      const os::VolumeInfo& volume, uint32_t attributes,
      const std::vector<std::string>& importers) override;
  // Both check the set: every LUN on this one array, a transportable set
  // names importers, a non-transportable set none (E_INVALIDARG).
  Status EndPrepareSnapshots(const Guid& snapshot_set_id) override;
  // Then PrepareSnapshotSet at the array for all LUNs of the set.
  Status PreCommitSnapshots(const Guid& snapshot_set_id) override;
  // CommitSnapshotSet at the array: the clones, inside the freeze window.
  Status CommitSnapshots(const Guid& snapshot_set_id) override;
  // FinishSnapshotSet at the array (sync and commit, after the thaw), and
  // checks that it made one snapshot LUN per origin LUN. A failure leaves
  // nothing at the array (it undoes the set itself, or already did when it
  // restarted): VSS_E_OBJECT_NOT_FOUND from the array then says why.
  Status PostCommitSnapshots(const Guid& snapshot_set_id) override;
  // provider_lun_id: the snapshot LUN's id at the array, in decimal.
  // mapping.source: the origin LUN as it was at the point in time (its size
  // is the snapshot's); mapping.destination: the snapshot LUN. Both carry
  // the array's id and NAA ids.
  Result<std::vector<SnapshotLun>> GetTargetLuns(
      const Guid& snapshot_set_id, const Guid& snapshot_id) override;
  // Deletes the set at the array, or undoes it there if it is still being
  // created, whenever PrepareSnapshotSet may have reached the array (also
  // for a set this provider does not know, e.g. already answered, or from
  // before a restart), then forgets it. Nothing at the array is OK.
  Status AbortSnapshots(const Guid& snapshot_set_id) override;

  // A LUN the array no longer shows this host counts as gone: the array
  // answers a deleted and a masked LUN alike (SP_E_ACCESS_DENIED). One it
  // shows but refuses to delete keeps its SP_E_ACCESS_DENIED. Stops at the
  // first failure (the LUNs before it are deleted; call again).
  Status DeleteSnapshotLuns(const std::vector<SnapshotLun>& luns) override;
  Status DeleteSnapshotSetLuns(const Guid& snapshot_set_id) override;

  // By NAA id (unique_id). mapping.source of a located LUN carries only the
  // array id and the origin's NAA id: the importer may not see the origin.
  // The array's refusals keep their codes: SP_E_ACCESS_DENIED (not an
  // importer), SP_E_IMPORT_COLLISION (cluster rule), VSS_E_VOLUME_IN_USE
  // (another host has the set attached).
  Result<std::vector<SnapshotLun>> LocateLuns(
      const std::vector<LunInformation>& snapshot_luns) override;
  // Attach at the array, then a loop device of the LUN's file: an existing
  // one is reused (idempotent), else a new one, read-only if asked or the
  // LUN is read-only; the device is reported (SetAttachmentDevice). On a
  // failure, a loop device this call made is detached, and the array's
  // attachment is undone unless a device already existed. SurfacedLun::lun
  // is the LUN as the array reports it now, with lun.mapping.source kept;
  // size_bytes is the device's (the LUN's if sysfs cannot tell).
  Result<SurfacedLun> SurfaceLun(const SnapshotLun& lun,
                                 bool read_only) override;
  // VSS_E_VOLUME_IN_USE, naming the mount point, while a loop device of the
  // LUN's file is mounted in this mount namespace; else detaches exactly the
  // loop devices backed by that file, then the array's attachment. OK when
  // nothing is surfaced, and for a LUN the array no longer shows this host.
  Status UnsurfaceLun(const SnapshotLun& lun) override;
  // Unpresents each LUN from this host (a host may mask a snapshot LUN from
  // itself). VSS_E_VOLUME_IN_USE while this host has one attached
  // (UnsurfaceLun first); a LUN not presented (any more) or gone is OK.
  // Checks every id first; stops at the first failure.
  Status ReleaseLuns(const std::vector<SnapshotLun>& luns) override;
  // The snapshot LUNs this host has attached at the array, with the device
  // the array has on record (else a loop device found backed by the LUN's
  // file, else ""), and the device's size when it exists.
  Result<std::vector<SurfacedLun>> ListSurfacedLuns() override;
  // The new LUN keeps lun.mapping.source.
  Result<SnapshotLun> BreakSnapshotLun(const SnapshotLun& lun) override;
  // A snapshot LUN stays visible to the host that created its set while it
  // exists: one ListSnapshots tells.
  Result<bool> AnySnapshotLunExists(
      const std::vector<SnapshotLun>& luns) override;

 private:
  // In order. From kPreCommitStarted on the set may exist at the array
  // (a call that failed in transit may still have reached it), so
  // AbortSnapshots must ask the array. A "...Started" phase after a failed
  // call allows only AbortSnapshots.
  enum class Phase {
    kPreparing,          // BeginPrepareSnapshot calls
    kPrepared,           // after EndPrepareSnapshots
    kPreCommitStarted,   // PrepareSnapshotSet sent
    kPreCommitted,       // the array recorded the intent
    kCommitStarted,      // CommitSnapshotSet sent
    kCommitted,          // the array made the clones (not durable)
    kPostCommitStarted,  // FinishSnapshotSet sent
    kPostCommitted,      // the set exists at the array, durable
  };

  struct PreparedSnapshot {
    Guid snapshot_id;
    uint64_t origin_lun_id = 0;
    bool answered = false;  // GetTargetLuns returned it
  };

  struct SetState {
    Phase phase = Phase::kPreparing;
    bool transportable = false;
    std::vector<std::string> importers;
    std::vector<PreparedSnapshot> snapshots;     // in BeginPrepare order
    std::map<uint64_t, array::LunInfo> origins;  // by LUN id
    // volume device -> LUN id: the set's resolution cache.
    std::map<std::string, uint64_t> lun_of_device;
    std::map<uint64_t, array::LunInfo> snapshot_of_origin;  // after Finish
  };

  // A volume resolved to its LUN by AreLunsSupported, kept for the
  // BeginPrepareSnapshot that usually follows.
  struct Resolution {
    std::string backing_file;
    array::LunInfo lun;
  };

  // The LUN behind `volume`, checked as the class comment says.
  Result<array::LunInfo> ResolveLun(const os::VolumeInfo& volume) const;
  // Resolution for `volume`: the cached one if it matches, else ResolveLun.
  Result<array::LunInfo> CachedOrResolve(const os::VolumeInfo& volume);
  // EndPrepare/PreCommit's check; REQUIRES: mu_ held.
  static Status CheckSet(const SetState& set);
  // Moves the set from phase `from` to `to` (the call to the array is about
  // to be sent), else VSS_E_BAD_STATE naming `step`, or
  // VSS_E_OBJECT_NOT_FOUND for an unknown set. Takes mu_.
  Status Advance(const Guid& snapshot_set_id, Phase from, Phase to,
                 std::string_view step);
  // Deletes the set at the array; nothing there is OK.
  Status DeleteSetAtArray(const Guid& snapshot_set_id) const;
  // The array's LUN id in provider_lun_id (decimal, non-zero), else
  // E_INVALIDARG.
  static Result<uint64_t> ParseLunId(const SnapshotLun& lun);

  const std::unique_ptr<array::rpc::ArrayClient> client_;

  std::mutex mu_;
  std::map<Guid, SetState> sets_;                  // GUARDED_BY(mu_)
  std::map<std::string, Resolution> resolutions_;  // GUARDED_BY(mu_)
};

}  // namespace sp::providers

#endif  // SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_H_
