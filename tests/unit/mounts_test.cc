// Mountinfo parsing and FindMount's longest-prefix rule on sample text; the
// non-root parts of the loop device helpers.
#include "os/mounts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "os/loop_device.h"

namespace sp::os {
namespace {

// Shaped after a real host: optional fields (shared:, master:), none, an
// escaped space and backslash, a stacked mount, an empty source.
constexpr char kSample[] =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc "
    "rw\n"
    "24 22 0:5 / /dev rw,nosuid master:2 - devtmpfs udev rw,size=4096k\n"
    "30 22 0:30 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n"
    "41 30 7:3 / /tmp/pool rw,nosuid,nodev,noexec,relatime - xfs /dev/loop3 "
    "rw,attr2,inode64\n"
    "42 30 7:4 /sub /tmp/with\\040space\\134x ro,relatime - ext4 /dev/loop4 "
    "ro\n"
    "43 30 0:40 / /tmp/poolside rw - tmpfs  rw\n"
    "44 41 0:41 / /tmp/pool/inner rw - tmpfs none rw\n"
    "45 41 0:42 / /tmp/pool rw shared:7 master:3 - tmpfs over rw\n";

std::vector<MountInfo> Sample() {
  Result<std::vector<MountInfo>> mounts = ParseMountInfo(kSample);
  EXPECT_TRUE(mounts.ok()) << mounts.status().ToString();
  return mounts.ok() ? *mounts : std::vector<MountInfo>{};
}

TEST(ParseMountInfo, ReadsEveryField) {
  const std::vector<MountInfo> mounts = Sample();
  ASSERT_EQ(mounts.size(), 9u);
  const MountInfo& pool = mounts[4];
  EXPECT_EQ(pool.mount_id, 41u);
  EXPECT_EQ(pool.parent_id, 30u);
  EXPECT_EQ(pool.major, 7u);
  EXPECT_EQ(pool.minor, 3u);
  EXPECT_EQ(pool.root, "/");
  EXPECT_EQ(pool.mount_point, "/tmp/pool");
  EXPECT_EQ(pool.mount_options, "rw,nosuid,nodev,noexec,relatime");
  EXPECT_EQ(pool.fs_type, "xfs");
  EXPECT_EQ(pool.source, "/dev/loop3");
  EXPECT_EQ(pool.super_options, "rw,attr2,inode64");
  EXPECT_FALSE(pool.read_only());

  EXPECT_EQ(mounts[1].fs_type, "proc");  // one optional field
  EXPECT_EQ(mounts[2].source, "udev");
  EXPECT_EQ(mounts[8].source, "over");  // two optional fields
}

TEST(ParseMountInfo, DecodesOctalEscapes) {
  const std::vector<MountInfo> mounts = Sample();
  ASSERT_EQ(mounts.size(), 9u);
  EXPECT_EQ(mounts[5].mount_point, "/tmp/with space\\x");
  EXPECT_EQ(mounts[5].root, "/sub");
  EXPECT_TRUE(mounts[5].read_only());
  EXPECT_EQ(mounts[6].source, "");  // two spaces: an empty source
  EXPECT_EQ(mounts[6].super_options, "rw");
}

TEST(ParseMountInfo, RejectsMalformedLinesNamingThem) {
  for (const char* bad : {
           "22 1 254:0 / / rw - ext4\n",                       // too few fields
           "22 1 254:0 / / rw shared:1 ext4 /dev/vda rw x\n",  // no separator
           "x 1 254:0 / / rw - ext4 /dev/vda rw\n",            // bad id
           "22 1 254 / / rw - ext4 /dev/vda rw\n",             // no colon
           "22 1 254:0 / / rw - ext4 /dev/vda rw extra\n",     // extra field
       }) {
    SCOPED_TRACE(bad);
    const std::string text = std::string(kSample) + bad;
    Result<std::vector<MountInfo>> r = ParseMountInfo(text);
    EXPECT_EQ(r.status().code(), Code::kInvalidArg);
    EXPECT_NE(r.status().message().find("line 10"), std::string::npos)
        << r.status().message();
  }
  Result<std::vector<MountInfo>> empty = ParseMountInfo("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

std::string MountPointOf(const std::vector<MountInfo>& mounts,
                         std::string_view path) {
  Result<MountInfo> m = FindMountIn(mounts, path);
  return m.ok() ? m->mount_point : "error: " + m.status().ToString();
}

TEST(FindMountIn, LongestWholeComponentPrefix) {
  const std::vector<MountInfo> mounts = Sample();
  EXPECT_EQ(MountPointOf(mounts, "/"), "/");
  EXPECT_EQ(MountPointOf(mounts, "/etc/passwd"), "/");
  EXPECT_EQ(MountPointOf(mounts, "/tmp"), "/tmp");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/x"), "/tmp");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/pool/luns/lun-1"), "/tmp/pool");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/pool/"), "/tmp/pool");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/poolside/a"), "/tmp/poolside");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/pools"), "/tmp");  // not /tmp/pool
  EXPECT_EQ(MountPointOf(mounts, "/tmp/pool/inner/f"), "/tmp/pool/inner");
  EXPECT_EQ(MountPointOf(mounts, "/tmp/with space\\x/f"), "/tmp/with space\\x");
}

TEST(FindMountIn, TopmostOfStackedMountsWins) {
  const std::vector<MountInfo> mounts = Sample();
  Result<MountInfo> m = FindMountIn(mounts, "/tmp/pool/f");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->mount_id, 45u);
  EXPECT_EQ(m->source, "over");
}

TEST(FindMountIn, Errors) {
  const std::vector<MountInfo> mounts = Sample();
  EXPECT_EQ(FindMountIn(mounts, "tmp/pool").status().code(), Code::kInvalidArg);
  EXPECT_EQ(FindMountIn({}, "/tmp").status().code(), Code::kObjectNotFound);
}

TEST(FindMount, OnThisHost) {
  Result<MountInfo> proc = FindMount("/proc/self/status");
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  EXPECT_EQ(proc->mount_point, "/proc");
  EXPECT_EQ(proc->fs_type, "proc");
  Result<MountInfo> root = FindMount("/");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->mount_point, "/");
  EXPECT_EQ(FindMount("/no/such/path/here").status().code(),
            Code::kObjectNotFound);
}

TEST(LoopDevice, RefusesWhatIsNotALoopDevice) {
  EXPECT_EQ(LoopBackingFile("/dev/null").status().code(), Code::kInvalidArg);
  EXPECT_EQ(InspectLoopDevice("/dev/null").status().code(), Code::kInvalidArg);
  EXPECT_EQ(LoopBackingFile("/proc/self/status").status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(LoopBackingFile("/dev/no-such-loop").status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(DetachLoopDevice(LoopDevice{"/dev/null", 1, 2, false}).code(),
            Code::kInvalidArg);
  Result<std::vector<std::string>> none =
      LoopDevicesBackedBy("/proc/self/status");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace sp::os
