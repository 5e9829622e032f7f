// ArrayImpl: the Array of array.h over a Catalogue and a PoolFilesystem.
// Its methods are spread over array_*.cc by subject (open and shared
// helpers, hosts, LUNs, masking and attachments, snapshots, import and
// break); recovery.cc repairs what a crash left.
//
// Every multi-step change follows one pattern: (1) check everything, (2)
// record the intent in one transaction (rows in state "creating" or
// "deleting", invisible to callers), (3) do the file work, (4) commit in one
// transaction. A crash anywhere leaves rows that recovery (Open) finishes or
// undoes, and files it can match to rows or remove.
//
// Thread safety: every public method takes mu_ for its whole run.
#ifndef SHADOWPORT_ARRAY_ARRAY_IMPL_H_
#define SHADOWPORT_ARRAY_ARRAY_IMPL_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "array/array.h"
#include "array/catalogue.h"
#include "array/faults.h"
#include "os/unique_fd.h"

namespace sp::array {

class ArrayImpl final : public Array {
 public:
  ArrayImpl(ArrayOptions options, os::PoolFilesystem* fs, std::string pool_dir,
            Guid array_id, std::unique_ptr<Catalogue> catalogue,
            os::UniqueFd pool_lock);

  // Runs crash recovery (recovery.h). Called once by Open.
  Status Recover();

  Result<NewHost> AddHost(const Caller& caller, const std::string& name,
                          const std::string& cluster) override;
  Result<std::vector<HostInfo>> ListHosts(const Caller& caller) override;
  Status RemoveHost(const Caller& caller, const std::string& name) override;
  Result<Caller> Authenticate(const std::string& host,
                              const std::string& credential) override;

  Result<LunInfo> CreateLun(const Caller& caller, uint64_t size_bytes) override;
  Result<std::vector<LunInfo>> ListLuns(const Caller& caller) override;
  Result<LunInfo> GetLun(const Caller& caller, uint64_t id) override;
  Result<LunInfo> FindLunByNaa(const Caller& caller,
                               const std::string& naa) override;
  Status ResizeLun(const Caller& caller, uint64_t id,
                   uint64_t new_size_bytes) override;
  Status DeleteLun(const Caller& caller, uint64_t id) override;

  Status Present(const Caller& caller, uint64_t id,
                 const std::string& host) override;
  Status Unpresent(const Caller& caller, uint64_t id,
                   const std::string& host) override;

  Result<SnapshotSetResult> CreateSnapshotSet(
      const Caller& caller, const SnapshotSetRequest& request) override;
  Status PrepareSnapshotSet(const Caller& caller,
                            const SnapshotSetRequest& request) override;
  Result<int64_t> CommitSnapshotSet(const Caller& caller,
                                    const Guid& set_id) override;
  Result<SnapshotSetResult> FinishSnapshotSet(const Caller& caller,
                                              const Guid& set_id) override;
  Result<std::vector<LunInfo>> ListSnapshots(
      const Caller& caller, std::optional<Guid> set_id) override;
  Result<std::vector<LunInfo>> LocateLuns(
      const Caller& caller, const std::vector<std::string>& naa_ids) override;
  Status DeleteSnapshot(const Caller& caller, uint64_t id) override;
  Status DeleteSnapshotSet(const Caller& caller, const Guid& set_id) override;
  Result<LunInfo> BreakSnapshot(const Caller& caller, uint64_t id) override;

  Result<AttachInfo> Attach(const Caller& caller, uint64_t id) override;
  Status SetAttachmentDevice(const Caller& caller, uint64_t id,
                             const std::string& device) override;
  Status Detach(const Caller& caller, uint64_t id) override;
  Status ReclaimHost(const Caller& caller, const std::string& host) override;
  Status ReportMount(const Caller& caller, uint64_t id,
                     bool mounted_read_write) override;

  Result<PoolStatus> GetStatus(const Caller& caller) override;

 private:
  // What a host may do with a LUN it can see.
  enum class Need {
    kSee,     // list, get: presented; for a snapshot also creator, importer
    kManage,  // delete a snapshot: creator, importer (or admin)
    kUse,     // attach, snapshot, break: presented
  };

  // A snapshot set between PrepareSnapshotSet and FinishSnapshotSet. Kept in
  // memory only, on purpose: the clones it records are not durable, so a
  // restart must not continue the set (recovery undoes its rows and files).
  struct PendingSet {
    Caller owner;  // who prepared it: only they continue it
    bool transportable = false;
    std::vector<uint64_t> origins;  // in the request's order
    std::vector<uint64_t> snaps;    // the snapshot LUN of each origin
    std::vector<uint64_t> sizes;    // each origin's size when cloned
    bool cloned = false;            // CommitSnapshotSet succeeded
    bool finishing = false;         // FinishSnapshotSet is syncing it
    int64_t clone_us = 0;
    std::chrono::steady_clock::time_point prepared_at;
  };

  // All helpers below REQUIRE mu_ held.

  // The three steps of a snapshot set (array.h), each undoing the set on a
  // failure after the intent.
  Status PrepareSet(const Caller& caller, const SnapshotSetRequest& request);
  Result<int64_t> CommitSet(const Caller& caller, const Guid& set_id);
  // With `lock` (holding mu_), the clones' sync runs with it released, so
  // that other hosts' calls (a Commit inside its freeze window) do not wait
  // for this set's durability pass; the set is marked `finishing` meanwhile,
  // which keeps Delete, another Finish and the expiry off it.
  Result<SnapshotSetResult> FinishSet(const Caller& caller, const Guid& set_id,
                                      std::unique_lock<std::mutex>* lock);
  // The caller's pending set, or VSS_E_OBJECT_NOT_FOUND saying why not.
  Result<PendingSet*> PendingFor(const Caller& caller, const Guid& set_id,
                                 std::string_view step);
  // Undoes a set still "creating": removes its snapshot LUN files, then (if
  // all are gone) its rows and the set row in one transaction, and forgets
  // it. If a removal fails the rows stay "creating" for the next Open.
  // Returns `failure` with the set as context; with `failure` OK (an
  // abort), the undo's own outcome.
  Status UndoCreatingSet(const Guid& set_id, Status failure);
  // Undoes every pending set prepared longer than
  // options_.abandoned_set_timeout ago (ArrayOptions), with an audit line
  // each; a failed undo leaves the rows "creating" for the next Open.
  void ExpireAbandonedSets();

  // SP_E_UNAUTHENTICATED unless the caller is the admin or a registered host.
  Status CheckCaller(const Caller& caller);
  // CheckCaller, then E_ACCESSDENIED for a host.
  Status RequireAdmin(const Caller& caller, std::string_view what);
  // CheckCaller, then E_INVALIDARG for the admin.
  Status RequireHost(const Caller& caller, std::string_view what);
  // The ready LUN `id` if the caller may `need` it: the admin gets
  // VSS_E_OBJECT_NOT_FOUND for a missing one, a host SP_E_ACCESS_DENIED for
  // anything it may not touch, missing or not.
  Result<LunRow> LunFor(const Caller& caller, uint64_t id, Need need);
  Result<bool> HostMay(const std::string& host, const LunRow& lun, Need need);
  Result<bool> IsImporter(const SetRow& set, const std::string& host);
  // Logs the refusal and returns SP_E_ACCESS_DENIED.
  Status Denied(const Caller& caller, std::string_view what);
  void Audit(const std::string& line) const;

  // A host viewer sees only its own presentation, attachment and mount.
  Result<LunInfo> Describe(const LunRow& row, const Caller& viewer);
  Result<std::vector<LunInfo>> DescribeVisible(const Caller& caller,
                                               bool snapshots,
                                               const std::optional<Guid>& set);
  // Inserts `row` (state as given) and gives it its identity. REQUIRES: in a
  // transaction.
  Result<uint64_t> InsertLun(LunRow row);
  // Deletes LUN rows crash-safely: marks them "deleting" and unpresents
  // them in one transaction, then FinishDeletion. If a file cannot be
  // removed the rows stay "deleting" (invisible) and the next Open finishes.
  Status DeleteLuns(const std::vector<LunRow>& luns);
  // Removes the files of rows already "deleting", then the rows.
  Status FinishDeletion(const std::vector<LunRow>& luns);
  Status CheckImporters(const std::vector<std::string>& importers);
  // VSS_E_VOLUME_IN_USE, naming the host, if a snapshot LUN of any set of
  // `luns` is attached by a host other than the caller: a set is imported
  // by one host at a time.
  Status CheckNotImportedElsewhere(const Caller& caller,
                                   const std::vector<LunRow>& luns);
  Status CheckSpace(const std::vector<LunRow>& origins);

  std::string LunPath(uint64_t id) const;
  static int64_t NowUs();

  const ArrayOptions options_;
  os::PoolFilesystem* const fs_;
  const FaultInjector faults_;
  const std::string pool_dir_;  // absolute
  const std::string luns_dir_;  // pool_dir_ + "/luns"
  const Guid array_id_;
  const os::UniqueFd pool_lock_;  // flock(LOCK_EX) held for the Array's life

  std::mutex mu_;
  std::unique_ptr<Catalogue> db_;       // GUARDED_BY(mu_)
  std::map<Guid, PendingSet> pending_;  // GUARDED_BY(mu_)
  // Sets the array undid without being asked (this Open's recovery, or
  // abandoned), with why, so that a late Commit or Finish for one is told.
  std::map<Guid, std::string> undone_;  // GUARDED_BY(mu_)
};

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_ARRAY_IMPL_H_
