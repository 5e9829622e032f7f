// Walking a directory inside an exposed snapshot without leaving it.
//
// The snapshot comes from another host and is untrusted (docs/paths.md):
// every directory is opened with OpenBeneath (openat2, RESOLVE_BENEATH and
// RESOLVE_NO_XDEV) under the exposure root, so neither a symlink nor a mount
// stacked inside can take the walk elsewhere. Symlinks met during the walk
// are reported as symlinks and never followed; only real directories are
// descended into. The starting directory itself may be reached through
// symlinks that stay beneath the root (the kernel checks); one that leaves
// it is SP_E_PATH_ESCAPE.
//
// One directory descriptor is open at a time (directories are reopened from
// the root by path), so depth does not exhaust descriptors; entries come
// depth first, sorted by name within a directory, for a stable output.
//
// Thread safety: free function; safe to call concurrently.
#ifndef SHADOWPORT_OS_TREE_WALK_H_
#define SHADOWPORT_OS_TREE_WALK_H_

#include <functional>
#include <string>

#include "shadowport/status.h"

namespace sp::os {

enum class EntryKind { kFile, kDirectory, kSymlink, kOther };

// "file", "directory", "symlink", "other".
const char* EntryKindName(EntryKind kind);

struct WalkEntry {
  std::string dir;   // relative to the root: "." or "a/b" (no leading '/')
  std::string name;  // one component
  EntryKind kind = EntryKind::kOther;
};

// Called for each entry; a failed Status stops the walk and is returned.
using WalkVisitor = std::function<Status(const WalkEntry&)>;

// Visits the entries of `dir` ("." or a relative path without "..")
// beneath the directory `root_fd`, and with `recursive` those of every
// subdirectory. Fails with OpenBeneath's codes (SP_E_PATH_ESCAPE for an
// escape, VSS_E_OBJECT_NOT_FOUND when `dir` does not exist or is not a
// directory) or FromErrno's for a directory that cannot be read, naming it.
// REQUIRES: root_fd is an open directory.
Status WalkBeneath(int root_fd, const std::string& dir, bool recursive,
                   const WalkVisitor& visit);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_TREE_WALK_H_
