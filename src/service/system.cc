#include "service/system.h"

#include <utility>

#include "os/freeze_watchdog.h"

namespace sp::service {
namespace {

class WatchdogFrozen final : public FrozenFilesystems {
 public:
  explicit WatchdogFrozen(std::unique_ptr<os::FreezeWatchdog> watchdog)
      : watchdog_(std::move(watchdog)) {}
  Status Thaw() override { return watchdog_->Thaw(); }

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
