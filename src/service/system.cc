#include "service/system.h"

#include "os/file_util.h"
#include "os/filesystem_identity.h"
#include "os/freeze_watchdog.h"
#include "os/mounts.h"

namespace sp::service {
namespace {

class WatchdogFrozen final : public FrozenFilesystems {
 public:
  explicit WatchdogFrozen(std::unique_ptr<os::FreezeWatchdog> watchdog)
      : watchdog_(std::move(watchdog)) {}
  Status Thaw() override { return watchdog_->Thaw(); }
  std::chrono::microseconds freezing_time() const override {
    return watchdog_->freezing_time();
  }

 private:
  std::unique_ptr<os::FreezeWatchdog> watchdog_;  // thaws when destroyed
};

class RealSystem final : public System {
 public:
  RealSystem(std::vector<std::string> protected_paths,
             std::string freezer_program)
      : protected_paths_(std::move(protected_paths)),
        freezer_program_(std::move(freezer_program)) {}

  Result<os::VolumeInfo> ProbeVolume(const std::string& volume) override {
    return os::ProbeVolume(volume);
  }

  Status CheckFreezeAllowed(const std::string& mount_point) override {
    return os::CheckFreezeAllowed(mount_point, protected_paths_);
  }

  Result<std::unique_ptr<FrozenFilesystems>> Freeze(
      const std::vector<std::string>& mount_points,
      const FreezeLimits& limits) override {
    os::FreezeOptions options;
    options.freezer_program = freezer_program_;
    options.mount_points = mount_points;
    options.flush_timeout = limits.flush_timeout;
    options.hold_timeout = limits.hold_timeout;
    SP_ASSIGN_OR_RETURN(std::unique_ptr<os::FreezeWatchdog> watchdog,
                        os::FreezeWatchdog::Freeze(options));
    return std::unique_ptr<FrozenFilesystems>(
        std::make_unique<WatchdogFrozen>(std::move(watchdog)));
  }

  Status MountReadOnly(const std::string& device, const std::string& target,
                       const std::string& fs_type,
                       const std::string& data) override {
    SP_RETURN_IF_ERROR(os::MakeDirectories(target, 0755));
    os::MountOptions options;
    options.read_only = true;
    options.no_suid = true;
    options.no_dev = true;
    options.no_exec = true;
    options.data = data;
    return os::Mount(device, target, fs_type, options);
  }

  Status Unmount(const std::string& target) override {
    SP_RETURN_IF_ERROR(os::Unmount(target));
    return os::RemoveEmptyDirectory(target);
  }

  Result<std::vector<std::string>> MountsOf(
      const std::string& device) override {
    SP_ASSIGN_OR_RETURN(std::string text,
                        os::ReadSmallFile("/proc/self/mountinfo", 16u << 20));
    SP_ASSIGN_OR_RETURN(std::vector<os::MountInfo> mounts,
                        os::ParseMountInfo(text));
    std::vector<std::string> out;
    for (const os::MountInfo& m : mounts) {
      if (m.source == device) out.push_back(m.mount_point);
    }
    return out;
  }

  Result<std::string> NewFilesystemIdentity(
      const std::string& device, const std::string& fs_type) override {
    return os::NewFilesystemIdentity(device, fs_type);
  }

 private:
  const std::vector<std::string> protected_paths_;
  const std::string freezer_program_;
};

}  // namespace

std::unique_ptr<System> MakeRealSystem(std::vector<std::string> protected_paths,
                                       std::string freezer_program) {
  return std::make_unique<RealSystem>(std::move(protected_paths),
                                      std::move(freezer_program));
}

}  // namespace sp::service
