// The environment `shadowport create --exec FILE` gives FILE: what it needs
// to find and use the snapshot set while it exists (vshadow's -script
// variables, as environment variables instead of a generated script).
//
//   SHADOWPORT_SNAPSHOT_SET_ID   "{...}"
//   SHADOWPORT_CONTEXT           the creating context value, hex ("0x29")
//   SHADOWPORT_BCD               path of the saved Backup Components Document
//   SHADOWPORT_METADATA          path of the metadata bundle, "" if none
//   SHADOWPORT_SNAPSHOT_COUNT    number of snapshots, N
//   SHADOWPORT_SNAPSHOT_<i>_ID       for i in 0..N-1, in the set's order
//   SHADOWPORT_SNAPSHOT_<i>_VOLUME   the original volume's mount point
//   SHADOWPORT_SNAPSHOT_<i>_DEVICE   the original volume's block device
//   SHADOWPORT_SNAPSHOT_<i>_NAA      the snapshot LUNs' NAA ids,
//                                    space-separated
//
// Thread safety: pure function.
#ifndef SHADOWPORT_CLI_EXEC_ENV_H_
#define SHADOWPORT_CLI_EXEC_ENV_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowport/bcd.h"

namespace sp::cli {

// "NAME=value" entries (os::RunOptions::extra_env) for `set`.
std::vector<std::string> BuildExecEnvironment(const SnapshotSetDescription& set,
                                              std::string_view bcd_path,
                                              std::string_view metadata_path);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_EXEC_ENV_H_
