// FaultInjector: the crash points of the array's multi-step changes, for the
// crash-recovery tests. When ArrayOptions::crash_at names a point, the
// process SIGKILLs itself (raise(SIGKILL)) when it reaches that point, as a
// power cut or an OOM kill would stop it: no destructor, no rollback, no
// flush beyond what already reached the disk.
//
// The points (also listed in array.h):
//   lun.after-intent        CreateLun: "creating" row committed, no file yet
//   lun.after-file          CreateLun: file made, row still "creating"
//   resize.after-grow       ResizeLun: file grown, catalogue not updated
//   snapshot.after-intent   Create/PrepareSnapshotSet: set and LUN rows
//                           "creating", no clone
//   snapshot.after-clone-N  Create/CommitSnapshotSet: N clones made (N >= 1)
//   snapshot.after-clones   Create/CommitSnapshotSet: every clone made, none
//                           synced (Commit not yet returned)
//   snapshot.before-commit  Create/FinishSnapshotSet: clones synced, the
//                           catalogue not yet committed
//   snapshot.after-commit   Create/FinishSnapshotSet: committed, not yet
//                           returned
//   delete.after-intent     Delete*: rows "deleting", no file removed
//   delete.after-remove     Delete*: first file removed, its row remains
//   break.after-intent      BreakSnapshot: new row "creating", no clone
//   break.after-clone       BreakSnapshot: clone made, not committed
//   break.after-commit      BreakSnapshot: new LUN ready, old one "deleting"
//
// Thread safety: immutable after construction.
#ifndef SHADOWPORT_ARRAY_FAULTS_H_
#define SHADOWPORT_ARRAY_FAULTS_H_

#include <string>
#include <string_view>
#include <utility>

#include "shadowport/status.h"

namespace sp::array {

class FaultInjector {
 public:
  // An empty `crash_at` injects nothing (production).
  explicit FaultInjector(std::string crash_at)
      : crash_at_(std::move(crash_at)) {}

  // E_INVALIDARG unless crash_at is empty or one of the points above, so a
  // misspelt point fails a test instead of silently never firing.
  Status Validate() const;

  // SIGKILLs the calling process if `point` is the configured crash point.
  void MaybeCrash(std::string_view point) const;
  // The same for "<prefix>-<n>" (snapshot.after-clone-N).
  void MaybeCrash(std::string_view prefix, size_t n) const;

 private:
  std::string crash_at_;
};

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_FAULTS_H_
