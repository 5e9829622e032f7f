// The environment `shadowport import --exec FILE` gives FILE: every device
// and exposure of the imported set, so that any backup tool (tar, restic,
// borg) can back it up.
//
//   SHADOWPORT_SNAPSHOT_SET_ID      "{...}"
//   SHADOWPORT_CREATING_HOST        the host that made the set
//   SHADOWPORT_BCD                  path of the BCD (a private temporary copy)
//   SHADOWPORT_SNAPSHOT_COUNT       number of snapshots imported, N
//   SHADOWPORT_SNAPSHOT_<i>_ID      for i in 0..N-1
//   SHADOWPORT_SNAPSHOT_<i>_VOLUME  the original volume's mount point on the
//                                   creating host (for path translation)
//   SHADOWPORT_SNAPSHOT_<i>_DEVICE  the snapshot's block device here
//   SHADOWPORT_SNAPSHOT_<i>_EXPOSED its read-only mount here, "" if none
//   SHADOWPORT_SNAPSHOT_<i>_FS      its filesystem type
//   SHADOWPORT_FILE_LIST            a file (private, removed afterwards)
//                                   with the exposed path of every file of
//                                   the backup's components, each ended by
//                                   a NUL byte (`tar --null -T`); only when
//                                   the import had the writers' metadata
//                                   (a bundle) and the BCD selects
//                                   components (docs/components.md)
//   SHADOWPORT_FILE_COUNT           the number of paths in it
// Snapshots that were not imported are left out.
//
// Thread safety: pure function.
#ifndef SHADOWPORT_CLI_IMPORT_ENV_H_
#define SHADOWPORT_CLI_IMPORT_ENV_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowport/backup_components.h"
#include "shadowport/bcd.h"

namespace sp::cli {

// The file list handed to --exec: where it is and how many paths it has.
struct FileListFile {
  std::string path;
  size_t count = 0;
};

// `files`: nullptr when there is no file list (no SHADOWPORT_FILE_*).
std::vector<std::string> BuildImportEnvironment(
    const SnapshotSetDescription& set, const ImportResult& result,
    std::string_view bcd_path, const FileListFile* files = nullptr);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_IMPORT_ENV_H_
