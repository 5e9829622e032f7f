// Array: the embedded storage array's logic (shadowport-arrayd), independent
// of RPC. It owns a pool directory of LUN files and an SQLite catalogue next
// to it, takes snapshot sets by reflink, and enforces per-host masking.
// src/array/grpc_service.cc puts it behind proto/array.proto.
//
// Identity: every LUN, snapshot LUN included, has an id the array assigns and
// never reuses (SQLite AUTOINCREMENT), and derived from it a name
// ("lun-000007"), a serial ("SP" + array tag + id) and a page-0x83 NAA-6
// identifier ("naa.6" + 31 hex digits, unique per array and id). Breaking a
// snapshot gives it a new id and so a new identity.
//
// Authorization: every call names its Caller, already authenticated by the
// transport (Authenticate() checks a host's credential). An admin may do
// everything. A host sees, attaches and snapshots only the LUNs presented to
// it; any other LUN answers SP_E_ACCESS_DENIED and nothing changes. The
// snapshot LUNs of a transportable set may be presented (LocateLuns) only to
// the importers named when the set was created.
//
// Crash safety: each multi-step change records its intent in the catalogue
// first ("creating" / "deleting" rows), does the file work, then commits.
// Open() recovers: half-made LUNs and snapshot sets are removed, half-done
// deletions finished, and pool files the catalogue does not know are removed.
// After a SIGKILL at any point and a restart the catalogue and the pool agree.
//
// Thread safety: all methods may be called concurrently; they serialize on an
// internal mutex (the catalogue is one SQLite connection). CreateSnapshotSet
// holds it across the clones, so no LUN changes mid-set.
#ifndef SHADOWPORT_ARRAY_ARRAY_H_
#define SHADOWPORT_ARRAY_ARRAY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
  static Caller Host(std::string name) { return Caller{std::move(name), false}; }
};

struct ArrayOptions {
  std::string pool_dir;       // holds luns/ and the catalogue array.db
  uint64_t free_space_floor_bytes = 1ull << 30;  // refuse snapshots below it
  // Fault injection for crash tests (empty in production): a name of a
  // point in snapshot creation or deletion ("snapshot.after-intent",
  // "snapshot.after-clone-1", "snapshot.before-commit", "lun.after-intent",
  // "delete.after-intent") at which the process SIGKILLs itself.
  std::string crash_at;
};

struct Attachment {
  std::string host;
  std::string device;  // "/dev/loop7" once the host reported it, else ""
  int64_t since_us = 0;
};

struct LunInfo {
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

  // The identity a host describes the LUN with in a BCD.
  LunInformation ToLunInformation(const std::string& array_id) const;
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
  int64_t commit_us = 0;           // time spent cloning, all LUNs together
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
  static Result<std::unique_ptr<Array>> Open(const ArrayOptions& options,
                                             os::PoolFilesystem* fs);
  virtual ~Array() = default;

  // Hosts (admin only). The credential is a random 256-bit token.
  virtual Result<NewHost> AddHost(const Caller& caller, const std::string& name,
                                  const std::string& cluster) = 0;
  virtual Result<std::vector<HostInfo>> ListHosts(const Caller& caller) = 0;
  // Refused (VSS_E_VOLUME_IN_USE) while the host has attachments.
  virtual Status RemoveHost(const Caller& caller, const std::string& name) = 0;
  // SP_E_UNAUTHENTICATED for an unknown host or a wrong credential.
  virtual Result<Caller> Authenticate(const std::string& host,
                                      const std::string& credential) = 0;

  // LUNs. Create/resize/delete are admin only; a host lists what is
  // presented to it. Delete is refused (VSS_E_VOLUME_IN_USE) while the LUN
  // is presented or attached anywhere.
  virtual Result<LunInfo> CreateLun(const Caller& caller, uint64_t size_bytes) = 0;
  virtual Result<std::vector<LunInfo>> ListLuns(const Caller& caller) = 0;
  virtual Result<LunInfo> GetLun(const Caller& caller, uint64_t id) = 0;
  virtual Result<LunInfo> FindLunByNaa(const Caller& caller,
                                       const std::string& naa) = 0;
  virtual Status ResizeLun(const Caller& caller, uint64_t id,
                           uint64_t new_size_bytes) = 0;
  virtual Status DeleteLun(const Caller& caller, uint64_t id) = 0;

  // Masking (admin). Presenting a transportable snapshot LUN to a host that
  // is not one of its importers is refused with SP_E_ACCESS_DENIED.
  virtual Status Present(const Caller& caller, uint64_t id,
                         const std::string& host) = 0;
  // Refused (VSS_E_VOLUME_IN_USE) while that host has it attached.
  virtual Status Unpresent(const Caller& caller, uint64_t id,
                           const std::string& host) = 0;

  // Snapshots. The caller's filesystems on these LUNs are frozen around
  // this call; it clones every LUN (no data copy) and commits all or
  // nothing. VSS_E_INSUFFICIENT_STORAGE below the free-space floor.
  virtual Result<SnapshotSetResult> CreateSnapshotSet(
      const Caller& caller, const SnapshotSetRequest& request) = 0;
  // Snapshot LUNs visible to the caller (admin: all), optionally of one set.
  virtual Result<std::vector<LunInfo>> ListSnapshots(
      const Caller& caller, std::optional<Guid> set_id) = 0;
  // VSS LocateLuns: presents the snapshot LUNs with these NAA ids to the
  // caller, if the caller is one of their importers; all or nothing.
  // Cluster rule: SP_E_IMPORT_COLLISION if an origin LUN is mounted
  // read-write by a host of the caller's cluster.
  virtual Result<std::vector<LunInfo>> LocateLuns(
      const Caller& caller, const std::vector<std::string>& naa_ids) = 0;
  // Deletes snapshot LUNs (by the creating host, an importer or the admin);
  // refused while attached anywhere. Unpresents them first.
  virtual Status DeleteSnapshot(const Caller& caller, uint64_t id) = 0;
  virtual Status DeleteSnapshotSet(const Caller& caller, const Guid& set_id) = 0;
  // Turns a snapshot LUN into an ordinary read-write LUN with a new identity
  // (new id, serial, NAA id); it keeps its presentations. Returns the new LUN.
  virtual Result<LunInfo> BreakSnapshot(const Caller& caller, uint64_t id) = 0;

  // Presentation data path. Attach records that the caller attaches the LUN
  // and returns its backing file; the host then reports the device.
  virtual Result<AttachInfo> Attach(const Caller& caller, uint64_t id) = 0;
  virtual Status SetAttachmentDevice(const Caller& caller, uint64_t id,
                                     const std::string& device) = 0;
  virtual Status Detach(const Caller& caller, uint64_t id) = 0;
  // Admin: forgets every attachment of a host that crashed (its loop devices
  // are gone with it, or reclaimed by its own cleanup).
  virtual Status ReclaimHost(const Caller& caller, const std::string& host) = 0;
  // The host reports that it mounted (or unmounted) a LUN read-write.
  virtual Status ReportMount(const Caller& caller, uint64_t id,
                             bool mounted_read_write) = 0;

  virtual Result<PoolStatus> GetStatus(const Caller& caller) = 0;
};

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_ARRAY_H_
