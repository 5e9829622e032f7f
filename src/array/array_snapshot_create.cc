// ArrayImpl: creating a snapshot set, in one call (CreateSnapshotSet) or in
// the three steps a host spreads around its freeze window (Prepare before
// the freeze, Commit inside it, Finish after the thaw; array.h).
//
// Where the cost goes: Prepare pays for the checks and the intent
// transaction (an SQLite commit with synchronous=FULL: one fsync of the
// WAL), Commit for the clones only (reflink, O(extents); the catalogue is
// only read), Finish for the one durability pass over the clones (about one
// XFS log force) and the commit transaction. So the host holds its writes
// for the clones alone.
#include <chrono>
#include <limits>
#include <set>

#include "array/array_impl.h"
#include "array/recovery.h"

namespace sp::array {
namespace {

constexpr size_t kMaxLunsPerSet =
    64;  // VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED
constexpr std::string_view kClusterPrefix = "cluster:";

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b
             ? std::numeric_limits<uint64_t>::max()
             : a + b;
}

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

bool SameCaller(const Caller& a, const Caller& b) {
  return a.admin == b.admin && a.host == b.host;
}

}  // namespace

Status ArrayImpl::CheckImporters(const std::vector<std::string>& importers) {
  for (const std::string& importer : importers) {
    if (std::string_view(importer).starts_with(kClusterPrefix)) {
      std::string cluster = importer.substr(kClusterPrefix.size());
      SP_ASSIGN_OR_RETURN(bool any, db_->ClusterHasHosts(cluster));
      if (cluster.empty() || !any) {
        return Status(Code::kObjectNotFound,
                      "importer '" + importer + "': no host in that cluster");
      }
      continue;
    }
    SP_ASSIGN_OR_RETURN(std::optional<HostRow> host, db_->GetHost(importer));
    if (!host) {
      return Status(Code::kObjectNotFound,
                    "importer '" + importer + "' is not a registered host");
    }
  }
  return Status::Ok();
}

Status ArrayImpl::CheckSpace(const std::vector<LunRow>& origins) {
  uint64_t reserve = 0;
  for (const LunRow& lun : origins) {
    uint64_t share =
        lun.size_bytes / 100 * options_.snapshot_reserve_percent +
        lun.size_bytes % 100 * options_.snapshot_reserve_percent / 100;
    reserve = SaturatingAdd(reserve, share);
  }
  uint64_t needed = SaturatingAdd(options_.free_space_floor_bytes, reserve);
  SP_ASSIGN_OR_RETURN(os::SpaceInfo space, fs_->Space(luns_dir_));
  if (space.free_bytes < needed) {
    return Status(Code::kInsufficientStorage,
                  "pool has " + std::to_string(space.free_bytes) +
                      " bytes free; a snapshot of these LUNs needs " +
                      std::to_string(needed) + " (floor " +
                      std::to_string(options_.free_space_floor_bytes) +
                      " + reserve " + std::to_string(reserve) + ")");
  }
  return Status::Ok();
}

Result<SnapshotSetResult> ArrayImpl::CreateSnapshotSet(
    const Caller& caller, const SnapshotSetRequest& request) {
  // The three steps under one lock: nobody sees the set between them.
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(PrepareSet(caller, request));
  SP_RETURN_IF_ERROR(CommitSet(caller, request.snapshot_set_id).status());
  return FinishSet(caller, request.snapshot_set_id, /*lock=*/nullptr);
}

Status ArrayImpl::PrepareSnapshotSet(const Caller& caller,
                                     const SnapshotSetRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  return PrepareSet(caller, request);
}

Result<int64_t> ArrayImpl::CommitSnapshotSet(const Caller& caller,
                                             const Guid& set_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return CommitSet(caller, set_id);
}

Result<SnapshotSetResult> ArrayImpl::FinishSnapshotSet(const Caller& caller,
                                                       const Guid& set_id) {
  std::unique_lock<std::mutex> lock(mu_);
  return FinishSet(caller, set_id, &lock);
}

Status ArrayImpl::PrepareSet(const Caller& caller,
                             const SnapshotSetRequest& request) {
  ExpireAbandonedSets();  // before the free-space rule counts their clones
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  const Guid& set_id = request.snapshot_set_id;
  if (set_id.IsNull()) {
    return Status(Code::kInvalidArg, "the snapshot set id is GUID_NULL");
  }
  if (request.lun_ids.empty()) {
    return Status(Code::kInvalidArg, "a snapshot set needs at least one LUN");
  }
  if (request.lun_ids.size() > kMaxLunsPerSet) {
    return Status(Code::kMaxVolumesReached,
                  std::to_string(request.lun_ids.size()) + " LUNs in one set");
  }
  std::set<uint64_t> distinct(request.lun_ids.begin(), request.lun_ids.end());
  if (distinct.size() != request.lun_ids.size()) {
    return Status(Code::kInvalidArg, "a LUN appears twice in the set");
  }
  std::vector<LunRow> origins;
  for (uint64_t id : request.lun_ids) {
    SP_ASSIGN_OR_RETURN(LunRow lun, LunFor(caller, id, Need::kUse));
    if (lun.is_snapshot()) {
      return Status(Code::kVolumeNotSupportedByProvider,
                    "LUN " + std::to_string(id) +
                        " is a snapshot LUN; break it before snapshotting it");
    }
    origins.push_back(std::move(lun));
  }
  if (request.transportable == request.importers.empty()) {
    return Status(Code::kInvalidArg,
                  request.transportable
                      ? "a transportable set needs its importers"
                      : "importers are for transportable sets only");
  }
  SP_RETURN_IF_ERROR(CheckImporters(request.importers));
  SP_ASSIGN_OR_RETURN(std::optional<SetRow> existing, db_->GetSet(set_id));
  if (existing) {
    return Status(Code::kObjectAlreadyExists,
                  "snapshot set " + set_id.ToString() + " was used before");
  }
  SP_RETURN_IF_ERROR(CheckSpace(origins));

  // Intent: the set and its snapshot LUNs, all "creating".
  SetRow set{set_id,  SetState::kCreating,   caller.host,
             NowUs(), request.transportable, request.importers};
  PendingSet pending;
  pending.owner = caller;
  pending.transportable = request.transportable;
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_RETURN_IF_ERROR(db_->InsertSet(set));
    for (const LunRow& origin : origins) {
      LunRow snap;
      snap.state = LunState::kCreating;
      snap.size_bytes = origin.size_bytes;
      snap.created_us = set.created_us;
      snap.set_id = set_id;
      snap.origin_lun_id = origin.id;
      snap.origin_naa = origin.naa;
      snap.read_only = true;
      SP_ASSIGN_OR_RETURN(uint64_t id, InsertLun(std::move(snap)));
      pending.origins.push_back(origin.id);
      pending.snaps.push_back(id);
      pending.sizes.push_back(origin.size_bytes);
    }
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  // A set id is never reused, so a stale entry cannot be in the way.
  undone_.erase(set_id);
  pending.prepared_at = std::chrono::steady_clock::now();
  pending_[set_id] = std::move(pending);
  faults_.MaybeCrash("snapshot.after-intent");
  return Status::Ok();
}

Result<ArrayImpl::PendingSet*> ArrayImpl::PendingFor(const Caller& caller,
                                                     const Guid& set_id,
                                                     std::string_view step) {
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  auto it = pending_.find(set_id);
  if (it != pending_.end() && SameCaller(it->second.owner, caller)) {
    return &it->second;
  }
  if (it != pending_.end()) {
    Audit(
        "refused: " +
        std::string(caller.admin ? "the admin" : "host '" + caller.host + "'") +
        " asked for " + std::string(step) + " snapshot set " +
        set_id.ToString() + " of another caller");
  }
  auto undone = undone_.find(set_id);
  std::string why = undone != undone_.end()
                        ? "; " + undone->second + " (create the set again)"
                        : " (never prepared, undone, or already finished)";
  return Status(Code::kObjectNotFound,
                std::string(step) + " snapshot set " + set_id.ToString() +
                    ": this caller is not creating it" + why);
}

Result<int64_t> ArrayImpl::CommitSet(const Caller& caller, const Guid& set_id) {
  SP_ASSIGN_OR_RETURN(PendingSet * pending,
                      PendingFor(caller, set_id, "committing"));
  if (pending->cloned) {
    return Status(Code::kBadState, "snapshot set " + set_id.ToString() +
                                       " is already committed (cloned); "
                                       "FinishSnapshotSet comes next");
  }
  // The origins may have changed since Prepare (unpresented, resized): the
  // clones are of the LUNs as they are now. Reads only, no transaction.
  for (size_t i = 0; i < pending->origins.size(); ++i) {
    Result<LunRow> origin = LunFor(caller, pending->origins[i], Need::kUse);
    if (!origin.ok()) return UndoCreatingSet(set_id, origin.status());
    pending->sizes[i] = origin->size_bytes;
  }
  // The clones, without their durability: the only part timed, and the only
  // part inside the host's freeze window that touches the pool.
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < pending->origins.size(); ++i) {
    Status cloned = fs_->CloneNoSync(LunPath(pending->origins[i]),
                                     LunPath(pending->snaps[i]));
    if (!cloned.ok()) {
      return UndoCreatingSet(
          set_id, std::move(cloned).WithContext(
                      "cloning LUN " + std::to_string(pending->origins[i])));
    }
    faults_.MaybeCrash("snapshot.after-clone", i + 1);
  }
  pending->clone_us = MicrosSince(start);
  pending->cloned = true;
  faults_.MaybeCrash("snapshot.after-clones");
  return pending->clone_us;
}

Result<SnapshotSetResult> ArrayImpl::FinishSet(
    const Caller& caller, const Guid& set_id,
    std::unique_lock<std::mutex>* lock) {
  SP_ASSIGN_OR_RETURN(PendingSet * found,
                      PendingFor(caller, set_id, "finishing"));
  if (!found->cloned) {
    return Status(Code::kBadState, "snapshot set " + set_id.ToString() +
                                       " has no clones yet: "
                                       "CommitSnapshotSet comes first");
  }
  if (found->finishing) {
    return Status(Code::kBadState,
                  "snapshot set " + set_id.ToString() +
                      " is being finished by another FinishSnapshotSet");
  }
  found->finishing = true;
  const PendingSet pending = *found;  // UndoCreatingSet forgets *found

  // One durability pass for the whole set: about one log force on XFS,
  // where a durable Clone per LUN would cost one each. Nothing else
  // touches these files or the set's rows meanwhile (`finishing`).
  std::vector<std::string> clone_paths;
  for (uint64_t snap : pending.snaps) clone_paths.push_back(LunPath(snap));
  const auto start = std::chrono::steady_clock::now();
  if (lock != nullptr) lock->unlock();
  Status synced = fs_->SyncFiles(clone_paths);
  if (lock != nullptr) lock->lock();
  if (!synced.ok()) {
    return UndoCreatingSet(set_id,
                           std::move(synced).WithContext("syncing the clones"));
  }
  const int64_t sync_us = MicrosSince(start);
  faults_.MaybeCrash("snapshot.before-commit");

  Status committed = [&]() -> Status {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_RETURN_IF_ERROR(db_->SetSetState(set_id, SetState::kCommitted));
    for (size_t i = 0; i < pending.snaps.size(); ++i) {
      const uint64_t snap = pending.snaps[i];
      SP_RETURN_IF_ERROR(db_->SetLunState(snap, LunState::kReady));
      // The size the origin had when it was cloned (it may have grown
      // between Prepare and Commit).
      SP_RETURN_IF_ERROR(db_->SetLunSize(snap, pending.sizes[i]));
      // Non-transportable: auto-import on the creating host (VSS).
      if (!pending.transportable && !caller.admin) {
        SP_RETURN_IF_ERROR(db_->AddPresentation(snap, caller.host));
      }
    }
    return txn.Commit();
  }();
  if (!committed.ok()) {
    return UndoCreatingSet(
        set_id, std::move(committed).WithContext("committing the catalogue"));
  }
  pending_.erase(set_id);
  faults_.MaybeCrash("snapshot.after-commit");

  SnapshotSetResult result;
  result.snapshot_set_id = set_id;
  result.commit_us = pending.clone_us + sync_us;
  result.sync_us = sync_us;
  for (uint64_t snap : pending.snaps) {
    SP_ASSIGN_OR_RETURN(std::optional<LunRow> row, db_->GetLun(snap));
    if (!row) return Status(Code::kInternal, "snapshot LUN row vanished");
    SP_ASSIGN_OR_RETURN(LunInfo info, Describe(*row, caller));
    result.snapshots.push_back(std::move(info));
  }
  return result;
}

void ArrayImpl::ExpireAbandonedSets() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<Guid, Caller>> expired;
  for (const auto& [id, pending] : pending_) {
    if (!pending.finishing &&
        now - pending.prepared_at > options_.abandoned_set_timeout) {
      expired.emplace_back(id, pending.owner);
    }
  }
  for (const auto& [id, owner] : expired) {
    const std::string why =
        "it was prepared more than " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           options_.abandoned_set_timeout)
                           .count()) +
        " s ago and never finished, so the array undid it as abandoned "
        "(abandoned_set_timeout)";
    Status undone = UndoCreatingSet(id, Status::Ok());
    undone_[id] = why;
    Audit(
        "snapshot set " + id.ToString() + " of " +
        (owner.admin ? std::string("the admin") : "host '" + owner.host + "'") +
        ": " + why +
        (undone.ok() ? std::string()
                     : "; the undo failed (" + undone.ToString() +
                           "), the next start finishes it"));
  }
}

Status ArrayImpl::UndoCreatingSet(const Guid& set_id, Status failure) {
  pending_.erase(set_id);
  Status undone = [&]() -> Status {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> rows, db_->LunsOfSet(set_id));
    // Files first, rows after: a crash in between leaves "creating" rows
    // whose files are gone, which the next Open undoes.
    Status removed = Status::Ok();
    for (const LunRow& row : rows) {
      Status s = RemoveIfPresent(fs_, LunPath(row.id));
      if (removed.ok() && !s.ok()) removed = std::move(s);
    }
    SP_RETURN_IF_ERROR(removed);
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    for (const LunRow& row : rows) SP_RETURN_IF_ERROR(db_->DeleteLun(row.id));
    SP_RETURN_IF_ERROR(db_->DeleteSet(set_id));
    return txn.Commit();
  }();
  // The caller's failure matters more than the undo's; an undo that failed
  // is finished by the next Open (the rows are still "creating").
  Status out = failure.ok() ? std::move(undone) : std::move(failure);
  if (out.ok()) return out;
  return std::move(out).WithContext("snapshot set " + set_id.ToString());
}

}  // namespace sp::array
