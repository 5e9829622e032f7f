// Opening files inside an exposed snapshot without leaving it.
//
// A snapshot comes from another host and its contents are untrusted: a
// symlink in it may point to "/etc/shadow" or "../../../..". OpenBeneath lets
// the kernel resolve the path with openat2(2) under a root directory and
// refuse any resolution that would leave it, atomically (no check-then-open
// race). Paths usually come from RelativeToVolume
// (shadowport/path_translation.h); docs/paths.md explains the modes.
//
// Requires Linux 5.6+ (openat2). There is no fallback: without openat2 the
// calls fail with kNotSupported rather than open unsafely.
//
// Thread safety: free functions; safe to call concurrently.
#ifndef SHADOWPORT_OS_OPEN_BENEATH_H_
#define SHADOWPORT_OS_OPEN_BENEATH_H_

#include <string_view>

#include "os/unique_fd.h"
#include "shadowport/status.h"

namespace sp::os {

// How symlinks and ".." inside the snapshot are resolved.
enum class ResolveMode {
  // RESOLVE_BENEATH: every step must stay beneath the root. An absolute
  // symlink, or ".." climbing above the root, fails with kPathEscape. The
  // default: a snapshot of a data volume has no business pointing at "/".
  kBeneath,
  // RESOLVE_IN_ROOT: the root acts as "/" (like chroot): absolute symlinks
  // and ".." at the top resolve inside the root instead of failing. For a
  // snapshot of a root filesystem, whose absolute symlinks (/etc/alternatives
  // ...) are meant relative to itself.
  kInRoot,
};

// Whether resolution may cross into another mount below the root.
enum class CrossMounts {
  // RESOLVE_NO_XDEV: stay on the root's own mount; crossing (into a mount
  // stacked inside the snapshot, or out of it) fails with kPathEscape. The
  // default: nothing legitimate is mounted inside an exposed snapshot.
  kRefuse,
  kAllow,
};

// Opens `relative_path` beneath the directory `root_dirfd` with
// `open_flags` (O_RDONLY, O_DIRECTORY, O_PATH, O_NOFOLLOW, ...; O_CLOEXEC is
// always added). Magic links (/proc/self/fd/N and the like) are never
// followed (RESOLVE_NO_MAGICLINKS).
//
// Fails with:
//   kInvalidArg    empty path, NUL byte, or O_CREAT / O_TMPFILE in
//                  `open_flags` (this opens existing files only);
//   kPathEscape    a ".." component in `relative_path` itself (refused
//                  lexically in both modes), or resolution would leave the
//                  root, cross a mount under kRefuse, follow a magic link, or
//                  follow too many symlinks (EXDEV / ELOOP); also ELOOP from a
//                  final symlink under O_NOFOLLOW;
//   kNotSupported  the kernel has no openat2 (ENOSYS);
//   others         as FromErrno maps the error (ENOENT -> kObjectNotFound,
//   ...).
// A race with a concurrent rename (EAGAIN) is retried a few times.
// REQUIRES: root_dirfd is an open directory (see OpenDirectory).
Result<UniqueFd> OpenBeneath(int root_dirfd, std::string_view relative_path,
                             int open_flags,
                             ResolveMode mode = ResolveMode::kBeneath,
                             CrossMounts cross = CrossMounts::kRefuse);

// Opens the directory `path` (O_RDONLY | O_DIRECTORY | O_CLOEXEC), to serve
// as the root of OpenBeneath. `path` is trusted (an exposure root this host
// created) and resolved normally. Fails with kInvalidArg for an empty path or
// a NUL byte, else as FromErrno maps the error (ENOTDIR, ENOENT ->
// kObjectNotFound, ...).
Result<UniqueFd> OpenDirectory(std::string_view path);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_OPEN_BENEATH_H_
