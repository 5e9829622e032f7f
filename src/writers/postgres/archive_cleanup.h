// Removing WAL archive segments a backup no longer needs: what
// `pg_archivecleanup ARCHIVE START_WAL_FILE` does, in-process (why in-process:
// docs/writers/postgres.md "Archive cleanup"). Run at BackupComplete only for
// a backup that succeeded.
//
// Thread safety: free functions; two cleanups of one directory at once are
// harmless (a file already gone is not an error).
#ifndef SHADOWPORT_WRITERS_POSTGRES_ARCHIVE_CLEANUP_H_
#define SHADOWPORT_WRITERS_POSTGRES_ARCHIVE_CLEANUP_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::postgres {

// The names among `names` that the cleanup removes: segments and partial
// segments older than `oldest_kept` by pg_archivecleanup's rule
// (IsOlderWalFile), sorted. History files, backup history files and
// anything else are kept.
// REQUIRES: IsWalSegmentName(oldest_kept).
std::vector<std::string> FilesToRemove(const std::vector<std::string>& names,
                                       std::string_view oldest_kept);

struct CleanupReport {
  std::vector<std::string> removed;  // sorted
};

// Removes from the directory `archive` the regular files FilesToRemove
// picks (never a symlink, directory or other file type: they are left),
// then fsyncs the directory. E_INVALIDARG if `oldest_kept` is not a segment
// name; otherwise fails as the directory calls fail (FromErrno); a file
// removed meanwhile by someone else is skipped.
Result<CleanupReport> CleanupArchive(const std::string& archive,
                                     std::string_view oldest_kept);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_ARCHIVE_CLEANUP_H_
