#include "os/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "os/open_beneath.h"
#include "os/unique_fd.h"
#include "shadowport/path_translation.h"

namespace sp::os {
namespace {

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "." ? name : dir + "/" + name;
}

EntryKind KindOfMode(mode_t mode) {
  if (S_ISREG(mode)) return EntryKind::kFile;
  if (S_ISDIR(mode)) return EntryKind::kDirectory;
  if (S_ISLNK(mode)) return EntryKind::kSymlink;
  return EntryKind::kOther;
}

// The entries of the open directory `fd` (taken over), sorted by name.
Result<std::vector<std::pair<std::string, EntryKind>>> ReadEntries(
    os::UniqueFd fd, const std::string& dir) {
  const int raw = fd.get();
  DIR* stream = ::fdopendir(raw);
  if (stream == nullptr) {
    return FromErrno(errno, "reading directory " + QuotedPath(dir));
  }
  (void)fd.release();  // the DIR owns it now
  std::vector<std::pair<std::string, EntryKind>> out;
  Status failed;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      if (errno != 0)
        failed = FromErrno(errno, "reading directory " + QuotedPath(dir));
      break;
    }
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    // d_type is a hint some filesystems leave DT_UNKNOWN; lstat then.
    EntryKind kind = EntryKind::kOther;
    switch (entry->d_type) {
      case DT_REG:
        kind = EntryKind::kFile;
        break;
      case DT_DIR:
        kind = EntryKind::kDirectory;
        break;
      case DT_LNK:
        kind = EntryKind::kSymlink;
        break;
      case DT_UNKNOWN: {
        struct stat st {};
        if (::fstatat(::dirfd(stream), entry->d_name, &st,
                      AT_SYMLINK_NOFOLLOW) != 0) {
          failed = FromErrno(errno, "lstat of " + QuotedPath(Join(dir, name)));
          break;
        }
        kind = KindOfMode(st.st_mode);
        break;
      }
      default:
        break;
    }
    if (!failed.ok()) break;
    out.emplace_back(name, kind);
  }
  ::closedir(stream);
  if (!failed.ok()) return failed;
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

const char* EntryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kDirectory:
      return "directory";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kOther:
      break;
  }
  return "other";
}

Status WalkBeneath(int root_fd, const std::string& dir, bool recursive,
                   const WalkVisitor& visit) {
  // Depth first with an explicit stack: subdirectories are pushed in
  // reverse so that they come out in name order.
  std::vector<std::string> pending = {dir};
  bool first = true;
  while (!pending.empty()) {
    const std::string current = std::move(pending.back());
    pending.pop_back();
    // The start may be reached through in-root symlinks; below it, only
    // real directories are entered (O_NOFOLLOW: a directory swapped for a
    // symlink since it was listed is refused, not followed).
    const int flags = O_RDONLY | O_DIRECTORY | (first ? 0 : O_NOFOLLOW);
    first = false;
    Result<os::UniqueFd> fd = os::OpenBeneath(root_fd, current, flags);
    if (!fd.ok()) return std::move(fd).status();
    SP_ASSIGN_OR_RETURN(auto entries, ReadEntries(std::move(*fd), current));
    std::vector<std::string> subdirs;
    for (auto& [name, kind] : entries) {
      SP_RETURN_IF_ERROR(visit(WalkEntry{current, name, kind}));
      if (recursive && kind == EntryKind::kDirectory) {
        subdirs.push_back(Join(current, name));
      }
    }
    pending.insert(pending.end(), subdirs.rbegin(), subdirs.rend());
  }
  return Status::Ok();
}

}  // namespace sp::os
