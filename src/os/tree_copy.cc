#include "os/tree_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <vector>

#include "os/file_util.h"
#include "os/unique_fd.h"
#include "shadowport/path_translation.h"

namespace sp::os {
namespace {

constexpr int kMaxDepth = 64;

bool IsRoot() { return geteuid() == 0; }

Status Own(int fd, uid_t uid, gid_t gid, const std::string& what) {
  if (IsRoot() && fchown(fd, uid, gid) != 0) {
    return FromErrno(errno, "chown " + QuotedPath(what));
  }
  return Status::Ok();
}

Result<os::UniqueFd> OpenAt(int dirfd, const std::string& name, int flags,
                            const std::string& what, mode_t mode = 0) {
  const int fd = os::RetryOnEintr(
      [&] { return openat(dirfd, name.c_str(), flags | O_CLOEXEC, mode); });
  if (fd < 0) {
    if (errno == ELOOP) {
      return Status(Code::kPathEscape, QuotedPath(what) + " is a symlink");
    }
    return FromErrno(errno, "open " + QuotedPath(what));
  }
  return os::UniqueFd(fd);
}

Status CopyData(int in, int out, off_t size, const std::string& what,
                uint64_t* bytes) {
  off_t done = 0;
  while (done < size) {
    const ssize_t n =
        sendfile(out, in, nullptr, static_cast<size_t>(size - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "copying " + QuotedPath(what));
    }
    if (n == 0) break;  // the file shrank; a snapshot's files do not
    done += n;
  }
  *bytes += static_cast<uint64_t>(done);
  return Status::Ok();
}

Status CopyFileAt(int src_dir, int dst_dir, const std::string& name,
                  const struct stat& st, const std::string& what,
                  uint64_t* bytes) {
  SP_ASSIGN_OR_RETURN(os::UniqueFd in,
                      OpenAt(src_dir, name, O_RDONLY | O_NOFOLLOW, what));
  SP_ASSIGN_OR_RETURN(
      os::UniqueFd out,
      OpenAt(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, what,
             0600));
  SP_RETURN_IF_ERROR(CopyData(in.get(), out.get(), st.st_size, what, bytes));
  // Owner first: fchown clears the set-user-ID and set-group-ID bits.
  SP_RETURN_IF_ERROR(Own(out.get(), st.st_uid, st.st_gid, what));
  if (fchmod(out.get(), st.st_mode & 07777) != 0) {
    return FromErrno(errno, "chmod " + QuotedPath(what));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ListDir(int dirfd, const std::string& what) {
  const int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return FromErrno(errno, "dup " + QuotedPath(what));
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    close(fd);
    return FromErrno(err, "listing " + QuotedPath(what));
  }
  rewinddir(dir);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  const int err = errno;
  closedir(dir);
  if (err != 0) return FromErrno(err, "listing " + QuotedPath(what));
  return names;
}

struct Walk {
  const CopyFilter& filter;
  const std::string& source;
  CopyStats stats;

  Status Dir(int src, int dst, const std::string& rel, int depth) {
    if (depth > kMaxDepth) {
      return Status(Code::kPathEscape,
                    QuotedPath(source + "/" + rel) + " is nested too deep");
    }
    std::string where = source;
    where += '/';
    where += rel;
    SP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(src, where));
    for (const std::string& name : names) {
      std::string child = rel;
      if (!child.empty()) child += '/';
      child += name;
      std::string what = source;
      what += '/';
      what += child;
      struct stat st {};
      if (fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return FromErrno(errno, "stat " + QuotedPath(what));
      }
      CopyAction action = filter(child, st);
      if (action == CopyAction::kCopy && !S_ISDIR(st.st_mode) &&
          !S_ISREG(st.st_mode)) {
        action = CopyAction::kRefuse;
      }
      switch (action) {
        case CopyAction::kSkip:
          break;
        case CopyAction::kRefuse:
          return Status(Code::kPathEscape,
                        QuotedPath(what) +
                            (S_ISLNK(st.st_mode)
                                 ? " is a symlink the restore does not follow"
                                 : " is not something a data directory "
                                   "holds"));
        case CopyAction::kEmptyDir: {
          struct stat dir_st = st;
          dir_st.st_mode = S_IFDIR | 0700;
          SP_RETURN_IF_ERROR(MakeDir(dst, name, dir_st, what).status());
          break;
        }
        case CopyAction::kCopy:
          if (S_ISDIR(st.st_mode)) {
            SP_ASSIGN_OR_RETURN(os::UniqueFd out, MakeDir(dst, name, st, what));
            SP_ASSIGN_OR_RETURN(
                os::UniqueFd in,
                OpenAt(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, what));
            SP_RETURN_IF_ERROR(Dir(in.get(), out.get(), child, depth + 1));
          } else {
            SP_RETURN_IF_ERROR(
                CopyFileAt(src, dst, name, st, what, &stats.bytes));
            ++stats.files;
          }
          break;
      }
    }
    return Status::Ok();
  }

  Result<os::UniqueFd> MakeDir(int dst, const std::string& name,
                               const struct stat& st, const std::string& what) {
    if (mkdirat(dst, name.c_str(), 0700) != 0) {
      return FromErrno(errno, "mkdir " + QuotedPath(what));
    }
    SP_ASSIGN_OR_RETURN(
        os::UniqueFd fd,
        OpenAt(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, what));
    SP_RETURN_IF_ERROR(Own(fd.get(), st.st_uid, st.st_gid, what));
    if (fchmod(fd.get(), st.st_mode & 07777) != 0) {
      return FromErrno(errno, "chmod " + QuotedPath(what));
    }
    ++stats.directories;
    return fd;
  }
};

}  // namespace

Result<CopyStats> CopyTree(const std::string& source, const std::string& target,
                           const CopyFilter& filter) {
  SP_ASSIGN_OR_RETURN(os::UniqueFd src,
                      OpenAt(AT_FDCWD, source, O_RDONLY | O_DIRECTORY, source));
  struct stat st {};
  if (fstat(src.get(), &st) != 0) {
    return FromErrno(errno, "stat " + QuotedPath(source));
  }
  if (mkdir(target.c_str(), 0700) != 0) {
    return FromErrno(errno, "mkdir " + QuotedPath(target));
  }
  SP_ASSIGN_OR_RETURN(
      os::UniqueFd dst,
      OpenAt(AT_FDCWD, target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, target));
  if (fchmod(dst.get(), st.st_mode & 07777) != 0) {
    return FromErrno(errno, "chmod " + QuotedPath(target));
  }
  SP_RETURN_IF_ERROR(Own(dst.get(), st.st_uid, st.st_gid, target));
  Walk walk{filter, source, {}};
  SP_RETURN_IF_ERROR(walk.Dir(src.get(), dst.get(), "", 0));
  if (syncfs(dst.get()) != 0) {
    return FromErrno(errno, "syncfs " + QuotedPath(target));
  }
  return walk.stats;
}

Status CopyOneFile(const std::string& source_dir, const std::string& target_dir,
                   const std::string& name, uid_t uid, gid_t gid,
                   uint64_t* bytes) {
  SP_ASSIGN_OR_RETURN(
      os::UniqueFd src,
      OpenAt(AT_FDCWD, source_dir, O_RDONLY | O_DIRECTORY, source_dir));
  SP_ASSIGN_OR_RETURN(os::UniqueFd dst,
                      OpenAt(AT_FDCWD, target_dir,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW, target_dir));
  struct stat st {};
  const std::string what = source_dir + "/" + name;
  if (fstatat(src.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return FromErrno(errno, "stat " + QuotedPath(what));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kPathEscape, QuotedPath(what) + " is not a file");
  }
  st.st_uid = uid;
  st.st_gid = gid;
  return CopyFileAt(src.get(), dst.get(), name, st, what, bytes);
}

namespace {

// Opens `path` with `flags` (never through a symlink), writes `content`,
// gives it to uid/gid (as root) and fsyncs it.
Status WriteDurably(const std::string& path, int flags,
                    std::string_view content, uid_t uid, gid_t gid) {
  SP_ASSIGN_OR_RETURN(
      os::UniqueFd fd,
      OpenAt(AT_FDCWD, path, O_WRONLY | O_NOFOLLOW | flags, path, 0600));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n =
        write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "writing " + QuotedPath(path));
    }
    done += static_cast<size_t>(n);
  }
  SP_RETURN_IF_ERROR(Own(fd.get(), uid, gid, path));
  if (fsync(fd.get()) != 0)
    return FromErrno(errno, "fsync " + QuotedPath(path));
  return Status::Ok();
}

}  // namespace

Status WriteNewFile(const std::string& path, std::string_view content,
                    uid_t uid, gid_t gid) {
  return WriteDurably(path, O_CREAT | O_EXCL, content, uid, gid);
}

Status AppendToFile(const std::string& path, std::string_view content,
                    uid_t uid, gid_t gid) {
  return WriteDurably(path, O_CREAT | O_APPEND, content, uid, gid);
}

}  // namespace sp::os
