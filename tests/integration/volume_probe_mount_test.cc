// ProbeVolume and CheckFreezeAllowed on real loop volumes (XFS, ext4):
// device, device number, fs type, the UUID blkid prints, the backing file;
// a path inside, the device itself, a bind mount of a subdirectory and a
// device that is not mounted. Needs root.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "loop_volume.h"
#include "os/mounts.h"
#include "os/process.h"
#include "os/volume_probe.h"

namespace sp::os {
namespace {

namespace fs = std::filesystem;

using VolumeProbeTest = LoopVolumeTest;

std::string BlkidUuid(const std::string& device) {
  Result<ProcessResult> r =
      RunProcessChecked({"blkid", "-p", "-s", "UUID", "-o", "value", device});
  if (!r.ok()) return "blkid failed: " + r.status().ToString();
  std::string out = r->out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

void ExpectDescribes(const VolumeInfo& info, const LoopVolume& volume,
                     const std::string& fs_type) {
  EXPECT_EQ(info.device, volume.device());
  struct stat st {};
  ASSERT_EQ(::stat(volume.device().c_str(), &st), 0);
  EXPECT_EQ(info.device_number, st.st_rdev);
  ASSERT_EQ(::stat(volume.mount_point().c_str(), &st), 0);
  EXPECT_EQ(info.device_number, st.st_dev);
  EXPECT_EQ(info.mount_point, volume.mount_point());
  EXPECT_EQ(info.fs_type, fs_type);
  EXPECT_EQ(info.fs_uuid.size(), 36u) << info.fs_uuid;
  EXPECT_EQ(info.fs_uuid, BlkidUuid(volume.device()));
  EXPECT_FALSE(info.read_only);
  EXPECT_EQ(info.loop_backing_file, volume.image());
}

TEST_F(VolumeProbeTest, ProbesXfsAndExt4LoopVolumes) {
  Result<std::unique_ptr<LoopVolume>> xfs =
      LoopVolume::Create(dir_, "xfs", "xfs", 512);
  ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
  Result<std::unique_ptr<LoopVolume>> ext4 =
      LoopVolume::Create(dir_, "ext4", "ext4", 64);
  ASSERT_TRUE(ext4.ok()) << ext4.status().ToString();

  Result<VolumeInfo> info = ProbeVolume((*xfs)->mount_point());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ExpectDescribes(*info, **xfs, "xfs");

  // A path inside, through a symlink and "..", and the device itself.
  const std::string inside = (*ext4)->mount_point() + "/a/b";
  fs::create_directories(inside);
  fs::create_directory_symlink(inside, Path("link"));
  for (const std::string& volume : {(*ext4)->mount_point(), inside + "/..",
                                    Path("link"), (*ext4)->device()}) {
    info = ProbeVolume(volume);
    ASSERT_TRUE(info.ok()) << volume << ": " << info.status().ToString();
    ExpectDescribes(*info, **ext4, "ext4");
  }

  Result<std::string> uuid = FilesystemUuid((*xfs)->device());
  ASSERT_TRUE(uuid.ok()) << uuid.status().ToString();
  EXPECT_EQ(*uuid, BlkidUuid((*xfs)->device()));
}

TEST_F(VolumeProbeTest, RefusesBindMountsOfSubdirectoriesAndUnmountedDevices) {
  Result<std::unique_ptr<LoopVolume>> ext4 =
      LoopVolume::Create(dir_, "ext4", "ext4", 64);
  ASSERT_TRUE(ext4.ok()) << ext4.status().ToString();
  const std::string sub = (*ext4)->mount_point() + "/sub";
  ASSERT_TRUE(fs::create_directory(sub));
  ASSERT_TRUE(fs::create_directory(Path("bind")));
  ASSERT_TRUE(RunProcessChecked({"mount", "--bind", sub, Path("bind")}).ok());
  ScopedMount bind(Path("bind"));

  Result<VolumeInfo> info = ProbeVolume(Path("bind"));
  EXPECT_EQ(info.status().code(), Code::kVolumeNotSupported)
      << info.status().ToString();
  EXPECT_NE(info.status().message().find("bind mount"), std::string::npos);
  // The filesystem behind it is still found by its own mount point.
  EXPECT_TRUE(ProbeVolume((*ext4)->mount_point()).ok());

  // The bind mount cannot hide a protected path from the freeze check.
  Status allowed =
      CheckFreezeAllowed((*ext4)->mount_point(), {Path("bind") + "/state.db"});
  EXPECT_EQ(allowed.code(), Code::kFreezeRefused) << allowed.ToString();
  allowed = CheckFreezeAllowed((*ext4)->mount_point(), {Path("other.db")});
  EXPECT_TRUE(allowed.ok()) << allowed.ToString();
  ASSERT_TRUE(bind.Unmount().ok());

  // A device that is attached but not mounted.
  Result<ScopedLoopDevice> loop =
      ScopedLoopDevice::Attach((*ext4)->image(), LoopAccess::kReadOnly);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  info = ProbeVolume(loop->path());
  EXPECT_EQ(info.status().code(), Code::kVolumeNotSupported)
      << info.status().ToString();
  EXPECT_NE(info.status().message().find("not mounted"), std::string::npos);
}

TEST_F(VolumeProbeTest, ReportsReadOnlyMounts) {
  Result<std::unique_ptr<LoopVolume>> ext4 =
      LoopVolume::Create(dir_, "ext4", "ext4", 64);
  ASSERT_TRUE(ext4.ok()) << ext4.status().ToString();
  ASSERT_TRUE(
      RunProcessChecked({"mount", "-o", "remount,ro", (*ext4)->mount_point()})
          .ok());
  Result<VolumeInfo> info = ProbeVolume((*ext4)->mount_point());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->read_only);
}

}  // namespace
}  // namespace sp::os
