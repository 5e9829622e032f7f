// Inventory: shadowportd's record of the snapshot sets and snapshots it
// created or imported, in SQLite (WAL, synchronous=FULL) under the state
// directory. A set is recorded before its provider work starts (state
// kCreating), so a crash at any point leaves a row that the next start
// resolves (Reconcile).
//
// Storage (inventory_schema.cc): tables snapshot_sets and snapshots, schema
// version in PRAGMA user_version with append-only migrations; a snapshot's
// LUN records are one JSON array in a column (format in inventory_impl.h).
// Every write is one transaction, durable when the call returns. Errors of
// the database itself are SP_E_IO (a damaged file is found at Open by
// PRAGMA quick_check), VSS_E_INSUFFICIENT_STORAGE when the disk is full.
//
// Thread safety: all methods may be called from any thread (one mutex).
#ifndef SHADOWPORT_SERVICE_INVENTORY_H_
#define SHADOWPORT_SERVICE_INVENTORY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::service {

enum class SetState {
  kCreating,   // DoSnapshotSet under way (or crashed during it)
  kCreated,    // committed; snapshots live
  kImporting,  // import under way (issue 5)
  kImported,   // imported on this host (issue 5)
  kDeleting,   // deletion under way (or crashed during it)
};
std::string_view SetStateName(SetState state);  // "creating"

struct SnapshotRecord {
  Guid snapshot_id;
  Guid snapshot_set_id;
  Guid provider_id;
  uint32_t attributes = 0;  // VSS_VOLSNAP_ATTR_* of the snapshot
  OriginalVolume original;  // device, mount point, fs type, UUID
  std::vector<providers::SnapshotLun> luns;  // empty until committed
  // Host side of an imported snapshot (issue 5); "" otherwise.
  std::string device;
  std::string exposed_path;
};

struct SetRecord {
  Guid snapshot_set_id;
  uint32_t context = 0;  // the creating context value
  SetState state = SetState::kCreating;
  Guid session_id;  // the session that owns auto-release snapshots
  std::string creating_host;
  int64_t created_us = 0;
  std::string provider;  // provider name ("array")
  // Transportable sets: the hosts (or "cluster:NAME") allowed to import it,
  // and so to send its done-signal.
  std::vector<std::string> importers;
  std::vector<SnapshotRecord> snapshots;
};

// What to do with a set found at start (Reconcile).
enum class StartAction { kKeep, kDelete, kAbort };

// VSS semantics at service start (reference 2.4): a set still kCreating (or
// kImporting) was cut off mid-way: abort it (delete whatever the provider
// made or located); kDeleting: finish deleting; a non-persistent set that is
// not auto-release (lives until restart) and an auto-release set (its
// session cannot outlive the daemon): delete; persistent sets: keep.
// Lifetime is sp::LifetimeOf the snapshots' attributes; a set without
// snapshots goes by sp::ImpliedAttributes of its context. Should the
// snapshots of a set disagree, one persistent snapshot keeps the set
// (persistent data is never deleted on a guess). Imported sets follow the
// same rules by their attributes.
StartAction ActionAtStart(const SetRecord& set);

class Inventory {
 public:
  // Opens or creates <state_dir>/inventory.db and migrates its schema.
  // REQUIRES: state_dir exists. A file that is not an SQLite database or is
  // damaged: SP_E_IO naming the file; a schema newer than this program's:
  // VSS_E_NOT_SUPPORTED.
  static Result<std::unique_ptr<Inventory>> Open(const std::string& state_dir);
  virtual ~Inventory() = default;

  // VSS_E_OBJECT_ALREADY_EXISTS for a known set id or snapshot id (nothing
  // is stored then). Each snapshot's snapshot_set_id must be the set's (or
  // null, read back as the set's): E_INVALIDARG otherwise.
  virtual Status AddSet(const SetRecord& set) = 0;
  // Replaces the set's fields and snapshots (LUNs filled in after commit);
  // same rules as AddSet. VSS_E_OBJECT_NOT_FOUND for an unknown set.
  virtual Status UpdateSet(const SetRecord& set) = 0;
  virtual Status SetState(const Guid& set_id, SetState state) = 0;
  virtual Status RemoveSet(const Guid& set_id) = 0;
  // Removes one snapshot; the set goes with its last snapshot. SetState,
  // RemoveSet, RemoveSnapshot: VSS_E_OBJECT_NOT_FOUND when unknown.
  virtual Status RemoveSnapshot(const Guid& snapshot_id) = 0;

  // VSS_E_OBJECT_NOT_FOUND when unknown.
  virtual Result<SetRecord> GetSet(const Guid& set_id) = 0;
  // The set holding a snapshot, VSS_E_OBJECT_NOT_FOUND when unknown.
  virtual Result<SetRecord> FindSnapshot(const Guid& snapshot_id) = 0;
  // Ordered by created_us, then set id; snapshots in the order given.
  virtual Result<std::vector<SetRecord>> ListSets() = 0;
  virtual Result<std::vector<SetRecord>> ListSetsOfSession(
      const Guid& session_id) = 0;
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_INVENTORY_H_
