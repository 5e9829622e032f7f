#include "os/loop_device.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/major.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "os/file_util.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

// Another process may take the device LOOP_CTL_GET_FREE gave us before we
// configure it (EBUSY): ask again, this many times.
constexpr int kMaxAttachRaces = 16;
// devtmpfs creates /dev/loopN right after LOOP_CTL_GET_FREE adds a device;
// a brief ENOENT is waited out.
constexpr int kMaxNodeWaits = 50;
constexpr auto kNodeWait = std::chrono::milliseconds(10);
// LOOP_CLR_FD answers EBUSY while a prober holds the device on some kernels.
constexpr int kMaxDetachRetries = 5;
constexpr auto kDetachRetryWait = std::chrono::milliseconds(100);
// How long DetachLoopDevice waits for the kernel to finish the detach.
constexpr auto kDetachSettle = std::chrono::seconds(1);
constexpr auto kDetachPoll = std::chrono::milliseconds(10);

std::string LoopPath(uint32_t number) {
  return "/dev/loop" + std::to_string(number);
}

std::string LoopSysfsName(uint32_t number) {
  return "/sys/block/loop" + std::to_string(number);
}

// The device number of the loop device at `device_path`; kInvalidArg when
// it is not one.
Result<dev_t> LoopDeviceNumber(const std::string& device_path) {
  struct stat st {};
  if (::stat(device_path.c_str(), &st) != 0) {
    return FromErrno(errno, "stat " + device_path);
  }
  if (!S_ISBLK(st.st_mode) || major(st.st_rdev) != LOOP_MAJOR) {
    return Status(Code::kInvalidArg, device_path + " is not a loop device");
  }
  return st.st_rdev;
}

// /sys/dev/block/MAJ:MIN of the loop device at `device_path`.
Result<std::string> LoopSysfsDir(const std::string& device_path) {
  SP_ASSIGN_OR_RETURN(const dev_t rdev, LoopDeviceNumber(device_path));
  return "/sys/dev/block/" + std::to_string(major(rdev)) + ":" +
         std::to_string(minor(rdev));
}

// LOOP_GET_STATUS64 on an open loop device; kObjectNotFound when unbound.
Result<loop_info64> GetStatus(int fd, const std::string& device_path) {
  loop_info64 info{};
  if (::ioctl(fd, LOOP_GET_STATUS64, &info) != 0) {
    const int err = errno;
    Status status = FromErrno(err, "LOOP_GET_STATUS64 on " + device_path);
    if (err == ENXIO) {
      return Status(Code::kObjectNotFound,
                    status.message() + " (the device is not attached)");
    }
    return status;
  }
  return info;
}

Result<UniqueFd> OpenLoop(const std::string& device_path, int flags) {
  SP_RETURN_IF_ERROR(LoopDeviceNumber(device_path).status());
  UniqueFd fd(RetryOnEintr(
      [&] { return ::open(device_path.c_str(), flags | O_CLOEXEC); }));
  if (!fd.valid()) return FromErrno(errno, "opening " + device_path);
  return fd;
}

// Opens /dev/loopN, which devtmpfs may create a moment after the device.
Result<UniqueFd> OpenNewLoopNode(const std::string& path) {
  for (int wait = 0;; ++wait) {
    UniqueFd fd(
        RetryOnEintr([&] { return ::open(path.c_str(), O_RDWR | O_CLOEXEC); }));
    if (fd.valid()) return fd;
    if (errno != ENOENT || wait >= kMaxNodeWaits) {
      return FromErrno(errno, "opening " + path);
    }
    std::this_thread::sleep_for(kNodeWait);
  }
}

bool SameBacking(const loop_info64& info, const LoopDevice& device) {
  return info.lo_device == device.backing_dev &&
         info.lo_inode == device.backing_ino;
}

}  // namespace

Result<LoopDevice> AttachLoopDevice(const std::string& file,
                                    LoopAccess access) {
  const bool read_only = access == LoopAccess::kReadOnly;
  UniqueFd backing(RetryOnEintr([&] {
    return ::open(file.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  }));
  if (!backing.valid()) {
    return FromErrno(errno, "opening " + file + " to attach a loop device");
  }
  struct stat st {};
  if (::fstat(backing.get(), &st) != 0) {
    return FromErrno(errno, "stat " + file);
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArg,
                  file + " is not a regular file; cannot attach it");
  }
  UniqueFd control(RetryOnEintr(
      [] { return ::open("/dev/loop-control", O_RDWR | O_CLOEXEC); }));
  if (!control.valid()) return FromErrno(errno, "opening /dev/loop-control");

  loop_config config{};
  config.fd = static_cast<uint32_t>(backing.get());
  config.info.lo_flags = read_only ? LO_FLAGS_READ_ONLY : 0;
  std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), file.c_str(),
               LO_NAME_SIZE - 1);

  for (int race = 0; race < kMaxAttachRaces; ++race) {
    const int number =
        RetryOnEintr([&] { return ::ioctl(control.get(), LOOP_CTL_GET_FREE); });
    if (number < 0) {
      return FromErrno(errno, "LOOP_CTL_GET_FREE on /dev/loop-control");
    }
    const std::string path = LoopPath(static_cast<uint32_t>(number));
    SP_ASSIGN_OR_RETURN(UniqueFd loop, OpenNewLoopNode(path));
    if (::ioctl(loop.get(), LOOP_CONFIGURE, &config) == 0) {
      return LoopDevice{path, static_cast<uint64_t>(st.st_dev),
                        static_cast<uint64_t>(st.st_ino), read_only};
    }
    const int err = errno;
    if (err == EBUSY || err == EINTR || err == EAGAIN) continue;  // lost it
    std::string what = "LOOP_CONFIGURE of " + path;
    what += " for " + file;
    Status status = FromErrno(err, what);
    if (err == ENOTTY) {
      return Status(Code::kNotSupported,
                    status.message() + " (LOOP_CONFIGURE needs Linux 5.8+)");
    }
    return status;
  }
  return Status(Code::kVolumeInUse, "attaching " + file +
                                        ": every free loop device was taken by "
                                        "another process first (" +
                                        std::to_string(kMaxAttachRaces) +
                                        " tries)");
}

Result<LoopDevice> InspectLoopDevice(const std::string& device_path) {
  SP_ASSIGN_OR_RETURN(UniqueFd fd, OpenLoop(device_path, O_RDONLY));
  SP_ASSIGN_OR_RETURN(const loop_info64 info, GetStatus(fd.get(), device_path));
  return LoopDevice{LoopPath(info.lo_number), info.lo_device, info.lo_inode,
                    (info.lo_flags & LO_FLAGS_READ_ONLY) != 0};
}

Status DetachLoopDevice(const LoopDevice& device) {
  SP_ASSIGN_OR_RETURN(const std::string sysfs, LoopSysfsDir(device.path));
  const std::string backing_file_path = sysfs + "/loop/backing_file";
  std::string backing_name;
  {
    // O_RDONLY: a read-only loop device refuses O_RDWR, and LOOP_CLR_FD
    // needs neither.
    SP_ASSIGN_OR_RETURN(UniqueFd fd, OpenLoop(device.path, O_RDONLY));
    Result<loop_info64> info = GetStatus(fd.get(), device.path);
    if (!info.ok()) {
      return std::move(info).status().WithContext("detaching " + device.path);
    }
    if (!SameBacking(*info, device)) {
      return Status(Code::kObjectNotFound,
                    "detaching " + device.path +
                        ": it is now backed by another file; left alone");
    }
    Result<std::string> name = ReadSmallFile(backing_file_path, 1 << 16);
    if (name.ok()) backing_name = *name;
    for (int attempt = 0;; ++attempt) {
      if (::ioctl(fd.get(), LOOP_CLR_FD, 0) == 0) break;
      const int err = errno;
      if ((err == EBUSY || err == EINTR) && attempt < kMaxDetachRetries) {
        std::this_thread::sleep_for(kDetachRetryWait * (attempt + 1));
        continue;
      }
      Status status = FromErrno(err, "LOOP_CLR_FD on " + device.path);
      if (err == ENXIO) {
        return Status(Code::kObjectNotFound,
                      status.message() + " (the device is not attached)");
      }
      return status;
    }
  }  // Our descriptor closes here; the kernel tears down on the last close.

  // Wait until sysfs shows the device unbound (or bound to something else:
  // another process may have attached it the moment it was free).
  const auto until = std::chrono::steady_clock::now() + kDetachSettle;
  while (std::chrono::steady_clock::now() < until) {
    Result<std::string> now = ReadSmallFile(backing_file_path, 1 << 16);
    if (!now.ok() || *now != backing_name) break;
    std::this_thread::sleep_for(kDetachPoll);
  }
  return Status::Ok();
}

Result<std::string> LoopBackingFile(const std::string& device_path) {
  SP_ASSIGN_OR_RETURN(const std::string sysfs, LoopSysfsDir(device_path));
  Result<std::string> name =
      ReadSmallFile(sysfs + "/loop/backing_file", 1 << 16);
  if (!name.ok()) {
    if (name.status().code() == Code::kObjectNotFound) {
      return Status(Code::kObjectNotFound,
                    device_path + " is not attached to a file");
    }
    return std::move(name).status();
  }
  std::string text = std::move(name).value();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Result<std::vector<std::string>> LoopDevicesBackedBy(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return FromErrno(errno, "stat " + file);
  }
  const LoopDevice wanted{"", static_cast<uint64_t>(st.st_dev),
                          static_cast<uint64_t>(st.st_ino), false};

  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/sys/block"), ::closedir);
  if (dir == nullptr) return FromErrno(errno, "opening /sys/block");
  std::vector<uint32_t> numbers;
  errno = 0;
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string_view name(entry->d_name);
    if (!name.starts_with("loop")) continue;
    name.remove_prefix(4);
    uint32_t number = 0;
    const auto [end, ec] =
        std::from_chars(name.data(), name.data() + name.size(), number);
    if (name.empty() || ec != std::errc() || end != name.data() + name.size()) {
      continue;
    }
    // Only bound devices have the loop/backing_file attribute.
    if (!PathExists(LoopSysfsName(number) + "/loop/backing_file")) continue;
    numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());

  std::vector<std::string> devices;
  for (uint32_t number : numbers) {
    const std::string path = LoopPath(number);
    Result<UniqueFd> fd = OpenLoop(path, O_RDONLY);
    if (!fd.ok()) continue;  // detached or removed meanwhile
    Result<loop_info64> info = GetStatus(fd->get(), path);
    if (info.ok() && SameBacking(*info, wanted)) devices.push_back(path);
  }
  return devices;
}

ScopedLoopDevice::ScopedLoopDevice(ScopedLoopDevice&& other) noexcept
    : device_(std::move(other.device_)),
      owned_(std::exchange(other.owned_, false)) {}

// NOLINTNEXTLINE(bugprone-exception-escape): see the destructor.
ScopedLoopDevice& ScopedLoopDevice::operator=(
    ScopedLoopDevice&& other) noexcept {
  if (this != &other) {
    (void)Detach();
    device_ = std::move(other.device_);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

// clang-tidy sees std::get's bad_variant_access behind Result::value(); it is
// never thrown, as every value() follows an ok() check, and bad_alloc ends
// the program (no exceptions in shadowport).
// NOLINTNEXTLINE(bugprone-exception-escape)
ScopedLoopDevice::~ScopedLoopDevice() { (void)Detach(); }

Result<ScopedLoopDevice> ScopedLoopDevice::Attach(const std::string& file,
                                                  LoopAccess access) {
  SP_ASSIGN_OR_RETURN(LoopDevice device, AttachLoopDevice(file, access));
  return ScopedLoopDevice(std::move(device));
}

Status ScopedLoopDevice::Detach() {
  if (!owned_) return Status::Ok();
  owned_ = false;
  return DetachLoopDevice(device_);
}

LoopDevice ScopedLoopDevice::Release() {
  owned_ = false;
  return device_;
}

}  // namespace sp::os
