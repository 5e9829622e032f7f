// Path translation: from a file path on the production host (as writer
// metadata names it) to the same file inside an exposed snapshot on the
// backup host.
//
// A snapshot of the volume mounted at `original_mount_point` on the
// production host (say /srv/F) is exposed read-only at `exposure_root` on the
// backup host (say /run/shadowport/sets/{set-id}/srv_F), so
// /srv/F/pgdata/base becomes /run/shadowport/sets/{set-id}/srv_F/pgdata/base.
//
// Everything here is lexical: no system call, no look at the filesystem. The
// functions only decide which volume a path belongs to and what its
// volume-relative part is. Symlinks inside the (untrusted) snapshot are
// resolved later, by the kernel, with src/os/open_beneath.h, which must be
// used to open the result: a translated path string handed to plain open()
// could still escape through a symlink. docs/paths.md states the rules.
//
// Thread safety: pure functions of their arguments.
#ifndef SHADOWPORT_PATH_TRANSLATION_H_
#define SHADOWPORT_PATH_TRANSLATION_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp {

// One volume of a snapshot set as exposed on this host. Both paths must be
// absolute and normalized (see NormalizeAbsolutePath: no "//", no "." or ".."
// components, no trailing '/', except "/" itself).
struct VolumeExposure {
  std::string original_mount_point;  // "/srv/F" on the production host
  std::string exposure_root;         // "/run/shadowport/sets/{id}/srv_F" here
};

// Where a path lies in a snapshot set.
struct VolumeRelativePath {
  size_t volume_index = 0;  // index into the span that was searched
  // The path below the volume's mount point, without a leading '/'
  // ("pgdata/base"), or "." for the mount point itself. Normalized and free
  // of ".." components, so it can be given to OpenBeneath as it is.
  std::string relative_path;
};

// `path` quoted for an error message ("'/srv/F/x'"), with control bytes,
// non-ASCII bytes, backslash and single quote written as \xNN: paths come
// from untrusted writer metadata and snapshots, and end up in logs.
std::string QuotedPath(std::string_view path);

// Normalizes an absolute path lexically: repeated '/' collapse, "."
// components and a trailing '/' go ("/srv//F/./x/" -> "/srv/F/x").
// Fails with:
//   kInvalidArg  empty, not starting with '/', or containing a NUL byte;
//   kPathEscape  a ".." component anywhere, even one that would stay inside
//                ("/srv/F/a/../b"): what ".." means depends on symlinks, which
//                only the snapshot can tell.
// Error messages name the path, with unprintable bytes escaped.
Result<std::string> NormalizeAbsolutePath(std::string_view path);

// REQUIRES: `dir` and `path` normalized. The part of `path` below `dir`
// without a leading '/' ("" for `dir` itself), or nullopt if `path` is not
// `dir` or below it (/srv/F holds /srv/F/x but not /srv/Foo; "/" holds
// every path).
std::optional<std::string_view> PathBelow(std::string_view dir,
                                          std::string_view path);

// REQUIRES: both normalized. True when one is the other or below it.
bool PathsOverlap(std::string_view a, std::string_view b);

// Finds the volume that holds `original_path`: the one whose
// original_mount_point is the longest prefix of the normalized path on a
// component boundary (/srv/F holds /srv/F/x but not /srv/Foo; with /srv and
// /srv/F both in the set, /srv/F/x belongs to /srv/F; "/" holds every path).
// Fails with:
//   kInvalidArg    `original_path` is invalid as for NormalizeAbsolutePath,
//                  or a volume's mount point or exposure root is not absolute
//                  and normalized, or two volumes share a mount point;
//   kPathEscape    `original_path` has a ".." component;
//   kPathNotOnSet  no volume of `volumes` holds the path.
Result<VolumeRelativePath> RelativeToVolume(
    std::string_view original_path, std::span<const VolumeExposure> volumes);

// The path of `original_path` inside the exposed snapshot: the holding
// volume's exposure_root joined with the volume-relative part
// ("/srv/F/pgdata" -> "/run/shadowport/sets/{id}/srv_F/pgdata"; the mount
// point itself maps to the exposure root). Fails as RelativeToVolume.
Result<std::string> TranslatePath(std::string_view original_path,
                                  std::span<const VolumeExposure> volumes);

}  // namespace sp

#endif  // SHADOWPORT_PATH_TRANSLATION_H_
