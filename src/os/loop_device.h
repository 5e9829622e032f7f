// Loop devices: a regular file (a LUN of the embedded array, a pool image)
// presented as a block device /dev/loopN.
//
// Attaching uses /dev/loop-control (LOOP_CTL_GET_FREE) and LOOP_CONFIGURE
// (Linux 5.8+), which binds file and flags in one step. Detaching clears
// exactly one device, and only when it is still backed by the file that was
// attached (device and inode compared), so a device number someone else got
// after us is never touched. Nothing here detaches by pattern or "all"
// (never `losetup -D`).
//
// Thread safety: free functions, safe to call concurrently (the kernel
// arbitrates; lost races for a free device are retried). A ScopedLoopDevice
// is owned by one thread at a time.
#ifndef SHADOWPORT_OS_LOOP_DEVICE_H_
#define SHADOWPORT_OS_LOOP_DEVICE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

enum class LoopAccess {
  kReadOnly,  // LO_FLAGS_READ_ONLY, backing file opened O_RDONLY
  kReadWrite,
};

// An attached loop device and the identity of its backing file.
struct LoopDevice {
  std::string path;          // "/dev/loop3"
  uint64_t backing_dev = 0;  // st_dev of the backing file
  uint64_t backing_ino = 0;  // st_ino of the backing file
  bool read_only = false;
};

// Attaches `file` (an existing regular file) to a free loop device. Fails
// with kObjectNotFound when the file does not exist, kInvalidArg when it is
// not a regular file, kAccessDeniedLocal without CAP_SYS_ADMIN, kNotSupported
// when the kernel lacks LOOP_CONFIGURE, VSS_E_VOLUME_IN_USE when the races for
// a free device were lost too often, else as FromErrno maps the error.
Result<LoopDevice> AttachLoopDevice(const std::string& file, LoopAccess access);

// What the kernel says about the loop device `device_path` (any path of the
// block device, e.g. "/dev/loop3"): its backing file's identity and
// read-only flag (LOOP_GET_STATUS64). kInvalidArg when it is not a loop
// device, kObjectNotFound when it is not attached.
Result<LoopDevice> InspectLoopDevice(const std::string& device_path);

// Detaches `device` (LOOP_CLR_FD) if it is still backed by the file with
// device.backing_dev / backing_ino; fails with kObjectNotFound, touching
// nothing, when it is no longer attached or is backed by another file. EBUSY
// is retried a few times, then VSS_E_VOLUME_IN_USE. When the device is still
// open elsewhere (mounted, held by a prober) the kernel completes the detach
// when the last user closes it (autoclear); this waits up to a second for
// the detach to finish and returns Ok either way.
Status DetachLoopDevice(const LoopDevice& device);

// The backing file of `device_path` as the kernel names it
// (/sys/dev/block/MAJ:MIN/loop/backing_file; " (deleted)" when unlinked).
// kInvalidArg when it is not a loop device, kObjectNotFound when not attached.
Result<std::string> LoopBackingFile(const std::string& device_path);

// The loop devices ("/dev/loopN", sorted by N) currently backed by `file`
// (the same inode, or the same canonical path if it was replaced).
Result<std::vector<std::string>> LoopDevicesBackedBy(const std::string& file);

// Owns one attached loop device: detaches it when destroyed unless
// released. Detach errors in the destructor are dropped; call Detach() to
// see them.
class ScopedLoopDevice {
 public:
  ScopedLoopDevice() = default;
  explicit ScopedLoopDevice(LoopDevice device)
      : device_(std::move(device)), owned_(true) {}
  ScopedLoopDevice(ScopedLoopDevice&& other) noexcept;
  // NOLINTNEXTLINE(bugprone-exception-escape): see loop_device.cc
  ScopedLoopDevice& operator=(ScopedLoopDevice&& other) noexcept;
  ScopedLoopDevice(const ScopedLoopDevice&) = delete;
  ScopedLoopDevice& operator=(const ScopedLoopDevice&) = delete;
  ~ScopedLoopDevice();  // NOLINT(bugprone-exception-escape): see .cc

  // Attaches `file` and owns the device.
  static Result<ScopedLoopDevice> Attach(const std::string& file,
                                         LoopAccess access);

  bool owns() const { return owned_; }
  const LoopDevice& device() const { return device_; }
  const std::string& path() const { return device_.path; }

  // Detaches now (DetachLoopDevice); the guard owns nothing afterwards,
  // whatever the outcome.
  Status Detach();

  // Gives up ownership: the device stays attached.
  LoopDevice Release();

 private:
  LoopDevice device_;
  bool owned_ = false;
};

}  // namespace sp::os

#endif  // SHADOWPORT_OS_LOOP_DEVICE_H_
