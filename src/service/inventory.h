// Inventory: shadowportd's record of the snapshot sets and snapshots it
// created or imported, in SQLite (WAL, synchronous=FULL) under the state
// directory. A set is recorded before its provider work starts (state
// kCreating), so a crash at any point leaves a row that the next start
// resolves (Reconcile).
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
  Guid session_id;     // the session that owns auto-release snapshots
  std::string creating_host;
  int64_t created_us = 0;
  std::string provider;  // provider name ("array")
  std::vector<SnapshotRecord> snapshots;
};

// What to do with a set found at start (Reconcile).
enum class StartAction { kKeep, kDelete, kAbort };

// VSS semantics at service start (reference 2.4): a set still kCreating was
// cut off mid-creation: abort it (delete whatever the provider made);
// kDeleting: finish deleting; a non-persistent set that is not auto-release
// (lives until restart) and an auto-release set (its session cannot
// outlive the daemon): delete; persistent sets: keep. Imported sets follow
// the same rules by their attributes.
StartAction ActionAtStart(const SetRecord& set);

class Inventory {
 public:
  // Opens or creates <state_dir>/inventory.db.
  static Result<std::unique_ptr<Inventory>> Open(const std::string& state_dir);
  virtual ~Inventory() = default;

  // VSS_E_OBJECT_ALREADY_EXISTS for a known set id.
  virtual Status AddSet(const SetRecord& set) = 0;
  // Replaces the set's state and snapshots (LUNs filled in after commit).
  virtual Status UpdateSet(const SetRecord& set) = 0;
  virtual Status SetState(const Guid& set_id, SetState state) = 0;
  virtual Status RemoveSet(const Guid& set_id) = 0;
  // Removes one snapshot; the set goes with its last snapshot.
  virtual Status RemoveSnapshot(const Guid& snapshot_id) = 0;

  // VSS_E_OBJECT_NOT_FOUND when unknown.
  virtual Result<SetRecord> GetSet(const Guid& set_id) = 0;
  // The set holding a snapshot, VSS_E_OBJECT_NOT_FOUND when unknown.
  virtual Result<SetRecord> FindSnapshot(const Guid& snapshot_id) = 0;
  virtual Result<std::vector<SetRecord>> ListSets() = 0;
  virtual Result<std::vector<SetRecord>> ListSetsOfSession(
      const Guid& session_id) = 0;
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_INVENTORY_H_
