// Crash recovery of a pool, run by Array::Open before the Array serves any
// call. After it, the catalogue and luns/ agree:
//   - a snapshot set still "creating" is undone: its LUN files and rows, and
//     the set row (its id was never returned, so it is not used up). That
//     includes a set whose clones were made (CommitSnapshotSet) but not yet
//     synced and committed (FinishSnapshotSet): after a crash such a clone
//     may be missing or incomplete, so it is never trusted;
//   - a LUN still "creating" (CreateLun, or the new LUN of a break) is
//     undone: file and row; a break's snapshot LUN stays as it was;
//   - a LUN "deleting" is finished: file removed, then row deleted;
//   - a ready LUN whose file is larger than recorded (a resize cut short)
//     takes the file's size; a missing or smaller file is only reported;
//   - any file in luns/ that is not a ready LUN's is removed.
// Files go first, rows after, so a crash during recovery is recovered by
// the next one. Not thread-safe: the caller holds the Array's mutex.
#ifndef SHADOWPORT_ARRAY_RECOVERY_H_
#define SHADOWPORT_ARRAY_RECOVERY_H_

#include <string>
#include <vector>

#include "array/catalogue.h"
#include "os/pool_filesystem.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::array {

struct RecoveryReport {
  int undone_sets = 0;
  std::vector<Guid> undone_set_ids;  // the undone sets, for later callers
  int undone_luns = 0;         // "creating" LUN rows removed, sets' included
  int finished_deletions = 0;  // "deleting" rows finished
  int finished_resizes = 0;
  int removed_orphans = 0;       // files no row accounts for
  std::vector<std::string> log;  // one line per action or anomaly
};

// Removes `path`; a file already gone is success.
Status RemoveIfPresent(os::PoolFilesystem* fs, const std::string& path);

Status RecoverPool(Catalogue* db, os::PoolFilesystem* fs,
                   const std::string& luns_dir, RecoveryReport* report);

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_RECOVERY_H_
