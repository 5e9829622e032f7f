// Small file helpers shared by src/os: EINTR retries, fsync of a directory,
// reading small kernel files (/proc, /sys). Internal to src/os.
//
// Thread safety: free functions; safe to call concurrently.
#ifndef SHADOWPORT_OS_FILE_UTIL_H_
#define SHADOWPORT_OS_FILE_UTIL_H_

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <string>

#include "shadowport/status.h"

namespace sp::os {

// Calls `fn` until it returns something other than -1 with errno EINTR.
template <typename Fn>
auto RetryOnEintr(Fn fn) {
  auto rc = fn();
  while (rc == -1 && errno == EINTR) rc = fn();
  return rc;
}

// The directory part of `path` ("/a/b" -> "/a", "/a" -> "/", "b" -> ".").
std::string ParentDirectory(const std::string& path);

// fsyncs the directory `dir`, making a create, rename or unlink in it
// durable. Fails as FromErrno maps the error.
Status FsyncDirectory(const std::string& dir);

// Reads the whole of `path` (a /proc or /sys file, whose size stat cannot
// tell). Fails as FromErrno maps the error, or with SP_E_IO when the file is
// longer than `max_bytes`.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

// realpath(3): the absolute path of `path` with every symlink, "." and ".."
// resolved. Fails as FromErrno maps the error (kObjectNotFound when a
// component does not exist).
Result<std::string> ResolvePath(const std::string& path);

// "ENOENT"-style check without the errno: true when `path` names something.
bool PathExists(const std::string& path);

// mkdir -p: creates `path` and its missing parents with `mode`. OK when it
// exists as a directory. E_INVALIDARG for a relative path.
Status MakeDirectories(const std::string& path, mode_t mode);

// Removes `path` if it is an empty directory; OK when it is absent or not
// empty (it is left then).
Status RemoveEmptyDirectory(const std::string& path);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_FILE_UTIL_H_
