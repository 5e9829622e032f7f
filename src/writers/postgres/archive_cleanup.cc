#include "writers/postgres/archive_cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "os/file_util.h"
#include "os/open_beneath.h"
#include "shadowport/path_translation.h"
#include "writers/postgres/wal_names.h"

namespace sp::postgres {

std::vector<std::string> FilesToRemove(const std::vector<std::string>& names,
                                       std::string_view oldest_kept) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (IsOlderWalFile(name, oldest_kept)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<CleanupReport> CleanupArchive(const std::string& archive,
                                     std::string_view oldest_kept) {
  if (!IsWalSegmentName(oldest_kept)) {
    return Status(Code::kInvalidArg,
                  "archive cleanup: \"" +
                      std::string(oldest_kept.substr(0, 64)) +
                      "\" is not a WAL segment name");
  }
  SP_ASSIGN_OR_RETURN(os::UniqueFd dir, os::OpenDirectory(archive));
  // fdopendir takes the descriptor it is given: give it a duplicate, so the
  // one unlinkat uses stays ours.
  const int listing_fd = fcntl(dir.get(), F_DUPFD_CLOEXEC, 0);
  if (listing_fd < 0) return FromErrno(errno, "dup " + QuotedPath(archive));
  DIR* listing = fdopendir(listing_fd);
  if (listing == nullptr) {
    const int err = errno;
    close(listing_fd);
    return FromErrno(err, "listing " + QuotedPath(archive));
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = readdir(listing)) names.push_back(entry->d_name);
  const int read_error = errno;
  closedir(listing);
  if (read_error != 0) {
    return FromErrno(read_error, "listing " + QuotedPath(archive));
  }

  CleanupReport report;
  for (const std::string& name : FilesToRemove(names, oldest_kept)) {
    const std::string path = std::string(archive).append("/").append(name);
    struct stat st {};
    if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return FromErrno(errno, "stat " + QuotedPath(path));
    }
    if (!S_ISREG(st.st_mode)) continue;
    if (unlinkat(dir.get(), name.c_str(), 0) != 0) {
      if (errno == ENOENT) continue;
      return FromErrno(errno, "removing " + QuotedPath(path));
    }
    report.removed.push_back(name);
  }
  if (!report.removed.empty()) SP_RETURN_IF_ERROR(os::FsyncDirectory(archive));
  return report;
}

}  // namespace sp::postgres
