// os::NewFilesystemIdentity on real filesystems (what `shadowport break
// --writable` runs on a broken snapshot, docs/fast-recovery.md): a copy of
// a frozen XFS or ext4 volume, taken as the array takes a snapshot, gets a
// new UUID (as blkid reads it) and then mounts read-write beside its origin
// without `nouuid`, which XFS refuses before. An XFS log that needs
// replaying (a frozen copy's, a crashed one's) is replayed first. Needs
// root.
#include "os/filesystem_identity.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "loop_volume.h"
#include "os/freeze.h"
#include "os/mounts.h"
#include "os/process.h"
#include "os/volume_probe.h"

namespace sp::os {
namespace {

namespace fs = std::filesystem;

using FilesystemIdentityTest = LoopVolumeTest;

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

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The array's snapshot, by hand: the origin's image copied while the
// filesystem is frozen (clean log, consistent), attached read-write.
Result<ScopedLoopDevice> CloneFrozen(const LoopVolume& origin,
                                     const std::string& image) {
  ScopedFreeze frozen(origin.mount_point());
  SP_RETURN_IF_ERROR(frozen.status());
  SP_RETURN_IF_ERROR(
      RunProcessChecked({"cp", "--sparse=always", origin.image(), image})
          .status());
  SP_RETURN_IF_ERROR(frozen.Thaw());
  return ScopedLoopDevice::Attach(image, LoopAccess::kReadWrite);
}

// Renews the identity of a frozen copy of a `fs_type` origin, then mounts
// the copy read-write (no nouuid) beside the mounted origin and writes to
// it. With `duplicate_refused`, first shows that the kernel refuses to
// mount the copy while it still has the origin's UUID.
void RenewAndMountBeside(const std::string& dir, const std::string& fs_type,
                         uint64_t size_mib, bool duplicate_refused) {
  Result<std::unique_ptr<LoopVolume>> origin =
      LoopVolume::Create(dir, "origin", fs_type, size_mib);
  ASSERT_TRUE(origin.ok()) << origin.status().ToString();
  const std::string origin_mnt = (*origin)->mount_point();
  ASSERT_TRUE(WriteFile(origin_mnt + "/data", "before the snapshot"));

  Result<ScopedLoopDevice> clone = CloneFrozen(**origin, dir + "/clone.img");
  ASSERT_TRUE(clone.ok()) << clone.status().ToString();
  const std::string origin_uuid = BlkidUuid((*origin)->device());
  ASSERT_EQ(origin_uuid.size(), 36u) << origin_uuid;
  EXPECT_EQ(BlkidUuid(clone->path()), origin_uuid);

  const std::string target = dir + "/clone";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  if (duplicate_refused) {
    Result<ScopedMount> refused =
        ScopedMount::Mount(clone->path(), target, fs_type, {});
    EXPECT_FALSE(refused.ok()) << "mounted a duplicate UUID beside its origin";
  }

  Result<std::string> uuid = NewFilesystemIdentity(clone->path(), fs_type);
  ASSERT_TRUE(uuid.ok()) << uuid.status().ToString();
  EXPECT_EQ(uuid->size(), 36u) << *uuid;
  EXPECT_NE(*uuid, origin_uuid);
  EXPECT_EQ(*uuid, BlkidUuid(clone->path()));
  EXPECT_EQ(BlkidUuid((*origin)->device()), origin_uuid);  // untouched

  // Read-write, default options, the origin still mounted.
  Result<ScopedMount> mounted =
      ScopedMount::Mount(clone->path(), target, fs_type, {});
  ASSERT_TRUE(mounted.ok()) << mounted.status().ToString();
  EXPECT_EQ(ReadFile(target + "/data"), "before the snapshot");
  EXPECT_TRUE(WriteFile(target + "/data", "recovered and changed"));
  EXPECT_TRUE(WriteFile(target + "/new", "only on the copy"));
  EXPECT_EQ(ReadFile(origin_mnt + "/data"), "before the snapshot");
  EXPECT_FALSE(fs::exists(origin_mnt + "/new"));
  Result<VolumeInfo> info = ProbeVolume(target);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->fs_uuid, *uuid);
  EXPECT_FALSE(info->read_only);
  ASSERT_TRUE(mounted->Unmount().ok());
  ASSERT_TRUE(clone->Detach().ok());
}

TEST_F(FilesystemIdentityTest, XfsCopyMountsBesideItsOriginAfterANewUuid) {
  RenewAndMountBeside(dir_, "xfs", 320, /*duplicate_refused=*/true);
}

TEST_F(FilesystemIdentityTest, Ext4CopyGetsANewUuidAndMountsReadWrite) {
  RenewAndMountBeside(dir_, "ext4", 64, /*duplicate_refused=*/false);
}

TEST_F(FilesystemIdentityTest, XfsCrashCopyHasItsLogReplayedFirst) {
  std::string image;
  {
    Result<std::unique_ptr<LoopVolume>> volume =
        LoopVolume::Create(dir_, "crashed", "xfs", 320);
    ASSERT_TRUE(volume.ok()) << volume.status().ToString();
    image = (*volume)->image();
    const std::string mnt = (*volume)->mount_point();
    ASSERT_TRUE(WriteFile(mnt + "/synced", "in the log"));
    ASSERT_TRUE(RunProcessChecked({"sync", "-f", mnt + "/synced"}).ok());
    ASSERT_TRUE(WriteFile(mnt + "/late", "maybe lost"));
    // Shut down without flushing the log: what a crash leaves.
    ASSERT_TRUE(
        RunProcessChecked({"xfs_io", "-x", "-c", "shutdown", mnt}).ok());
  }  // unmounted and detached; the log holds what a mount must replay
  Result<ScopedLoopDevice> loop =
      ScopedLoopDevice::Attach(image, LoopAccess::kReadWrite);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  const std::string before = BlkidUuid(loop->path());

  Result<std::string> uuid = NewFilesystemIdentity(loop->path(), "xfs");
  ASSERT_TRUE(uuid.ok()) << uuid.status().ToString();
  EXPECT_NE(*uuid, before);
  EXPECT_EQ(*uuid, BlkidUuid(loop->path()));
  const std::string target = Path("mnt");
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  Result<ScopedMount> mounted =
      ScopedMount::Mount(loop->path(), target, "xfs", {});
  ASSERT_TRUE(mounted.ok()) << mounted.status().ToString();
  EXPECT_EQ(ReadFile(target + "/synced"), "in the log");
  ASSERT_TRUE(mounted->Unmount().ok());
  ASSERT_TRUE(loop->Detach().ok());
}

TEST_F(FilesystemIdentityTest, OtherFilesystemsAreNotSupported) {
  for (const char* type : {"btrfs", "vfat", ""}) {
    EXPECT_FALSE(CanRenewFilesystemIdentity(type));
    EXPECT_EQ(NewFilesystemIdentity("/dev/null", type).status().code(),
              Code::kVolumeNotSupported)
        << type;
  }
  EXPECT_TRUE(CanRenewFilesystemIdentity("ext3"));
}

}  // namespace
}  // namespace sp::os
