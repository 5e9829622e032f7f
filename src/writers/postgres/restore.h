// `shadowport-writer-postgres restore`: turns a PostgreSQL data directory
// in an exposed snapshot, plus the backup metadata the writer stored in the
// BCD, into a data directory a PostgreSQL 15 server recovers from
// (docs/writers/postgres.md "Restore"):
//
//   1. the data directory is copied from the snapshot (without what a base
//      backup leaves out: pg_wal's contents, postmaster.pid, ...), never
//      following a symlink;
//   2. the archive's WAL files are copied beside it, after checking that
//      every segment from the backup's start to its stop is there;
//   3. each tablespace of the backup's tablespace_map is copied to its new
//      location (tablespace_restore.h) and tablespace_map written with
//      those locations;
//   4. backup_label (byte for byte, from pg_backup_stop), recovery.signal,
//      and restore_command / recovery target settings in
//      postgresql.auto.conf.
//
// Everything that comes from the BCD or the snapshot is untrusted: bad
// metadata is E_INVALIDARG, a symlink or escape is SP_E_PATH_ESCAPE.
//
// Thread safety: a free function.
#ifndef SHADOWPORT_WRITERS_POSTGRES_RESTORE_H_
#define SHADOWPORT_WRITERS_POSTGRES_RESTORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "os/tree_copy.h"
#include "shadowport/bcd.h"
#include "shadowport/status.h"
#include "writers/postgres/backup_metadata.h"
#include "writers/postgres/tablespace_restore.h"

namespace sp::postgres {

using os::AppendToFile;
using os::CopyAction;
using os::CopyFilter;
using os::CopyOneFile;
using os::CopyStats;
using os::CopyTree;
using os::WriteNewFile;

struct RestoreOptions {
  std::string bcd_path;    // the BCD (create --bcd / the import's)
  std::string from;        // the data directory inside the exposed snapshot
  std::string to;          // the new data directory (must not exist)
  std::string archive;     // WAL archive holding start..stop segments
  std::string archive_to;  // where the WAL is copied; "" = "<to>.wal-archive"
  std::string instance;    // the cluster's instance name, if the BCD has more
  bool recover_to_latest = false;  // replay all of the archive, not just
                                   // to the backup's end
  bool keep_archive_mode = false;  // leave archive_mode as it was
  // Per tablespace, keyed by its location on the creating host: its new
  // location (required for each), and its copy in the exposed snapshot
  // (derived when on the data directory's volume).
  std::vector<DirectoryMapping> tablespace_targets;
  std::vector<DirectoryMapping> tablespace_sources;
};

struct RestoreReport {
  BackupMetadata metadata;
  std::string archive_to;
  CopyStats data;
  std::vector<TablespaceRestore> tablespaces;
  uint64_t wal_files = 0;
};

// The one PostgreSQL cluster component of `bcd` that carries backup
// metadata (with `instance`: the one of that name). E_INVALIDARG when there
// is none, or several and no instance was named.
Result<const BcdComponent*> FindClusterComponent(
    const BackupComponentsDocument& bcd, std::string_view instance);

// What the data directory copy does with one entry (CopyFilter).
CopyAction DataDirectoryFilter(std::string_view relative,
                               const struct stat& st);

// The lines restore appends to postgresql.auto.conf.
// REQUIRES: archive_to passes IsSafeConfigPath.
std::string RecoverySettings(const BackupMetadata& metadata,
                             const std::string& archive_to,
                             bool recover_to_latest, bool keep_archive_mode);

// A path that may stand inside restore_command's quotes unescaped:
// absolute, normalized, only [A-Za-z0-9/._+-].
bool IsSafeConfigPath(std::string_view path);

Result<RestoreReport> Restore(const RestoreOptions& options);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_RESTORE_H_
