// Array: the embedded storage array's logic (shadowport-arrayd), independent
// of RPC. It owns a pool directory of LUN files and an SQLite catalogue next
// to it, takes snapshot sets by reflink, and enforces per-host masking.
// src/array/rpc/ puts it behind proto/array.proto. docs/array.md ("Catalogue
// and rules") is the long form of the rules below.
//
// Identity: every LUN, snapshot LUN included, has an id the array assigns and
// never reuses (SQLite AUTOINCREMENT), and derived from it a name
// ("lun-000007"), a serial ("SP" + array tag + id) and a page-0x83 NAA-6
// identifier ("naa.6" + 31 hex digits, unique per array and id). Breaking a
// snapshot gives it a new id and so a new identity.
//
// Authorization: every call names its Caller, already authenticated by the
// transport (Authenticate() checks a host's credential); a host Caller that
// is not (or no longer) registered, or a non-admin Caller without a host
// name, gets SP_E_UNAUTHENTICATED. An admin may do everything; admin-only
// calls made by a host answer E_ACCESSDENIED before looking at any object. A
// host sees, attaches and snapshots only the LUNs presented to it; any other
// id or NAA, existing or not, answers SP_E_ACCESS_DENIED (a host cannot tell
// "exists but masked" from "does not exist") and nothing changes. The admin
// gets VSS_E_OBJECT_NOT_FOUND for an unknown id. A snapshot LUN is also
// visible (listed, gettable, deletable, not attachable until presented) to
// the host that created its set and to its importers. The snapshot LUNs of a
// transportable set may be presented (Present, LocateLuns) only to the
// importers named when the set was created.
//
// Crash safety: each multi-step change records its intent in the catalogue
// first ("creating" / "deleting" rows), does the file work, then commits.
// Open() recovers: half-made LUNs and snapshot sets are removed, half-done
// deletions finished, and pool files the catalogue does not know are removed.
// After a SIGKILL at any point and a restart the catalogue and the pool agree.
//
// Thread safety: all methods may be called concurrently; they serialize on an
// internal mutex (the catalogue is one SQLite connection). CreateSnapshotSet
// and CommitSnapshotSet hold it across the clones, so no LUN changes mid-set.
// FinishSnapshotSet releases it for the clones' sync (another host's Commit
// must not wait for this set's durability inside its freeze window).
#ifndef SHADOWPORT_ARRAY_ARRAY_H_
#define SHADOWPORT_ARRAY_ARRAY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/pool_filesystem.h"
#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::array {

// Who is calling, as the transport authenticated it.
struct Caller {
  std::string host;  // registered host name; empty for the admin
  bool admin = false;

  static Caller Admin() { return Caller{"", true}; }
  static Caller Host(std::string name) {
    return Caller{std::move(name), false};
  }
};

struct ArrayOptions {
  std::string pool_dir;  // holds luns/ and the catalogue array.db
  uint64_t free_space_floor_bytes = 1ull << 30;  // refuse snapshots below it
  // Free-space rule: a snapshot set is refused (VSS_E_INSUFFICIENT_STORAGE)
  // unless the pool's free bytes are at least free_space_floor_bytes plus
  // snapshot_reserve_percent of the size of every LUN in the set. A clone
  // needs no space when made, but every later write to the origin or the
  // clone un-shares blocks; the reserve is the divergence the new set is
  // expected to cause, the floor what existing snapshots may still need.
  // Sizes are provisioned sizes (PoolFilesystem reports no allocation), so
  // thin LUNs are counted at their full size. 0..100, else E_INVALIDARG.
  uint32_t snapshot_reserve_percent = 10;
  // A set prepared (PrepareSnapshotSet) and not finished for longer than
  // this was abandoned by its host (which died, or lost the array for good):
  // the array undoes it, clones and rows, at the next call that needs or
  // reports pool space (PrepareSnapshotSet, CreateSnapshotSet, CreateLun,
  // ResizeLun, BreakSnapshot, GetStatus, ListSnapshots), and a late Commit
  // or Finish is VSS_E_OBJECT_NOT_FOUND saying so. It must exceed the
  // longest snapshot creation a host may run (its writers' PrepareForSnapshot
  // and freeze windows); > 0, else E_INVALIDARG.
  std::chrono::milliseconds abandoned_set_timeout = std::chrono::minutes(15);
  // Security log (optional): one line for every refused authentication and
  // every masking refusal. Called with the array's mutex held: it must not
  // call back into the Array.
  std::function<void(std::string_view)> audit;
  // Fault injection for crash tests (empty in production): the name of a
  // point at which the process SIGKILLs itself (raise(SIGKILL)). Open
  // refuses an unknown name (E_INVALIDARG). The points (src/array/faults.h):
  //   lun.after-intent, lun.after-file, resize.after-grow,
  //   snapshot.after-intent, snapshot.after-clone-N (N >= 1),
  //   snapshot.after-clones, snapshot.before-commit, snapshot.after-commit,
  //   delete.after-intent, delete.after-remove,
  //   break.after-intent, break.after-clone, break.after-commit.
  std::string crash_at;
};

struct Attachment {
  std::string host;
  std::string device;  // "/dev/loop7" once the host reported it, else ""
  int64_t since_us = 0;
};

struct LunInfo {
  // The array's id (GUID text, fixed at pool creation; PoolStatus::array_id),
  // set on every LunInfo the array returns, so that a host can describe the
  // LUN without the admin-only GetStatus.
  std::string array_id;
  uint64_t id = 0;
  std::string name;
  std::string serial;
  std::string naa;  // "naa.6..."
  std::string vendor;
  std::string product;
  std::string revision;
  uint64_t size_bytes = 0;
  int64_t created_us = 0;

  // Snapshot LUNs only (is_snapshot): where they come from.
  bool is_snapshot = false;
  uint64_t origin_lun_id = 0;  // 0 once the origin is deleted
  std::string origin_naa;
  Guid snapshot_set_id;
  std::string creating_host;
  bool transportable = false;
  std::vector<std::string> importers;  // hosts allowed to locate it

  bool read_only = false;  // snapshot LUNs until broken
  std::vector<std::string> presented_to;
  std::vector<Attachment> attachments;
  std::vector<std::string> mounted_read_write_by;  // as hosts reported

  // The identity a host describes the LUN with in a BCD (array_id included).
  LunInformation ToLunInformation() const;
};

struct HostInfo {
  std::string name;
  std::string cluster;  // may be empty
  int64_t created_us = 0;
};

struct NewHost {
  HostInfo host;
  std::string credential;  // shown once; the catalogue keeps only a hash
};

struct SnapshotSetRequest {
  Guid snapshot_set_id;           // chosen by the requester (StartSnapshotSet)
  std::vector<uint64_t> lun_ids;  // originals, each presented to the caller
  bool transportable = false;
  // Hosts that may import (LocateLuns) the snapshot LUNs; "cluster:NAME"
  // names every host of a cluster. Required non-empty when transportable.
  std::vector<std::string> importers;
};

struct SnapshotSetResult {
  Guid snapshot_set_id;
  std::vector<LunInfo> snapshots;  // in the order of request.lun_ids
  // Time spent on the clones of all LUNs and their one durability pass
  // (microseconds), and of that the durability pass alone: with the
  // three-step protocol the clones (commit_us - sync_us) are the part inside
  // the host's freeze window, the sync comes after the thaw.
  int64_t commit_us = 0;
  int64_t sync_us = 0;
};

// What a host needs to attach a LUN on this machine.
struct AttachInfo {
  LunInfo lun;
  std::string backing_file;  // absolute path of the LUN file
  bool read_only = false;
};

struct PoolStatus {
  std::string pool_dir;
  std::string array_id;  // GUID text, fixed at pool creation
  os::SpaceInfo space;
  uint64_t free_space_floor_bytes = 0;
  uint64_t lun_count = 0;
  uint64_t snapshot_count = 0;
  uint64_t host_count = 0;
};

class Array {
 public:
  // Opens (creating if absent) the catalogue in options.pool_dir, checks that
  // the pool can reflink (VSS_E_NOT_SUPPORTED otherwise, naming the
  // filesystem), and runs crash recovery. `fs` must outlive the Array.
  // The pool directory must exist; luns/ is created in it. One Array per
  // pool: the Array holds an exclusive lock on <pool_dir>/array.lock for its
  // life, and a second Open of the same pool (from any process) fails with
  // VSS_E_VOLUME_IN_USE.
  static Result<std::unique_ptr<Array>> Open(const ArrayOptions& options,
                                             os::PoolFilesystem* fs);
  virtual ~Array() = default;

  // Hosts (admin only). The credential is a random 256-bit token. Names:
  // 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit; the
  // cluster name likewise, or empty. VSS_E_OBJECT_ALREADY_EXISTS for the
  // name of a registered host (a removed host's name may be registered
  // again; it gets no rights of the old one).
  virtual Result<NewHost> AddHost(const Caller& caller, const std::string& name,
                                  const std::string& cluster) = 0;
  virtual Result<std::vector<HostInfo>> ListHosts(const Caller& caller) = 0;
  // Refused (VSS_E_VOLUME_IN_USE) while the host has attachments. Removes
  // its presentations, mount reports and its name from importer lists.
  virtual Status RemoveHost(const Caller& caller, const std::string& name) = 0;
  // SP_E_UNAUTHENTICATED for an unknown host or a wrong credential.
  virtual Result<Caller> Authenticate(const std::string& host,
                                      const std::string& credential) = 0;

  // LUNs. Create/resize/delete are admin only; a host lists what is
  // presented to it. ListLuns lists ordinary LUNs (broken snapshots
  // included), ListSnapshots snapshot LUNs; GetLun and FindLunByNaa answer
  // for both. Sizes: a multiple of 512, more than 0, at most 1 PiB, else
  // E_INVALIDARG; ResizeLun only grows (same size: no-op) and refuses a
  // snapshot LUN (VSS_E_BAD_STATE: break it first); a host that has the LUN
  // attached must refresh its capacity (losetup -c). Delete is refused
  // (VSS_E_VOLUME_IN_USE) while the LUN is presented or attached anywhere;
  // DeleteLun refuses a snapshot LUN (E_INVALIDARG: use DeleteSnapshot).
  // Snapshots of a deleted LUN stay; their origin_lun_id becomes 0.
  virtual Result<LunInfo> CreateLun(const Caller& caller,
                                    uint64_t size_bytes) = 0;
  virtual Result<std::vector<LunInfo>> ListLuns(const Caller& caller) = 0;
  virtual Result<LunInfo> GetLun(const Caller& caller, uint64_t id) = 0;
  virtual Result<LunInfo> FindLunByNaa(const Caller& caller,
                                       const std::string& naa) = 0;
  virtual Status ResizeLun(const Caller& caller, uint64_t id,
                           uint64_t new_size_bytes) = 0;
  virtual Status DeleteLun(const Caller& caller, uint64_t id) = 0;

  // Masking (admin). Presenting a transportable snapshot LUN to a host that
  // is not one of its importers is refused with SP_E_ACCESS_DENIED. Both
  // are idempotent for the admin; an unknown host is VSS_E_OBJECT_NOT_FOUND.
  virtual Status Present(const Caller& caller, uint64_t id,
                         const std::string& host) = 0;
  // Refused (VSS_E_VOLUME_IN_USE) while that host has it attached. A host
  // may also unpresent a snapshot LUN presented to it from itself
  // (host == caller.host; VSS OnLunStateChange DO_MASK_LUNS, the rollback of
  // LocateLuns). Any other Unpresent by a host: E_ACCESSDENIED (another
  // host, or an ordinary LUN presented to it), SP_E_ACCESS_DENIED (a LUN not
  // presented to it, also one already unpresented).
  virtual Status Unpresent(const Caller& caller, uint64_t id,
                           const std::string& host) = 0;

  // Snapshots. The caller's filesystems on these LUNs are frozen around
  // this call; it clones every LUN (no data copy) and commits all or
  // nothing. VSS_E_INSUFFICIENT_STORAGE below the free-space rule
  // (ArrayOptions). The set id must be non-null and never used before
  // (VSS_E_OBJECT_ALREADY_EXISTS, also after the set was deleted; a failed
  // attempt does not use it up). 1..64 distinct ordinary LUNs (a snapshot
  // LUN cannot be an origin: VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER). The
  // snapshots of a non-transportable set made by a host are presented to
  // that host; those of a transportable set to nobody until LocateLuns.
  // Importers must be registered hosts or clusters with at least one host
  // (VSS_E_OBJECT_NOT_FOUND otherwise), and are only allowed (and then
  // required) for a transportable set (E_INVALIDARG).
  virtual Result<SnapshotSetResult> CreateSnapshotSet(
      const Caller& caller, const SnapshotSetRequest& request) = 0;
  // The same in three steps (VSS PreCommitSnapshots / CommitSnapshots /
  // PostCommitSnapshots), so that only the clones run while the host holds
  // its writes:
  //   PrepareSnapshotSet, before the freeze: every check and refusal of
  //     CreateSnapshotSet, then the intent (the set and its snapshot LUNs
  //     recorded "creating": invisible, nothing made).
  //   CommitSnapshotSet, inside the freeze window: checks that each origin
  //     is still a ready LUN presented to the caller, then clones them all;
  //     nothing is synced and the catalogue is only read. Returns the time
  //     the clones took (microseconds).
  //   FinishSnapshotSet, after the thaw: one durability pass over the
  //     clones, then the set is committed (LUNs ready, presented as
  //     CreateSnapshotSet presents them). Only now does the set exist;
  //     the result is CreateSnapshotSet's.
  // All or nothing: a failed Commit or Finish removes what the set made and
  // its rows (its id is free again). Until Finish returns, a restart of the
  // array undoes the set (Open's recovery: an unsynced clone is not trusted),
  // and so does DeleteSnapshotSet by its creator or the admin (the
  // provider's abort). Commit and Finish come from the caller that prepared
  // the set, each once, in order: VSS_E_OBJECT_NOT_FOUND for a set this
  // caller is not creating (never prepared, undone, finished, or another
  // host's: a host cannot tell these apart; the message says when the
  // array's recovery undid it), VSS_E_BAD_STATE for Commit twice, Finish
  // before Commit, or Finish (or DeleteSnapshotSet) while a Finish of the
  // set is syncing it.
  virtual Status PrepareSnapshotSet(const Caller& caller,
                                    const SnapshotSetRequest& request) = 0;
  virtual Result<int64_t> CommitSnapshotSet(const Caller& caller,
                                            const Guid& set_id) = 0;
  virtual Result<SnapshotSetResult> FinishSnapshotSet(const Caller& caller,
                                                      const Guid& set_id) = 0;
  // Snapshot LUNs visible to the caller (admin: all), optionally of one set.
  virtual Result<std::vector<LunInfo>> ListSnapshots(
      const Caller& caller, std::optional<Guid> set_id) = 0;
  // VSS LocateLuns: presents the snapshot LUNs with these NAA ids to the
  // caller, if the caller is one of their importers (or they are already
  // presented to it); all or nothing. Hosts only (the admin: E_INVALIDARG).
  // Cluster rule: SP_E_IMPORT_COLLISION if an origin LUN is mounted
  // read-write by a host of the caller's cluster, the caller included (a
  // host without a cluster: no array-side rule; the host itself handles
  // importing its own original, DESIGN.md). A set is imported by one host at
  // a time: VSS_E_VOLUME_IN_USE, naming the host, while any snapshot LUN of
  // a requested LUN's set is attached by another host (several importers
  // may locate it; only one may have it attached). Access is checked first,
  // so a non-importer learns nothing from it.
  virtual Result<std::vector<LunInfo>> LocateLuns(
      const Caller& caller, const std::vector<std::string>& naa_ids) = 0;
  // Deletes snapshot LUNs (by the creating host, an importer or the admin);
  // refused while attached anywhere. Unpresents them first. A set is
  // deleted all or nothing: one attached LUN refuses the whole call. An
  // ordinary LUN's id is E_INVALIDARG (to a host that can see it).
  // DeleteSnapshotSet of a set still being created (PrepareSnapshotSet
  // without FinishSnapshotSet) undoes it, for its creating host or the
  // admin: clones and rows removed, the id free again (VSS AbortSnapshots).
  virtual Status DeleteSnapshot(const Caller& caller, uint64_t id) = 0;
  virtual Status DeleteSnapshotSet(const Caller& caller,
                                   const Guid& set_id) = 0;
  // Turns a snapshot LUN into an ordinary read-write LUN with a new identity
  // (new id, serial, NAA id, file); it keeps its presentations. Returns the
  // new LUN. Admin, or a host the snapshot LUN is presented to. Refused
  // (VSS_E_VOLUME_IN_USE) while it is attached anywhere: the host detaches
  // the read-only snapshot and attaches the new LUN read-write.
  virtual Result<LunInfo> BreakSnapshot(const Caller& caller, uint64_t id) = 0;

  // Presentation data path (hosts only; the admin gets E_INVALIDARG).
  // Attach records that the caller attaches the LUN and returns its backing
  // file; the host then reports the device. Attach is idempotent; Detach of
  // a LUN the host has not attached succeeds. SetAttachmentDevice and
  // ReportMount need an attachment (VSS_E_BAD_STATE); a read-write mount of
  // a read-only LUN is VSS_E_BAD_STATE. Detach forgets the host's mount
  // report of that LUN.
  virtual Result<AttachInfo> Attach(const Caller& caller, uint64_t id) = 0;
  virtual Status SetAttachmentDevice(const Caller& caller, uint64_t id,
                                     const std::string& device) = 0;
  virtual Status Detach(const Caller& caller, uint64_t id) = 0;
  // Admin: forgets every attachment and mount report of a host that crashed
  // (its loop devices are gone with it, or reclaimed by its own cleanup).
  virtual Status ReclaimHost(const Caller& caller, const std::string& host) = 0;
  // The host reports that it mounted (or unmounted) a LUN read-write.
  virtual Status ReportMount(const Caller& caller, uint64_t id,
                             bool mounted_read_write) = 0;

  // Admin only.
  virtual Result<PoolStatus> GetStatus(const Caller& caller) = 0;
};

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_ARRAY_H_
