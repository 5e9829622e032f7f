#include "os/open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "shadowport/path_translation.h"

namespace sp::os {
namespace {

// openat2 reports EAGAIN when a concurrent rename or mount kept it from
// proving that ".." stayed inside; the man page invites a retry.
constexpr int kMaxRaceRetries = 8;

bool HasDotDotComponent(std::string_view path) {
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(pos, end - pos) == "..") return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

Result<UniqueFd> OpenBeneath(int root_dirfd, std::string_view relative_path,
                             int open_flags, ResolveMode mode,
                             CrossMounts cross) {
  if (relative_path.empty()) {
    return Status(Code::kInvalidArg, "empty path to open beneath a root");
  }
  if (relative_path.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidArg,
                  "path " + QuotedPath(relative_path) + " contains a NUL byte");
  }
  if ((open_flags & O_CREAT) != 0 || (open_flags & O_TMPFILE) == O_TMPFILE) {
    return Status(Code::kInvalidArg,
                  "OpenBeneath opens existing files only (no O_CREAT or "
                  "O_TMPFILE), asked for " +
                      QuotedPath(relative_path));
  }
  if (HasDotDotComponent(relative_path)) {
    return Status(Code::kPathEscape, "path " + QuotedPath(relative_path) +
                                         " has a '..' component; it would "
                                         "escape the snapshot root");
  }

  open_how how{};
  how.flags = static_cast<uint64_t>(open_flags | O_CLOEXEC);
  how.mode = 0;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  how.resolve |=
      mode == ResolveMode::kInRoot ? RESOLVE_IN_ROOT : RESOLVE_BENEATH;
  if (cross == CrossMounts::kRefuse) how.resolve |= RESOLVE_NO_XDEV;

  const std::string path(relative_path);
  int err = 0;
  int races = 0;
  while (true) {
    long fd =  // NOLINT(runtime/int): syscall(2) returns long
        ::syscall(SYS_openat2, root_dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN && races++ < kMaxRaceRetries) continue;
    break;
  }

  // ENOSYS (no openat2, Linux < 5.6) becomes kNotSupported: there is no
  // fallback, as a plain open could escape.
  Status status =
      FromErrno(err, "openat2 (Linux 5.6+) of " + QuotedPath(relative_path) +
                         " beneath the root");
  if (status.code() == Code::kPathEscape) {
    return Status(
        Code::kPathEscape,
        status.message() + " (the path escapes the snapshot root" +
            (cross == CrossMounts::kRefuse ? ", crosses a mount" : "") +
            ", or loops through symlinks)");
  }
  return status;
}

Result<UniqueFd> OpenDirectory(std::string_view path) {
  if (path.empty()) return Status(Code::kInvalidArg, "empty directory path");
  if (path.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidArg,
                  "path " + QuotedPath(path) + " contains a NUL byte");
  }
  const std::string path_z(path);
  int fd;
  do {
    fd = ::open(path_z.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return FromErrno(errno, "opening directory " + QuotedPath(path));
  }
  return UniqueFd(fd);
}

}  // namespace sp::os
