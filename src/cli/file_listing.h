// The files a backup on the importing host copies (step 7): the components
// the BCD includes (explicit and implicit, component_selection.h), their
// WMD file descriptors as rules (file_selection.h) minus the writers'
// exclusions, found in the exposed snapshots by a walk that cannot leave
// them (os/tree_walk.h), and named by their paths here. `shadowport files`
// prints it; `shadowport import --exec` hands it over in
// SHADOWPORT_FILE_LIST. docs/components.md.
//
// Thread safety: pure over the filesystem; safe to call concurrently.
#ifndef SHADOWPORT_CLI_FILE_LISTING_H_
#define SHADOWPORT_CLI_FILE_LISTING_H_

#include <string>
#include <vector>

#include "os/tree_walk.h"
#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/path_translation.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp::cli {

using os::EntryKind;
using os::EntryKindName;
using os::WalkBeneath;
using os::WalkEntry;

struct FileListingRequest {
  BackupComponentsDocument bcd;
  std::vector<WriterMetadata> wmds;     // at least those the BCD names
  std::vector<VolumeExposure> volumes;  // the set's exposed volumes here
  std::string writer;                   // name or instance id; "" = all
  // Full paths of included components; each keeps itself and the included
  // components under it. Empty = all.
  std::vector<std::string> components;
  // Also list the directories that recursive descriptors walk (their base
  // included), so that `tar --no-recursion` recreates empty ones.
  bool directories = false;
};

struct ListedFile {
  std::string path;           // here, inside the exposure
  std::string relative_path;  // below the volume's exposure root ("." root)
  std::string original_path;  // on the creating host
  std::string volume;         // the original mount point
  EntryKind kind = EntryKind::kFile;
  std::string writer_name;
  Guid instance_id;
  std::string component;  // full path of the (first) component it is for
};

struct FileListing {
  std::vector<ListedFile> files;  // sorted by path, each once
  // Descriptor directories (original paths) that the snapshot does not
  // have: they contribute nothing. Sorted, each once.
  std::vector<std::string> missing_directories;
};

// Fails with:
//   VSS_E_OBJECT_NOT_FOUND  a BCD writer without a WMD in the request, a
//                           --writer or component filter that matches
//                           nothing the BCD includes;
//   E_INVALIDARG            a BCD selection the WMD refutes (as
//                           ValidateWriterSelection), a bad descriptor;
//   SP_E_PATH_ESCAPE        a descriptor path with "..", or one that leaves
//                           the snapshot through a symlink or a mount;
//   SP_E_PATH_NOT_IN_SET    a descriptor on no exposed volume (the backup
//                           could not be complete);
//   others                  a directory that cannot be read, by FromErrno.
Result<FileListing> ListSelectedFiles(const FileListingRequest& request);

// The exposed paths, each followed by a NUL byte (tar --null -T).
std::string NulSeparatedPaths(const FileListing& listing);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_FILE_LISTING_H_
