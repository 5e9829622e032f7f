// Copying a directory tree out of an exposed (untrusted) snapshot without
// ever following a symlink: every step is openat/mkdirat relative to an
// open directory with O_NOFOLLOW, so nothing in the snapshot can make the
// copy read or write outside the source and target roots. A filter decides
// per entry. Ownership is kept when running as root (as cp -a does), modes
// always.
//
// Used by the PostgreSQL writer's restore (src/writers/postgres/restore.cc,
// tablespace_restore.cc) to copy a data directory and its tablespaces out
// of an exposed snapshot.
//
// Thread safety: free functions.
#ifndef SHADOWPORT_OS_TREE_COPY_H_
#define SHADOWPORT_OS_TREE_COPY_H_

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::os {

enum class CopyAction {
  kCopy,      // copy it (a directory: with its contents)
  kSkip,      // leave it out
  kEmptyDir,  // make an empty directory in its place (its mode: 0700)
  kRefuse,    // stop the copy: SP_E_PATH_ESCAPE naming the entry
};

// `relative` is the entry's path below the source root ("base/1/1259");
// `st` its lstat.
using CopyFilter =
    std::function<CopyAction(std::string_view relative, const struct stat& st)>;

struct CopyStats {
  uint64_t files = 0;
  uint64_t directories = 0;
  uint64_t bytes = 0;
};

// Creates `target` (which must not exist; its parent must) with the mode of
// `source` and copies into it what `filter` lets through. Symlinks and
// special files reach the filter like anything else; kCopy for one of them
// is treated as kRefuse (this copy never makes links). Trees deeper than 64
// levels are refused. On failure the partial target is left for the caller
// to inspect or remove.
Result<CopyStats> CopyTree(const std::string& source, const std::string& target,
                           const CopyFilter& filter);

// Copies the one regular file `name` from directory `source_dir` to
// `target_dir` (O_EXCL), keeping mode and, as root, the given owner.
Status CopyOneFile(const std::string& source_dir, const std::string& target_dir,
                   const std::string& name, uid_t uid, gid_t gid,
                   uint64_t* bytes);

// Writes `content` to the new file `path` (O_EXCL, mode 0600, fsync),
// owned by uid/gid when running as root.
Status WriteNewFile(const std::string& path, std::string_view content,
                    uid_t uid, gid_t gid);

// Appends `content` to `path` (created 0600 if missing; never through a
// symlink), then fsyncs it.
Status AppendToFile(const std::string& path, std::string_view content,
                    uid_t uid, gid_t gid);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_TREE_COPY_H_
