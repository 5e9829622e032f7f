// Volume probing and the freeze safety check without root: missing paths,
// filesystems without a block device, and the refusals of
// CheckFreezeAllowed. The loop-device cases are in
// tests/integration/volume_probe_mount_test.cc.
#include "os/volume_probe.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "os/mounts.h"

namespace sp::os {
namespace {

bool IsTmpfs(const std::string& path) {
  Result<MountInfo> mount = FindMount(path);
  return mount.ok() && mount->fs_type == "tmpfs" && mount->mount_point == path;
}

dev_t DeviceOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_dev : 0;
}

TEST(ProbeVolume, MissingPathIsNotFound) {
  Result<VolumeInfo> info = ProbeVolume("/nonexistent-sp-volume/sub");
  EXPECT_EQ(info.status().code(), Code::kObjectNotFound)
      << info.status().ToString();
  EXPECT_NE(info.status().message().find("/nonexistent-sp-volume/sub"),
            std::string::npos);
}

TEST(ProbeVolume, EmptyNameIsInvalid) {
  EXPECT_EQ(ProbeVolume("").status().code(), Code::kInvalidArg);
}

TEST(ProbeVolume, TmpfsIsNotSupported) {
  if (!IsTmpfs("/dev/shm")) GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  Result<VolumeInfo> info = ProbeVolume("/dev/shm");
  EXPECT_EQ(info.status().code(), Code::kVolumeNotSupported)
      << info.status().ToString();
  EXPECT_NE(info.status().message().find("tmpfs"), std::string::npos)
      << info.status().message();
}

TEST(ProbeVolume, ProcIsNotSupported) {
  Result<VolumeInfo> info = ProbeVolume("/proc/self");
  EXPECT_EQ(info.status().code(), Code::kVolumeNotSupported)
      << info.status().ToString();
}

TEST(FilesystemUuid, MissingDeviceIsNotFound) {
  EXPECT_EQ(FilesystemUuid("/dev/nonexistent-sp-device").status().code(),
            Code::kObjectNotFound);
}

TEST(CheckFreezeAllowed, RefusesTheRootFilesystem) {
  Status status = CheckFreezeAllowed("/", {});
  EXPECT_EQ(status.code(), Code::kFreezeRefused) << status.ToString();
  EXPECT_NE(status.message().find("root filesystem"), std::string::npos);
  // Any path on it is the same filesystem.
  if (DeviceOf("/etc") == DeviceOf("/")) {
    EXPECT_EQ(CheckFreezeAllowed("/etc", {}).code(), Code::kFreezeRefused);
  }
}

TEST(CheckFreezeAllowed, RefusesAFilesystemHoldingAProtectedPath) {
  // /tmp may be on "/": refused either way.
  std::string dir = "/tmp/sp_freeze_allowed.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  Status status = CheckFreezeAllowed("/tmp", {dir});
  EXPECT_EQ(status.code(), Code::kFreezeRefused) << status.ToString();
  std::filesystem::remove(dir);

  if (!IsTmpfs("/dev/shm") || DeviceOf("/dev/shm") == DeviceOf("/")) {
    GTEST_SKIP() << "no tmpfs at /dev/shm apart from /";
  }
  // A protected file not yet created counts where it would be created.
  status = CheckFreezeAllowed(
      "/dev/shm", {"/proc/self/status", "/dev/shm/sp-missing/state.db"});
  EXPECT_EQ(status.code(), Code::kFreezeRefused) << status.ToString();
  EXPECT_NE(status.message().find("/dev/shm/sp-missing/state.db"),
            std::string::npos)
      << status.message();
  // Protected paths elsewhere: allowed (the check only compares devices).
  status = CheckFreezeAllowed("/dev/shm", {"/proc/self/status"});
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(CheckFreezeAllowed, MissingMountPointIsNotFound) {
  EXPECT_EQ(CheckFreezeAllowed("/nonexistent-sp-volume", {}).code(),
            Code::kObjectNotFound);
}

}  // namespace
}  // namespace sp::os
