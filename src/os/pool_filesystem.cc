#include "os/pool_filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <memory>
#include <utility>

#include "os/file_util.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

// New pool files hold LUN data: readable by root only.
constexpr mode_t kFileMode = 0600;
constexpr char kProbePrefix[] = ".shadowport-reflink-probe-";
constexpr size_t kProbeBytes = 4096;

// Filesystem magic numbers without a <linux/magic.h> name on older headers.
constexpr uint64_t kXfsMagic = 0x58465342;
constexpr uint64_t kZfsMagic = 0x2fc12fc1;
constexpr uint64_t kOcfs2Magic = 0x7461636f;
constexpr uint64_t kCifsMagic = 0xff534d42;
constexpr uint64_t kSmb2Magic = 0xfe534d42;
constexpr uint64_t kFuseMagic = 0x65735546;
constexpr uint64_t kBcachefsMagic = 0xca451a4e;

std::string FilesystemName(uint64_t f_type) {
  switch (f_type) {
    case kXfsMagic:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case EXT4_SUPER_MAGIC:  // ext2 and ext3 too: one magic
      return "ext4";
    case TMPFS_MAGIC:
      return "tmpfs";
    case RAMFS_MAGIC:
      return "ramfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlayfs";
    case NFS_SUPER_MAGIC:
      return "nfs";
    case F2FS_SUPER_MAGIC:
      return "f2fs";
    case MSDOS_SUPER_MAGIC:
      return "vfat";
    case SQUASHFS_MAGIC:
      return "squashfs";
    case kZfsMagic:
      return "zfs";
    case kOcfs2Magic:
      return "ocfs2";
    case kCifsMagic:
    case kSmb2Magic:
      return "cifs";
    case kFuseMagic:
      return "fuse";
    case kBcachefsMagic:
      return "bcachefs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%llx",
                    static_cast<unsigned long long>(f_type));  // NOLINT
      return std::string("unknown (statfs f_type ") + hex + ")";
    }
  }
}

// The errors FICLONE gives when the filesystem (or the pair of files)
// cannot share extents.
bool IsNoReflink(int err) {
  return err == EOPNOTSUPP || err == EXDEV || err == EINVAL || err == ENOTTY;
}

Status RequireAbsolute(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Status(Code::kInvalidArg,
                  "pool path \"" + path + "\" is not absolute");
  }
  return Status::Ok();
}

// FromErrno, with EEXIST (which it leaves to SP_E_IO) as
// VSS_E_OBJECT_ALREADY_EXISTS: every create here is O_EXCL.
Status CreateError(int err, const std::string& what) {
  Status status = FromErrno(err, what);
  if (err == EEXIST)
    return Status(Code::kObjectAlreadyExists, status.message());
  return status;
}

Status Fsync(int fd, const std::string& path) {
  if (RetryOnEintr([&] { return ::fsync(fd); }) != 0) {
    return FromErrno(errno, "fsync of " + path);
  }
  return Status::Ok();
}

// Unlinks a file this code created unless committed: a failed create leaves
// nothing behind, so a retry does not meet EEXIST.
class RemoveUnlessCommitted {
 public:
  explicit RemoveUnlessCommitted(std::string path) : path_(std::move(path)) {}
  RemoveUnlessCommitted(const RemoveUnlessCommitted&) = delete;
  RemoveUnlessCommitted& operator=(const RemoveUnlessCommitted&) = delete;
  ~RemoveUnlessCommitted() {
    if (!path_.empty()) (void)::unlink(path_.c_str());
  }
  void Commit() { path_.clear(); }

 private:
  std::string path_;
};

Result<UniqueFd> CreateExclusive(const std::string& path, int access) {
  UniqueFd fd(RetryOnEintr([&] {
    return ::open(path.c_str(), access | O_CREAT | O_EXCL | O_CLOEXEC,
                  kFileMode);
  }));
  if (!fd.valid()) return CreateError(errno, "creating " + path);
  return fd;
}

// A probe file made with mkostemp: a unique name, removed on destruction.
class ProbeFile {
 public:
  static Result<ProbeFile> Create(const std::string& dir) {
    std::string name = dir + "/" + kProbePrefix + "XXXXXX";
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return CreateError(errno, "creating a probe file in " + dir);
    return ProbeFile(UniqueFd(fd), std::move(name));
  }
  ProbeFile(ProbeFile&& other) noexcept
      : fd_(std::move(other.fd_)),
        path_(std::exchange(other.path_, std::string())) {}
  ProbeFile& operator=(ProbeFile&&) = delete;
  ProbeFile(const ProbeFile&) = delete;
  ProbeFile& operator=(const ProbeFile&) = delete;
  ~ProbeFile() {
    if (!path_.empty()) (void)::unlink(path_.c_str());
  }

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  ProbeFile(UniqueFd fd, std::string path)
      : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

class RealPoolFilesystem final : public PoolFilesystem {
 public:
  Status CheckReflink(const std::string& dir) override;
  Status CreateSparseFile(const std::string& path, uint64_t size) override;
  Status GrowFile(const std::string& path, uint64_t size) override;
  Status Clone(const std::string& src, const std::string& dst) override;
  Status CloneNoSync(const std::string& src, const std::string& dst) override;
  Status SyncFiles(const std::vector<std::string>& paths) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> ListFiles(const std::string& dir) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<SpaceInfo> Space(const std::string& dir) override;
};

Status RealPoolFilesystem::CheckReflink(const std::string& dir) {
  SP_RETURN_IF_ERROR(RequireAbsolute(dir));
  struct statfs fs {};
  if (RetryOnEintr([&] { return ::statfs(dir.c_str(), &fs); }) != 0) {
    return FromErrno(errno, "statfs of pool directory " + dir);
  }
  const std::string fs_name = FilesystemName(static_cast<uint64_t>(fs.f_type));

  SP_ASSIGN_OR_RETURN(ProbeFile src, ProbeFile::Create(dir));
  SP_ASSIGN_OR_RETURN(ProbeFile dst, ProbeFile::Create(dir));
  const std::string block(kProbeBytes, 'r');
  const ssize_t written = RetryOnEintr(
      [&] { return ::write(src.fd(), block.data(), block.size()); });
  if (written < 0) return FromErrno(errno, "writing probe " + src.path());
  if (static_cast<size_t>(written) != block.size()) {
    return Status(Code::kInsufficientStorage,
                  "short write to probe " + src.path());
  }
  if (::ioctl(dst.fd(), FICLONE, src.fd()) != 0) {
    const int err = errno;
    Status status = FromErrno(err, "FICLONE probe in " + dir);
    if (IsNoReflink(err)) {
      return Status(Code::kNotSupported,
                    "pool directory " + dir + " is on " + fs_name +
                        ", which cannot reflink (" + status.message() +
                        "): the pool needs XFS with reflink=1 or btrfs");
    }
    return status;
  }
  return Status::Ok();
}

Status RealPoolFilesystem::CreateSparseFile(const std::string& path,
                                            uint64_t size) {
  SP_RETURN_IF_ERROR(RequireAbsolute(path));
  if (size > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
    return Status(Code::kInvalidArg, "size " + std::to_string(size) + " of " +
                                         path + " is too large");
  }
  SP_ASSIGN_OR_RETURN(UniqueFd fd, CreateExclusive(path, O_WRONLY));
  RemoveUnlessCommitted guard(path);
  if (RetryOnEintr([&] {
        return ::ftruncate(fd.get(), static_cast<off_t>(size));
      }) != 0) {
    return FromErrno(errno, "setting the size of " + path);
  }
  SP_RETURN_IF_ERROR(Fsync(fd.get(), path));
  SP_RETURN_IF_ERROR(FsyncDirectory(ParentDirectory(path)));
  guard.Commit();
  return Status::Ok();
}

Status RealPoolFilesystem::GrowFile(const std::string& path, uint64_t size) {
  SP_RETURN_IF_ERROR(RequireAbsolute(path));
  UniqueFd fd(
      RetryOnEintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); }));
  if (!fd.valid()) return FromErrno(errno, "opening " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FromErrno(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArg, path + " is not a regular file");
  }
  if (size < static_cast<uint64_t>(st.st_size) ||
      size > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
    return Status(Code::kInvalidArg, "growing " + path + " from " +
                                         std::to_string(st.st_size) + " to " +
                                         std::to_string(size) +
                                         " bytes: a pool file never shrinks");
  }
  if (RetryOnEintr([&] {
        return ::ftruncate(fd.get(), static_cast<off_t>(size));
      }) != 0) {
    return FromErrno(errno, "growing " + path);
  }
  // The name did not change: the file's fsync makes the new size durable.
  return Fsync(fd.get(), path);
}

Status RealPoolFilesystem::Clone(const std::string& src,
                                 const std::string& dst) {
  SP_RETURN_IF_ERROR(CloneNoSync(src, dst));
  return SyncFiles({dst});
}

Status RealPoolFilesystem::CloneNoSync(const std::string& src,
                                       const std::string& dst) {
  SP_RETURN_IF_ERROR(RequireAbsolute(src));
  SP_RETURN_IF_ERROR(RequireAbsolute(dst));
  UniqueFd in(
      RetryOnEintr([&] { return ::open(src.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (!in.valid()) return FromErrno(errno, "opening " + src);
  SP_ASSIGN_OR_RETURN(UniqueFd out, CreateExclusive(dst, O_WRONLY));
  RemoveUnlessCommitted guard(dst);
  if (::ioctl(out.get(), FICLONE, in.get()) != 0) {
    const int err = errno;
    Status status = FromErrno(err, "FICLONE of " + src + " to " + dst);
    if (IsNoReflink(err)) {
      return Status(Code::kNotSupported,
                    status.message() +
                        (err == EXDEV ? " (not on the same filesystem)"
                                      : " (the filesystem cannot reflink)"));
    }
    return status;
  }
  guard.Commit();
  return Status::Ok();
}

Status RealPoolFilesystem::SyncFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> dirs;
  for (const std::string& path : paths) {
    SP_RETURN_IF_ERROR(RequireAbsolute(path));
    UniqueFd fd(RetryOnEintr(
        [&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
    if (!fd.valid()) return FromErrno(errno, "opening " + path);
    SP_RETURN_IF_ERROR(Fsync(fd.get(), path));
    std::string dir = ParentDirectory(path);
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
      dirs.push_back(std::move(dir));
    }
  }
  for (const std::string& dir : dirs) SP_RETURN_IF_ERROR(FsyncDirectory(dir));
  return Status::Ok();
}

Status RealPoolFilesystem::Remove(const std::string& path) {
  SP_RETURN_IF_ERROR(RequireAbsolute(path));
  if (::unlink(path.c_str()) != 0) {
    return FromErrno(errno, "removing " + path);
  }
  return FsyncDirectory(ParentDirectory(path));
}

Result<std::vector<std::string>> RealPoolFilesystem::ListFiles(
    const std::string& dir) {
  SP_RETURN_IF_ERROR(RequireAbsolute(dir));
  UniqueFd dir_fd(RetryOnEintr(
      [&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!dir_fd.valid()) return FromErrno(errno, "opening directory " + dir);
  // fdopendir takes the descriptor; closedir closes it.
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::fdopendir(dir_fd.get()),
                                             ::closedir);
  if (stream == nullptr) return FromErrno(errno, "reading directory " + dir);
  (void)dir_fd.release();

  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) {
      if (errno != 0) return FromErrno(errno, "reading directory " + dir);
      break;
    }
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // some filesystems do not fill d_type
      struct stat st {};
      if (::fstatat(::dirfd(stream.get()), entry->d_name, &st,
                    AT_SYMLINK_NOFOLLOW) != 0) {
        continue;  // removed meanwhile
      }
      type = S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_REG) names.emplace_back(entry->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<uint64_t> RealPoolFilesystem::FileSize(const std::string& path) {
  SP_RETURN_IF_ERROR(RequireAbsolute(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FromErrno(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArg, path + " is not a regular file");
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<SpaceInfo> RealPoolFilesystem::Space(const std::string& dir) {
  SP_RETURN_IF_ERROR(RequireAbsolute(dir));
  struct statvfs vfs {};
  if (RetryOnEintr([&] { return ::statvfs(dir.c_str(), &vfs); }) != 0) {
    return FromErrno(errno, "statvfs of " + dir);
  }
  SpaceInfo info;
  info.total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  info.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return info;
}

}  // namespace

std::unique_ptr<PoolFilesystem> MakePoolFilesystem() {
  return std::make_unique<RealPoolFilesystem>();
}

}  // namespace sp::os
