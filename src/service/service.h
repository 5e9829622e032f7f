// Service: the host-wide state of shadowportd that outlives a requester
// session: the one-creation-in-flight rule, the live sessions, and the
// snapshot lifecycle shared by sessions, administrative calls and start-up
// (delete a set or a snapshot, query, reconcile the inventory at start).
// BackupSession (session.h) is one requester's backup on top of it.
//
// Thread safety: all methods may be called from any thread.
#ifndef SHADOWPORT_SERVICE_SERVICE_H_
#define SHADOWPORT_SERVICE_SERVICE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "array/rpc/logger.h"
#include "providers/provider_registry.h"
#include "service/config.h"
#include "service/inventory.h"
#include "service/system.h"
#include "service/writer_manager.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::service {

// How long a "stall-POINT" crash test holds the point (Service::CrashPoint).
inline constexpr std::chrono::milliseconds kCrashTestStall{2000};

// What a Service works with; everything is owned by main() (or a test) and
// outlives the Service.
struct ServiceDeps {
  const ServiceConfig* config = nullptr;
  providers::ProviderRegistry* providers = nullptr;
  Inventory* inventory = nullptr;
  WriterManager* writers = nullptr;
  System* system = nullptr;
  array::rpc::Logger* logger = nullptr;
  // Crash tests only (never in production): the name of a point at which
  // the daemon SIGKILLs itself: "frozen" (filesystems frozen, nothing
  // committed), "committed" (snapshot LUNs made, filesystems still frozen),
  // "import.located" (snapshot LUNs presented to this host, none attached),
  // "import.surfaced" (the first snapshot LUN attached, import unfinished).
  std::string crash_at;
};

struct SessionSummary {
  Guid session_id;
  std::string requester_name;
  int64_t opened_us = 0;
  std::string state;  // "initialized", "snapshot-set-started", ...
  Guid snapshot_set_id;
  uint32_t context = 0;
};

// The done-signal of a transportable backup (step 8 -> 9): systemTwo tells
// systemOne that its backup of a set finished, with each component's
// success in the BCD it sends back.
struct BackupDoneSignal {
  std::string from_host;  // authenticated by the peer channel (mTLS CN)
  Guid snapshot_set_id;
  std::string bcd_xml;  // backup_succeeded per component, as systemTwo set it
  bool succeeded = false;  // systemTwo's overall verdict
  int64_t received_us = 0;
};

// One snapshot of a broken set: the ordinary volume it became on this host.
struct BrokenVolume {
  Guid snapshot_id;
  OriginalVolume original;     // the volume it is a copy of
  providers::SnapshotLun lun;  // the new LUN (new id, serial, NAA id)
  std::string device;          // its block device here
  bool read_only = true;       // as surfaced
  std::string fs_uuid;         // new when writable; else the origin's
};

struct DeleteOutcome {
  uint32_t deleted = 0;  // snapshots deleted
  Guid nondeleted_id;    // the first that could not be, null if none
};

class Service {
 public:
  explicit Service(ServiceDeps deps);

  const ServiceDeps& deps() const { return deps_; }
  const ServiceConfig& config() const { return *deps_.config; }
  array::rpc::Logger& logger() const { return *deps_.logger; }

  // Crash tests only (SHADOWPORTD_CRASH_AT, never set in production):
  // raises SIGKILL if `point` is deps().crash_at; sleeps kCrashTestStall if
  // it is "stall-" + point (a hung provider or freezer, for the deadline
  // tests).
  void CrashPoint(std::string_view point) const;

  // The one snapshot-set creation in flight on this host (VSS: from
  // StartSnapshotSet until DoSnapshotSet returns):
  // VSS_E_SNAPSHOT_SET_IN_PROGRESS if another session holds it.
  Status BeginCreation(const Guid& session_id);
  void EndCreation(const Guid& session_id);  // no-op if not the holder
  std::optional<Guid> CreationInFlight() const;

  // Live sessions, for status and for the auto-release rule at start.
  void OpenSession(const SessionSummary& summary);
  void UpdateSession(const SessionSummary& summary);
  void CloseSession(const Guid& session_id);
  std::vector<SessionSummary> Sessions() const;

  // systemOne: an authenticated peer delivers the done-signal of a set this
  // host created. VSS_E_OBJECT_NOT_FOUND for a set unknown here,
  // SP_E_ACCESS_DENIED when `from_host` is not one of the set's importers
  // (a "cluster:NAME" importer admits any authenticated peer: hosts'
  // clusters are the array's to know), VSS_E_INVALID_XML_DOCUMENT for a BCD
  // that does not load or describes another set. The signal is kept until
  // the set's session takes it (it may arrive before the requester waits).
  // If the importing host deleted the set's snapshot LUNs (step 8), the
  // inventory forgets the set here.
  Status DeliverBackupDone(const BackupDoneSignal& signal);
  // Waits for the done-signal of `set_id` until `timeout` passes
  // (SP_E_DEADLINE_EXCEEDED) or `cancelled` returns true (SP_E_CANCELLED;
  // polled every 100 ms).
  Result<BackupDoneSignal> WaitForBackupDone(
      const Guid& set_id, std::chrono::milliseconds timeout,
      const std::function<bool()>& cancelled);

  // Importing host (import_lifecycle.cc). Imports are serialized on the
  // host: ImportSnapshots holds this mutex throughout.
  std::mutex& import_mutex() { return import_mu_; }
  // Where an imported snapshot of the volume mounted at
  // `original_mount_point` on its host is exposed here:
  // <exposure_root>/<set-id>/<volume name> ("/srv/F" -> "srv_F", "/" ->
  // "root").
  std::string ExposurePath(const Guid& set_id,
                           const std::string& original_mount_point) const;
  // Mounts the imported snapshot read-only at its exposure path (xfs:
  // nouuid,norecovery; ext2/3/4: noload), records it, and returns the
  // path. Filesystems that cannot be mounted safely beside their origin
  // (others than xfs and ext*) are refused with VSS_E_VOLUME_NOT_SUPPORTED
  // (the device stays usable). OK and the current path if exposed already.
  Result<std::string> Expose(const Guid& snapshot_id);
  Status Unexpose(const Guid& snapshot_id);
  // Undoes an import: unmounts, unsurfaces and releases (masks) every
  // snapshot LUN of the set at the provider, then forgets the set. The
  // snapshot LUNs themselves stay (they are the creating host's).
  Status UndoImport(const SetRecord& set);
  // `shadowport cleanup` (and the start of the daemon): undoes imports cut
  // off by a crash (sets still importing), and removes snapshot LUNs this
  // host has surfaced that no imported set of the inventory holds (loop
  // devices, their mounts, the presentation). One line per action.
  Result<std::vector<std::string>> Cleanup();

  // VSS BreakSnapshotSet(Ex) on the importing host (snapshot_break.cc):
  // the imported set `set_id` becomes ordinary volumes. Per snapshot:
  // unmount (exposure and any mount of its device), UnsurfaceLun,
  // BreakSnapshotLun (new LUN identity), SurfaceLun read-only unless
  // `writable`; with `writable` also a new filesystem UUID
  // (System::NewFilesystemIdentity). Then the inventory forgets the set.
  // VSS_E_OBJECT_NOT_FOUND for a set unknown here, VSS_E_BAD_STATE for one
  // not imported here, VSS_E_VOLUME_NOT_SUPPORTED (nothing changed) when a
  // snapshot cannot be broken or, with `writable`, its filesystem cannot
  // get a new identity. A failure midway stops there with the failing
  // step's code; the message names the snapshot, the step and every LUN
  // broken so far and where it is surfaced. A break is not undone: what
  // was broken stays broken (and forgotten); the snapshots not yet broken
  // stay imported, so calling it again continues.
  Result<std::vector<BrokenVolume>> BreakSnapshotSet(const Guid& set_id,
                                                     bool writable);

  // Deletes every snapshot of a set: provider first (its LUNs), then the
  // inventory. The set is marked kDeleting first, so a crash midway is
  // finished at the next start. Idempotent at the provider.
  Status DeleteSet(const SetRecord& set);
  // VSS DeleteSnapshots: a snapshot, or a whole set. Refuses a set still
  // being created (VSS_E_SNAPSHOT_SET_IN_PROGRESS) and, unless `force`, an
  // auto-release set of a live session (VSS_E_BAD_STATE: its session
  // deletes it); VSS_E_OBJECT_NOT_FOUND for an unknown id.
  Result<DeleteOutcome> DeleteSnapshots(const Guid& id, bool is_set,
                                        bool force);
  // The provider of a recorded set, by its provider id.
  Result<providers::Provider*> ProviderOf(const SnapshotRecord& snapshot);

  // At start, before serving: applies ActionAtStart to every recorded set
  // (abort half-created ones, delete the ones VSS deletes at restart). A
  // set whose provider fails stays recorded (and logged) for the next try.
  // Returns how many sets were removed.
  Result<int> ReconcileAtStart();

 private:
  Status DeleteSnapshotRecord(const SnapshotRecord& snapshot);
  // Removes `set` from the inventory when the provider says none of its
  // snapshot LUNs exists any more (the importing host deleted them, step 8).
  void ForgetIfDeletedElsewhere(const SetRecord& set);
  // Unmounts the exposure and unsurfaces the LUNs of an imported snapshot.
  Status Unsurface(const SnapshotRecord& snapshot);

  const ServiceDeps deps_;
  mutable std::mutex mu_;
  std::optional<Guid> creation_;             // guarded by mu_
  std::map<Guid, SessionSummary> sessions_;  // guarded by mu_
  std::map<Guid, BackupDoneSignal> done_;    // guarded by mu_
  std::condition_variable done_arrived_;
  std::mutex import_mu_;
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_SERVICE_H_
