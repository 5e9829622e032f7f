// The tablespaces of a PostgreSQL restore (docs/writers/postgres.md
// "Tablespaces"): where each tablespace of the backup's tablespace_map is
// read from (its copy in the exposed snapshot) and where it goes (a new
// directory), checked before anything is copied; then the copies and the
// tablespace_map that makes recovery point pg_tblspc/<oid> at the new
// directories.
//
// Relocations are named like pg_basebackup's --tablespace-mapping,
// OLDDIR=NEWDIR with OLDDIR the tablespace's location on the creating host.
// The copy in the snapshot is derived when the tablespace lies on the same
// snapshot volume as the data directory (through the BCD's original volumes
// and the exposed data directory), or named the same way.
//
// Thread safety: free functions.
#ifndef SHADOWPORT_WRITERS_POSTGRES_TABLESPACE_RESTORE_H_
#define SHADOWPORT_WRITERS_POSTGRES_TABLESPACE_RESTORE_H_

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/tree_copy.h"
#include "shadowport/bcd.h"
#include "shadowport/status.h"
#include "writers/postgres/cluster_layout.h"

namespace sp::postgres {

// One "OLDDIR=NEWDIR" argument; "\=" stands for a '=' inside a directory
// (as in pg_basebackup).
struct DirectoryMapping {
  std::string old_dir;
  std::string new_dir;

  friend bool operator==(const DirectoryMapping&,
                         const DirectoryMapping&) = default;
};

// E_INVALIDARG when there is no unescaped '=', more than one, or a side is
// empty. The directories are not normalized here.
Result<DirectoryMapping> ParseDirectoryMapping(std::string_view arg);

struct TablespaceRestore {
  Tablespace tablespace;  // oid and location on the creating host
  std::string source;     // its copy in the exposed snapshot
  std::string target;     // the new location
  os::CopyStats data;     // filled by CopyTablespaces
};

// What PlanTablespaces checks the plan against.
struct TablespacePlanInput {
  std::vector<Tablespace> tablespaces;          // the backup's tablespace_map
  std::vector<DirectoryMapping> targets;        // --tablespace-mapping
  std::vector<DirectoryMapping> sources;        // --tablespace-from
  const SnapshotSetDescription* set = nullptr;  // the BCD's, if any
  std::string data_directory;      // the cluster's, on the creating host
  std::string from;                // the exposed data directory (normalized)
  std::vector<std::string> taken;  // normalized paths a target must not
                                   // overlap (--to, the archives, --from)
};

// One entry per tablespace, in map order. Fails before anything is
// written:
//   E_INVALIDARG                a tablespace without a new location or a
//                               copy to read, a mapping of a directory that
//                               is no tablespace of the backup (or named
//                               twice), a target overlapping another path;
//   VSS_E_OBJECT_ALREADY_EXISTS a target exists;
//   VSS_E_OBJECT_NOT_FOUND      a target's parent is missing, a source is
//                               no directory holding PG_15_*;
//   SP_E_PATH_ESCAPE            a ".." in a path, a source that is a
//                               symlink.
Result<std::vector<TablespaceRestore>> PlanTablespaces(
    const TablespacePlanInput& input);

// The exposure root of the data directory's volume: `from` (the exposed
// data directory) without the data directory's path below the mount point
// of the volume of `set` that holds it. Nothing when `from` does not end
// that way (a copy elsewhere, say).
std::optional<std::string> ExposureRootOf(const SnapshotSetDescription& set,
                                          const std::string& data_directory,
                                          const std::string& from);

// SP_E_PATH_ESCAPE when a component of `path` below `root` (the exposure
// root) is a symlink, or `path` is not below `root`. The exposure is
// mounted read-only, so what lstat sees here is what a later open sees.
Status RefuseSymlinksBelow(const std::string& root, const std::string& path);

// The copy of the tablespace's location inside the exposure of the data
// directory's volume, when both lie on the same volume of `set` and `from`
// is the exposed data directory; otherwise nothing (the user must name it).
std::optional<std::string> DeriveTablespaceSource(
    const SnapshotSetDescription& set, const std::string& data_directory,
    const std::string& from, const std::string& location);

// What the tablespace copy does with one entry (os::CopyFilter).
os::CopyAction TablespaceFilter(std::string_view relative,
                                const struct stat& st);

// Copies every tablespace of `plan` (never following a symlink), then
// writes `data_dir`/tablespace_map with the new locations, owned by
// uid/gid when running as root.
Status CopyTablespaces(std::vector<TablespaceRestore>& plan,
                       const std::string& data_dir, uid_t uid, gid_t gid);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_TABLESPACE_RESTORE_H_
