// PoolFilesystem: what the embedded array needs from the filesystem that
// holds its pool (src/array). The real implementation (MakePoolFilesystem)
// uses FICLONE, ftruncate, fsync and statvfs; unit tests use
// tests/support/fake_pool_filesystem.h, which copies instead of cloning and
// can inject failures.
//
// Paths are absolute (a relative one is E_INVALIDARG). Every mutating call
// is durable when it returns (the file, and the directory whose entries
// changed, are fsynced), so the array's crash recovery can trust what it
// finds on disk. New files get mode 0600. A create that fails leaves no file
// behind.
//
// Thread safety: implementations are safe to call from several threads on
// different paths.
#ifndef SHADOWPORT_OS_POOL_FILESYSTEM_H_
#define SHADOWPORT_OS_POOL_FILESYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

struct SpaceInfo {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;  // available to an unprivileged writer (f_bavail)
};

class PoolFilesystem {
 public:
  virtual ~PoolFilesystem() = default;

  // Fails with VSS_E_NOT_SUPPORTED, naming the filesystem type, when `dir` is
  // not on a filesystem that can reflink (tries FICLONE on two probe files,
  // ".shadowport-reflink-probe-XXXXXX", it then removes); with the FromErrno
  // code when `dir` is unusable (VSS_E_OBJECT_NOT_FOUND, E_ACCESSDENIED...).
  virtual Status CheckReflink(const std::string& dir) = 0;

  // Creates a new sparse file of `size` bytes (O_EXCL: an existing file is
  // VSS_E_OBJECT_ALREADY_EXISTS).
  virtual Status CreateSparseFile(const std::string& path, uint64_t size) = 0;

  // Grows `path` to `size` bytes (sparse). A smaller size is E_INVALIDARG
  // and changes nothing; VSS_E_OBJECT_NOT_FOUND if `path` does not exist.
  virtual Status GrowFile(const std::string& path, uint64_t size) = 0;

  // Makes `dst` (new, O_EXCL) a reflink copy of `src`: shares every extent,
  // copies no data, takes time proportional to the extent count, not the
  // size. VSS_E_NOT_SUPPORTED when the filesystem cannot reflink or `src`
  // and `dst` are on different filesystems; VSS_E_OBJECT_ALREADY_EXISTS when
  // `dst` exists; VSS_E_OBJECT_NOT_FOUND when `src` does not.
  virtual Status Clone(const std::string& src, const std::string& dst) = 0;

  // Clone without its durability, for a batch of clones inside a freeze
  // window: `dst` exists and shares `src`'s extents when this returns, but
  // neither it nor its directory is fsynced until SyncFiles. Same errors as
  // Clone. The default is Clone (durable at once).
  virtual Status CloneNoSync(const std::string& src, const std::string& dst) {
    return Clone(src, dst);
  }

  // Makes `paths` and their directories durable: fsyncs each file, then each
  // distinct directory once. On XFS the first fsync forces the log and the
  // rest find it forced, so a batch costs about one log force, where N
  // durable Clones cost N. The default does nothing (for Clone's durability).
  virtual Status SyncFiles(const std::vector<std::string>& paths) {
    (void)paths;
    return Status::Ok();
  }

  // Removes `path`; VSS_E_OBJECT_NOT_FOUND if it does not exist.
  virtual Status Remove(const std::string& path) = 0;

  // Names (not paths) of the regular files in `dir`, sorted; symlinks,
  // directories and other types are left out.
  virtual Result<std::vector<std::string>> ListFiles(
      const std::string& dir) = 0;

  // E_INVALIDARG when `path` is not a regular file.
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual Result<SpaceInfo> Space(const std::string& dir) = 0;
};

// The real one.
std::unique_ptr<PoolFilesystem> MakePoolFilesystem();

}  // namespace sp::os

#endif  // SHADOWPORT_OS_POOL_FILESYSTEM_H_
