#include "os/pool_image.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <functional>
#include <memory>
#include <utility>

#include "os/file_util.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "os/process.h"

namespace sp::os {
namespace {

constexpr char kPoolFsType[] = "xfs";
constexpr mode_t kMountDirMode = 0755;

// A pool holds LUN images, never programs or device nodes.
MountOptions PoolMountOptions() {
  MountOptions options;
  options.no_suid = true;
  options.no_dev = true;
  options.no_exec = true;
  return options;
}

// Runs `fn` when destroyed unless dismissed: compensation for steps that
// have no guard class of their own.
class Undo {
 public:
  explicit Undo(std::function<void()> fn) : fn_(std::move(fn)) {}
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  ~Undo() {
    if (fn_) fn_();
  }
  void Dismiss() { fn_ = nullptr; }

 private:
  std::function<void()> fn_;
};

Result<std::string> Absolute(const std::string& path, const char* what) {
  if (path.empty())
    return Status(Code::kInvalidArg, std::string("empty ") + what);
  std::error_code ec;
  std::string out =
      std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec)
    return FromErrno(ec.value(), std::string("making ") + what + " absolute");
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<bool> IsEmptyDirectory(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::opendir(dir.c_str()),
                                             ::closedir);
  if (stream == nullptr) return FromErrno(errno, "opening directory " + dir);
  errno = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") return false;
  }
  if (errno != 0) return FromErrno(errno, "reading directory " + dir);
  return true;
}

// Ok when `dir` is an empty directory and no mount point. With `create`, a
// missing `dir` is made (and *created set).
Status PrepareMountDir(const std::string& dir, bool create, bool* created) {
  *created = false;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || !create) {
      return FromErrno(errno, "mount directory " + dir);
    }
    if (::mkdir(dir.c_str(), kMountDirMode) != 0) {
      return FromErrno(errno, "creating mount directory " + dir);
    }
    *created = true;
    return Status::Ok();
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status(Code::kInvalidArg,
                  "mount directory " + dir + " is not a directory");
  }
  SP_ASSIGN_OR_RETURN(const bool empty, IsEmptyDirectory(dir));
  if (!empty) {
    return Status(Code::kObjectAlreadyExists,
                  "mount directory " + dir + " is not empty");
  }
  SP_ASSIGN_OR_RETURN(const std::string resolved, ResolvePath(dir));
  SP_ASSIGN_OR_RETURN(const MountInfo mount, FindMount(resolved));
  if (mount.mount_point == resolved) {
    return Status(Code::kObjectAlreadyExists,
                  "mount directory " + dir + " is already a mount point (" +
                      mount.source + ", " + mount.fs_type + ")");
  }
  return Status::Ok();
}

// Attaches `image` read-write, mounts it at `dir`, checks reflink. On
// failure the guards unmount and detach what this call made.
Result<PoolImage> AttachAndMount(const std::string& image,
                                 const std::string& dir, PoolFilesystem& fs) {
  SP_ASSIGN_OR_RETURN(ScopedLoopDevice loop,
                      ScopedLoopDevice::Attach(image, LoopAccess::kReadWrite));
  SP_ASSIGN_OR_RETURN(
      ScopedMount mount,
      ScopedMount::Mount(loop.path(), dir, kPoolFsType, PoolMountOptions()));
  Status reflink = fs.CheckReflink(dir);
  if (!reflink.ok()) {
    return std::move(reflink).WithContext("checking the new pool at " + dir);
  }
  PoolImage pool{image, loop.path(), dir};
  (void)mount.Release();
  (void)loop.Release();
  return pool;
}

struct Unmounted {
  PoolImage pool;
  LoopDevice loop;
};

Result<Unmounted> UnmountAndDetach(const std::string& mount_dir) {
  SP_ASSIGN_OR_RETURN(const std::string dir, ResolvePath(mount_dir));
  SP_ASSIGN_OR_RETURN(const MountInfo mount, FindMount(dir));
  if (mount.mount_point != dir) {
    return Status(Code::kObjectNotFound, "nothing is mounted at " + dir +
                                             " (it lies on the mount " +
                                             mount.mount_point + ")");
  }
  Result<LoopDevice> loop = InspectLoopDevice(mount.source);
  if (!loop.ok()) {
    const Code code = loop.status().code();
    if (code == Code::kInvalidArg || code == Code::kObjectNotFound) {
      return Status(Code::kInvalidArg,
                    dir + " is mounted from " + mount.source + " (" +
                        mount.fs_type +
                        "), not from an attached loop device: not an image "
                        "pool; left alone");
    }
    return std::move(loop).status();
  }
  Result<std::string> backing = LoopBackingFile(loop->path);
  Unmounted out{{backing.ok() ? *backing : "", loop->path, dir}, *loop};
  SP_RETURN_IF_ERROR(Unmount(dir));
  Status detached = DetachLoopDevice(*loop);
  if (!detached.ok()) {
    return std::move(detached).WithContext("unmounted " + dir +
                                           ", but detaching its loop device");
  }
  return out;
}

}  // namespace

Result<PoolImage> CreatePoolImage(const PoolImageOptions& options,
                                  PoolFilesystem& fs) {
  if (options.size_bytes == 0) {
    return Status(Code::kInvalidArg, "pool image size is 0");
  }
  SP_ASSIGN_OR_RETURN(const std::string image,
                      Absolute(options.image, "pool image path"));
  SP_ASSIGN_OR_RETURN(const std::string dir,
                      Absolute(options.mount_dir, "pool mount directory"));

  bool created_dir = false;
  SP_RETURN_IF_ERROR(PrepareMountDir(dir, /*create=*/true, &created_dir));
  Undo remove_dir([&] {
    if (created_dir) (void)::rmdir(dir.c_str());
  });

  SP_RETURN_IF_ERROR(fs.CreateSparseFile(image, options.size_bytes));
  Undo remove_image([&] { (void)fs.Remove(image); });

  RunOptions mkfs_options;
  mkfs_options.timeout = options.mkfs_timeout;
  Result<ProcessResult> mkfs = RunProcessChecked(
      {"mkfs.xfs", "-q", "-m", "reflink=1", image}, mkfs_options);
  if (!mkfs.ok()) {
    return std::move(mkfs).status().WithContext("formatting pool image " +
                                                image);
  }

  SP_ASSIGN_OR_RETURN(PoolImage pool, AttachAndMount(image, dir, fs));
  remove_image.Dismiss();
  remove_dir.Dismiss();
  return pool;
}

Result<PoolImage> MountPoolImage(const std::string& image,
                                 const std::string& mount_dir,
                                 PoolFilesystem& fs) {
  SP_ASSIGN_OR_RETURN(const std::string abs_image,
                      Absolute(image, "pool image path"));
  SP_ASSIGN_OR_RETURN(const std::string dir,
                      Absolute(mount_dir, "pool mount directory"));
  bool created_dir = false;
  SP_RETURN_IF_ERROR(PrepareMountDir(dir, /*create=*/false, &created_dir));
  return AttachAndMount(abs_image, dir, fs);
}

Result<PoolImage> UnmountPoolImage(const std::string& mount_dir) {
  SP_ASSIGN_OR_RETURN(Unmounted done, UnmountAndDetach(mount_dir));
  return std::move(done.pool);
}

Status DestroyPoolImage(const std::string& mount_dir) {
  SP_ASSIGN_OR_RETURN(const Unmounted done, UnmountAndDetach(mount_dir));
  const std::string& image = done.pool.image;
  struct stat st {};
  if (image.empty() || ::stat(image.c_str(), &st) != 0 ||
      static_cast<uint64_t>(st.st_dev) != done.loop.backing_dev ||
      static_cast<uint64_t>(st.st_ino) != done.loop.backing_ino) {
    return Status(Code::kObjectNotFound,
                  "unmounted " + done.pool.mount_dir + " and detached " +
                      done.pool.loop_device + ", but its image \"" + image +
                      "\" is no longer at that path; nothing removed");
  }
  if (::unlink(image.c_str()) != 0) {
    return FromErrno(errno, "removing pool image " + image);
  }
  return FsyncDirectory(ParentDirectory(image));
}

}  // namespace sp::os
