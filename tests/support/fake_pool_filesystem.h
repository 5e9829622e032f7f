// FakePoolFilesystem: a PoolFilesystem for unit tests (no root, any
// filesystem). Files are real files under the paths given (use a temporary
// directory); Clone copies the source sparsely (data segments only) instead
// of reflinking, so keep test LUNs small (MiBs). It records every call, can
// fail the Nth call of an operation, can pretend the pool cannot reflink,
// and reports whatever free space the test sets. CloneNoSync is a Clone
// (recorded as kClone) whose destination stays "unsynced" until a SyncFiles
// names it or it is removed, so a test can tell what was made durable when.
//
// Thread safety: all methods may be called concurrently (one mutex).
#ifndef SHADOWPORT_TESTS_SUPPORT_FAKE_POOL_FILESYSTEM_H_
#define SHADOWPORT_TESTS_SUPPORT_FAKE_POOL_FILESYSTEM_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "os/pool_filesystem.h"
#include "shadowport/status.h"

namespace sp::fakes {

class FakePoolFilesystem : public os::PoolFilesystem {
 public:
  enum class Op {
    kCheckReflink,
    kCreateSparseFile,
    kGrowFile,
    kClone,
    kRemove,
    kListFiles,
    kFileSize,
    kSpace,
    kSyncFiles,
  };
  struct Call {
    Op op;
    std::string path;
    std::string other;                    // Clone's destination
    uint64_t size = 0;                    // CreateSparseFile, GrowFile
    std::vector<std::string> paths = {};  // SyncFiles
  };

  FakePoolFilesystem() = default;

  // false: CheckReflink and Clone answer VSS_E_NOT_SUPPORTED naming
  // `fs_type`, as the real one does on ext4 or tmpfs.
  void SetReflinkSupported(bool supported, std::string fs_type = "ext4");
  // The n-th call (1-based, counted from now) of `op` fails with `status`
  // and does nothing. One pending failure per operation.
  void FailNth(Op op, int n, Status status);
  // What Space() reports (default: 1 TiB total, 1 TiB free).
  void SetSpace(os::SpaceInfo space);
  // Called by every SyncFiles before it syncs, without the fake's lock (a
  // test may block in it to hold a sync in progress).
  void SetSyncHook(std::function<void()> hook);

  std::vector<Call> Calls() const;
  int CountCalls(Op op) const;
  // Destinations of CloneNoSync not yet named by a successful SyncFiles
  // (nor removed).
  std::set<std::string> Unsynced() const;

  Status CheckReflink(const std::string& dir) override;
  Status CreateSparseFile(const std::string& path, uint64_t size) override;
  Status GrowFile(const std::string& path, uint64_t size) override;
  Status Clone(const std::string& src, const std::string& dst) override;
  Status CloneNoSync(const std::string& src, const std::string& dst) override;
  Status SyncFiles(const std::vector<std::string>& paths) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> ListFiles(const std::string& dir) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<os::SpaceInfo> Space(const std::string& dir) override;

 private:
  struct Failure {
    int at = 0;  // call number that fails
    Status status;
  };
  // Records the call; returns the injected failure, if this is the one.
  Status Record(Call call);

  mutable std::mutex mu_;
  std::vector<Call> calls_;                      // GUARDED_BY(mu_)
  std::map<Op, int> counts_;                     // GUARDED_BY(mu_)
  std::map<Op, Failure> failures_;               // GUARDED_BY(mu_)
  std::set<std::string> unsynced_;               // GUARDED_BY(mu_)
  bool reflink_ = true;                          // GUARDED_BY(mu_)
  std::string fs_type_ = "ext4";                 // GUARDED_BY(mu_)
  os::SpaceInfo space_{1ull << 40, 1ull << 40};  // GUARDED_BY(mu_)
  std::function<void()> sync_hook_;              // GUARDED_BY(mu_)
};

}  // namespace sp::fakes

#endif  // SHADOWPORT_TESTS_SUPPORT_FAKE_POOL_FILESYSTEM_H_
