#include "support/fake_system.h"

#include <utility>

#include "os/filesystem_identity.h"

namespace sp::fakes {

// Thaws once: at Thaw() or, failing that, at destruction (errors dropped,
// as the interface says).
class FakeSystem::Frozen : public service::FrozenFilesystems {
 public:
  Frozen(FakeSystem* system, std::vector<std::string> mounts)
      : system_(system), mounts_(std::move(mounts)) {}
  ~Frozen() override {
    if (!thawed_) (void)Thaw();
  }

  Status Thaw() override {
    if (thawed_) return Status::Ok();
    thawed_ = true;
    system_->journal_.push_back("Thaw");
    for (const std::string& m : mounts_) {
      auto it = system_->frozen_.find(m);
      if (it != system_->frozen_.end()) system_->frozen_.erase(it);
    }
    return std::exchange(system_->next_thaw_result_, Status::Ok());
  }

 private:
  FakeSystem* const system_;
  const std::vector<std::string> mounts_;
  bool thawed_ = false;
};

void FakeSystem::AddVolume(const std::string& name,
                           const os::VolumeInfo& info) {
  volumes_[name] = info;
}

void FakeSystem::RefuseFreeze(const std::string& mount_point) {
  refused_.insert(mount_point);
}

void FakeSystem::FailNextFreeze(Status status) {
  next_freeze_failure_ = std::move(status);
}

void FakeSystem::SetNextThawResult(Status status) {
  next_thaw_result_ = std::move(status);
}

Result<os::VolumeInfo> FakeSystem::ProbeVolume(const std::string& volume) {
  auto it = volumes_.find(volume);
  if (it == volumes_.end()) {
    return Status(Code::kObjectNotFound, volume + " does not exist (fake)");
  }
  return it->second;
}

Status FakeSystem::CheckFreezeAllowed(const std::string& mount_point) {
  if (refused_.count(mount_point) != 0) {
    return Status(Code::kFreezeRefused,
                  mount_point + " must not be frozen (fake)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<service::FrozenFilesystems>> FakeSystem::Freeze(
    const std::vector<std::string>& mount_points,
    const service::FreezeLimits& limits) {
  ++freeze_calls_;
  last_limits_ = limits;
  std::string entry = "Freeze";
  for (const std::string& m : mount_points) entry += " " + m;
  journal_.push_back(entry);
  if (!next_freeze_failure_.ok()) {
    return std::exchange(next_freeze_failure_, Status::Ok());
  }
  for (const std::string& m : mount_points) frozen_.insert(m);
  return std::unique_ptr<service::FrozenFilesystems>(
      std::make_unique<Frozen>(this, mount_points));
}

Status FakeSystem::MountReadOnly(const std::string& device,
                                 const std::string& target,
                                 const std::string& fs_type,
                                 const std::string& data) {
  journal_.push_back("Mount " + device + " " + target + " " + fs_type + " " +
                     data);
  if (!next_mount_failure_.ok()) {
    return std::exchange(next_mount_failure_, Status());
  }
  if (mounts_.count(target) != 0) {
    return Status(Code::kVolumeInUse, "fake: " + target + " is mounted");
  }
  mounts_[target] = device;
  return Status::Ok();
}

Status FakeSystem::Unmount(const std::string& target) {
  journal_.push_back("Unmount " + target);
  if (mounts_.erase(target) == 0) {
    return Status(Code::kInvalidArg, "fake: " + target + " is not mounted");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> FakeSystem::MountsOf(
    const std::string& device) {
  std::vector<std::string> out;
  for (const auto& [target, source] : mounts_) {
    if (source == device) out.push_back(target);
  }
  return out;
}

Result<std::string> FakeSystem::NewFilesystemIdentity(
    const std::string& device, const std::string& fs_type) {
  journal_.push_back("NewIdentity " + device + " " + fs_type);
  if (!next_identity_failure_.ok()) {
    return std::exchange(next_identity_failure_, Status());
  }
  if (!os::CanRenewFilesystemIdentity(fs_type)) {
    return Status(Code::kVolumeNotSupported,
                  "fake: no new identity for " + fs_type);
  }
  return "new-uuid-" + std::to_string(next_uuid_++);
}

}  // namespace sp::fakes
