#include "os/volume_probe.h"

#include <blkid/blkid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cctype>
#include <cerrno>
#include <memory>
#include <string_view>
#include <utility>

#include "os/file_util.h"
#include "os/loop_device.h"
#include "os/mounts.h"

namespace sp::os {
namespace {

// mountinfo of a busy container host can be large; this is far above it.
constexpr size_t kMaxMountInfoBytes = size_t{64} << 20;

Result<std::vector<MountInfo>> ReadMounts() {
  SP_ASSIGN_OR_RETURN(
      const std::string text,
      ReadSmallFile("/proc/self/mountinfo", kMaxMountInfoBytes));
  return ParseMountInfo(text);
}

dev_t DeviceNumberOf(const MountInfo& mount) {
  return makedev(mount.major, mount.minor);
}

std::string DeviceNumberText(dev_t dev) {
  return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

// The first whole-filesystem mount (root "/") of the block device `rdev`.
Result<MountInfo> FirstMountOfDevice(const std::vector<MountInfo>& mounts,
                                     dev_t rdev, const std::string& volume) {
  bool only_subdirectories = false;
  for (const MountInfo& mount : mounts) {
    if (DeviceNumberOf(mount) != rdev) continue;
    if (mount.root == "/") return mount;
    only_subdirectories = true;
  }
  if (only_subdirectories) {
    return Status(Code::kVolumeNotSupported,
                  volume +
                      " is mounted only as bind mounts of "
                      "subdirectories, not as a whole filesystem");
  }
  return Status(Code::kVolumeNotSupported, volume + " is not mounted");
}

// The value of KEY= in a sysfs uevent file ("DEVNAME=loop3").
std::string UeventValue(const std::string& uevent, std::string_view key) {
  std::string_view rest(uevent);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    if (line.size() > key.size() && line.starts_with(key) &&
        line[key.size()] == '=') {
      return std::string(line.substr(key.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return "";
}

// "/dev/NAME" of the block device `dev`, checked to be that device.
Result<std::string> BlockDevicePath(const std::string& sysfs, dev_t dev) {
  SP_ASSIGN_OR_RETURN(const std::string uevent,
                      ReadSmallFile(sysfs + "/uevent", 1 << 16));
  const std::string name = UeventValue(uevent, "DEVNAME");
  if (name.empty() || name.find("..") != std::string::npos) {
    return Status(Code::kIoError, sysfs + "/uevent names no device");
  }
  std::string path = "/dev/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FromErrno(errno, "stat " + path);
  if (!S_ISBLK(st.st_mode) || st.st_rdev != dev) {
    return Status(Code::kVolumeNotSupported,
                  path + " is not the block device " + DeviceNumberText(dev));
  }
  return path;
}

bool HasWord(std::string_view options, std::string_view word) {
  while (true) {
    const size_t comma = options.find(',');
    if (options.substr(0, comma) == word) return true;
    if (comma == std::string_view::npos) return false;
    options.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<VolumeInfo> ProbeVolume(const std::string& volume) {
  if (volume.empty()) return Status(Code::kInvalidArg, "empty volume name");
  struct stat st {};
  if (::stat(volume.c_str(), &st) != 0) {
    return FromErrno(errno, "stat " + volume);
  }
  SP_ASSIGN_OR_RETURN(const std::vector<MountInfo> mounts, ReadMounts());

  MountInfo mount;
  if (S_ISBLK(st.st_mode)) {
    SP_ASSIGN_OR_RETURN(mount, FirstMountOfDevice(mounts, st.st_rdev, volume));
  } else {
    SP_ASSIGN_OR_RETURN(const std::string resolved, ResolvePath(volume));
    SP_ASSIGN_OR_RETURN(mount, FindMountIn(mounts, resolved));
    if (mount.root != "/") {
      return Status(Code::kVolumeNotSupported,
                    volume + " is on " + mount.mount_point +
                        ", a bind mount of the subdirectory " + mount.root +
                        ": a volume is a whole filesystem");
    }
    // A path whose st_dev is not the mount's (a btrfs subvolume, a mount
    // that changed meanwhile) is not a volume we can name reliably.
    if (st.st_dev != DeviceNumberOf(mount)) {
      return Status(Code::kVolumeNotSupported,
                    volume + " has device " + DeviceNumberText(st.st_dev) +
                        " but its mount " + mount.mount_point + " has " +
                        DeviceNumberText(DeviceNumberOf(mount)));
    }
  }

  const dev_t dev = DeviceNumberOf(mount);
  const std::string sysfs = "/sys/dev/block/" + DeviceNumberText(dev);
  if (!PathExists(sysfs)) {
    return Status(Code::kVolumeNotSupported,
                  volume + " is on a " + mount.fs_type + " filesystem (" +
                      mount.source + " at " + mount.mount_point +
                      ") without a block device");
  }

  VolumeInfo info;
  SP_ASSIGN_OR_RETURN(info.device, BlockDevicePath(sysfs, dev));
  info.device_number = dev;
  info.mount_point = mount.mount_point;
  info.fs_type = mount.fs_type;
  info.read_only = mount.read_only() || HasWord(mount.super_options, "ro");
  SP_ASSIGN_OR_RETURN(info.fs_uuid, FilesystemUuid(info.device));
  if (PathExists(sysfs + "/loop")) {
    SP_ASSIGN_OR_RETURN(info.loop_backing_file, LoopBackingFile(info.device));
  }
  return info;
}

Result<std::string> FilesystemUuid(const std::string& device) {
  errno = 0;
  std::unique_ptr<blkid_struct_probe, void (*)(blkid_probe)> probe(
      blkid_new_probe_from_filename(device.c_str()), &blkid_free_probe);
  if (probe == nullptr) {
    return FromErrno(errno != 0 ? errno : EIO,
                     "opening " + device + " (blkid)");
  }
  if (blkid_probe_enable_superblocks(probe.get(), 1) != 0 ||
      blkid_probe_set_superblocks_flags(
          probe.get(), BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE) != 0) {
    return Status(Code::kIoError, "configuring blkid for " + device);
  }
  errno = 0;
  const int rc = blkid_do_safeprobe(probe.get());
  if (rc == 1) return std::string();  // no signature at all
  if (rc == -2) {
    return Status(Code::kVolumeNotSupported,
                  device + " carries several filesystem signatures (blkid)");
  }
  if (rc != 0) {
    return FromErrno(errno != 0 ? errno : EIO,
                     "probing " + device + " (blkid)");
  }
  const char* data = nullptr;
  size_t size = 0;
  if (blkid_probe_lookup_value(probe.get(), "UUID", &data, &size) != 0 ||
      data == nullptr) {
    return std::string();
  }
  std::string uuid(data, size);
  while (!uuid.empty() && uuid.back() == '\0') uuid.pop_back();  // size + NUL
  for (char& c : uuid) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return uuid;
}

namespace {

// st_dev of `path`, or of its nearest existing ancestor when it does not
// exist yet (a log file not yet created lands on that filesystem).
Result<dev_t> DeviceOfPathOrAncestor(const std::string& path) {
  std::string current = path;
  while (true) {
    struct stat st {};
    if (::stat(current.c_str(), &st) == 0) return st.st_dev;
    const int err = errno;
    if ((err != ENOENT && err != ENOTDIR) || current == "/" || current == ".") {
      return FromErrno(err, "stat " + current);
    }
    current = ParentDirectory(current);
  }
}

}  // namespace

Status CheckFreezeAllowed(const std::string& mount_point,
                          const std::vector<std::string>& protected_paths) {
  struct stat st {};
  if (::stat(mount_point.c_str(), &st) != 0) {
    return FromErrno(errno, "stat " + mount_point);
  }
  struct stat root {};
  if (::stat("/", &root) != 0) return FromErrno(errno, "stat /");
  if (st.st_dev == root.st_dev) {
    return Status(Code::kFreezeRefused,
                  mount_point +
                      " is on the root filesystem, which cannot be "
                      "frozen safely");
  }
  for (const std::string& path : protected_paths) {
    SP_ASSIGN_OR_RETURN(const dev_t dev, DeviceOfPathOrAncestor(path));
    if (dev == st.st_dev) {
      std::string message = mount_point;
      message += " holds ";
      message += path;
      message += ", which the freezer needs while the filesystem is frozen";
      return Status(Code::kFreezeRefused, std::move(message));
    }
  }
  return Status::Ok();
}

}  // namespace sp::os
