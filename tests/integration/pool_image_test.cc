// The kernel-facing pieces on real objects: an XFS image pool (mkfs.xfs,
// loop device, mount), reflink clones that share extents, read-only and
// read-write loop devices, FindMount, and an ext4 pool refused by the
// reflink check. Needs root.
//
// Every test works in its own mkdtemp directory. Guards release what a test
// made also when an assertion fails; the fixture then checks that no mount
// under that directory and no loop device backed by a file in it remains
// (and, should one remain, reports it and releases exactly that one).
#include "os/pool_image.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "os/file_util.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "os/pool_filesystem.h"
#include "os/process.h"
#include "os/unique_fd.h"
#include "support/require_root.h"

namespace sp::os {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kPoolSize = 512 * kMiB;  // mkfs.xfs wants 300 MiB or more

bool UnderDir(const std::string& path, const std::string& dir) {
  return path.starts_with(dir + "/");
}

// Mount points under `dir`, deepest first.
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> found;
  Result<std::string> text = ReadSmallFile("/proc/self/mountinfo", 64 * kMiB);
  if (!text.ok()) return found;
  Result<std::vector<MountInfo>> mounts = ParseMountInfo(*text);
  if (!mounts.ok()) return found;
  for (const MountInfo& m : *mounts) {
    if (UnderDir(m.mount_point, dir)) found.push_back(m.mount_point);
  }
  std::reverse(found.begin(), found.end());
  return found;
}

// Loop devices whose backing file lies under `dir`.
std::vector<std::string> LoopsUnder(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/sys/block")) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("loop")) continue;
    Result<std::string> backing =
        ReadSmallFile(entry.path().string() + "/loop/backing_file", 4096);
    if (backing.ok() && UnderDir(*backing, dir)) {
      found.push_back("/dev/" + name);
    }
  }
  return found;
}

class PoolImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SP_REQUIRE_ROOT();
    std::string tmpl = "/tmp/sp_pool_image_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }

  // Runs after the test body's guards are gone.
  void TearDown() override {
    if (dir_.empty()) return;
    for (const std::string& mount : MountsUnder(dir_)) {
      ADD_FAILURE() << "left mounted: " << mount;
      Status s = Unmount(mount);
      if (!s.ok()) ADD_FAILURE() << s.ToString();
    }
    for (const std::string& loop : LoopsUnder(dir_)) {
      ADD_FAILURE() << "left attached: " << loop;
      Result<LoopDevice> device = InspectLoopDevice(loop);
      if (device.ok()) (void)DetachLoopDevice(*device);
    }
    if (MountsUnder(dir_).empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      if (ec) ADD_FAILURE() << "removing " << dir_ << ": " << ec.message();
    }
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<PoolFilesystem> pool_fs_ = MakePoolFilesystem();
  std::string dir_;
};

// Unmounts the pool and detaches its loop device at the end of a scope.
class PoolGuard {
 public:
  explicit PoolGuard(std::string mount_dir)
      : mount_dir_(std::move(mount_dir)) {}
  PoolGuard(const PoolGuard&) = delete;
  PoolGuard& operator=(const PoolGuard&) = delete;
  ~PoolGuard() {
    if (mount_dir_.empty()) return;
    Result<PoolImage> done = UnmountPoolImage(mount_dir_);
    if (!done.ok()) ADD_FAILURE() << done.status().ToString();
  }
  void Dismiss() { mount_dir_.clear(); }

 private:
  std::string mount_dir_;
};

Status WriteRandom(const std::string& path, uint64_t bytes, uint64_t seed) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return FromErrno(errno, "open " + path);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> chunk(kMiB / sizeof(uint64_t));
  for (uint64_t off = 0; off < bytes; off += kMiB) {
    for (uint64_t& word : chunk) word = rng();
    if (::pwrite(fd.get(), chunk.data(), kMiB, static_cast<off_t>(off)) !=
        static_cast<ssize_t>(kMiB)) {
      return FromErrno(errno, "pwrite " + path);
    }
  }
  if (::fsync(fd.get()) != 0) return FromErrno(errno, "fsync " + path);
  return Status::Ok();
}

std::string ReadAt(const std::string& path, uint64_t offset, size_t n) {
  std::string out(n, '\0');
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "open failed";
  const ssize_t got =
      ::pread(fd.get(), out.data(), n, static_cast<off_t>(offset));
  out.resize(got < 0 ? 0 : static_cast<size_t>(got));
  return out;
}

bool SameContent(const std::string& a, const std::string& b, uint64_t bytes) {
  for (uint64_t off = 0; off < bytes; off += kMiB) {
    if (ReadAt(a, off, kMiB) != ReadAt(b, off, kMiB)) return false;
  }
  return true;
}

// Whether FIEMAP reports an extent of `path` as shared with another file.
bool HasSharedExtent(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  constexpr uint32_t kExtents = 64;
  std::vector<char> buf(sizeof(fiemap) + kExtents * sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buf.data());
  map->fm_start = 0;
  map->fm_length = FIEMAP_MAX_OFFSET;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kExtents;
  if (::ioctl(fd.get(), FS_IOC_FIEMAP, map) != 0) return false;
  for (uint32_t i = 0; i < map->fm_mapped_extents; ++i) {
    if ((map->fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED) != 0) return true;
  }
  return false;
}

TEST_F(PoolImageTest, CreatesMountedXfsPoolThatReflinks) {
  const PoolImageOptions options{Path("pool.img"), kPoolSize, Path("pool")};
  Result<PoolImage> pool = CreatePoolImage(options, *pool_fs_);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  PoolGuard guard(pool->mount_dir);
  EXPECT_EQ(pool->image, Path("pool.img"));
  EXPECT_EQ(pool->mount_dir, Path("pool"));
  ASSERT_TRUE(pool->loop_device.starts_with("/dev/loop")) << pool->loop_device;

  Status reflink = pool_fs_->CheckReflink(pool->mount_dir);
  EXPECT_TRUE(reflink.ok()) << reflink.ToString();

  ASSERT_TRUE(fs::create_directory(pool->mount_dir + "/sub"));
  Result<MountInfo> mount = FindMount(pool->mount_dir + "/sub/../sub");
  ASSERT_TRUE(mount.ok()) << mount.status().ToString();
  EXPECT_EQ(mount->mount_point, pool->mount_dir);
  EXPECT_EQ(mount->fs_type, "xfs");
  EXPECT_EQ(mount->source, pool->loop_device);
  EXPECT_FALSE(mount->read_only());
  for (const char* opt : {"nosuid", "nodev", "noexec"}) {
    EXPECT_NE(mount->mount_options.find(opt), std::string::npos)
        << mount->mount_options;
  }

  Result<std::string> backing = LoopBackingFile(pool->loop_device);
  ASSERT_TRUE(backing.ok()) << backing.status().ToString();
  EXPECT_EQ(*backing, pool->image);
  Result<std::vector<std::string>> loops = LoopDevicesBackedBy(pool->image);
  ASSERT_TRUE(loops.ok()) << loops.status().ToString();
  EXPECT_EQ(*loops, std::vector<std::string>{pool->loop_device});
  struct stat st {};
  ASSERT_EQ(::stat(pool->image.c_str(), &st), 0);
  // mkfs.xfs writes its log (about 64 MiB here) and little else.
  EXPECT_LT(st.st_blocks * 512, static_cast<int64_t>(kPoolSize / 4))
      << "the image should stay sparse";

  // A second pool on the same directory is refused; nothing is disturbed.
  const PoolImageOptions again{Path("pool2.img"), kPoolSize, Path("pool")};
  EXPECT_EQ(CreatePoolImage(again, *pool_fs_).status().code(),
            Code::kObjectAlreadyExists);
  EXPECT_FALSE(fs::exists(Path("pool2.img")));
}

TEST_F(PoolImageTest, CloneOf64MiBSharesExtentsAndIsFast) {
  const PoolImageOptions options{Path("pool.img"), kPoolSize, Path("pool")};
  Result<PoolImage> pool = CreatePoolImage(options, *pool_fs_);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  PoolGuard guard(pool->mount_dir);

  const uint64_t size = 64 * kMiB;
  const std::string src = pool->mount_dir + "/lun-1";
  const std::string dst = pool->mount_dir + "/lun-1.snap";
  ASSERT_TRUE(pool_fs_->CreateSparseFile(src, size).ok());
  Status written = WriteRandom(src, size, 42);
  ASSERT_TRUE(written.ok()) << written.ToString();
  ::sync();

  Result<SpaceInfo> before = pool_fs_->Space(pool->mount_dir);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  Status cloned = pool_fs_->Clone(src, dst);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(cloned.ok()) << cloned.ToString();
  ::sync();
  Result<SpaceInfo> after = pool_fs_->Space(pool->mount_dir);
  ASSERT_TRUE(after.ok()) << after.status().ToString();

  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  RecordProperty("clone_ms", static_cast<int>(ms));
  EXPECT_LT(ms, 2000) << "a reflink of 64 MiB should take milliseconds";
  const int64_t used = static_cast<int64_t>(before->free_bytes) -
                       static_cast<int64_t>(after->free_bytes);
  EXPECT_LT(used, static_cast<int64_t>(4 * kMiB))
      << "the clone used " << used << " bytes: data was copied";
  EXPECT_EQ(*pool_fs_->FileSize(dst), size);
  EXPECT_TRUE(SameContent(src, dst, size));
  EXPECT_TRUE(HasSharedExtent(src));
  EXPECT_TRUE(HasSharedExtent(dst));

  // Copy on write: changing the clone leaves the original alone.
  const std::string original = ReadAt(src, 0, 4096);
  {
    UniqueFd fd(::open(dst.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    const std::string block(4096, 'X');
    ASSERT_EQ(::pwrite(fd.get(), block.data(), block.size(), 0), 4096);
  }
  EXPECT_EQ(ReadAt(src, 0, 4096), original);
  EXPECT_EQ(ReadAt(dst, 0, 4096), std::string(4096, 'X'));

  EXPECT_EQ(pool_fs_->Clone(src, dst).code(), Code::kObjectAlreadyExists);
  EXPECT_EQ(*pool_fs_->ListFiles(pool->mount_dir),
            (std::vector<std::string>{"lun-1", "lun-1.snap"}));
  EXPECT_TRUE(pool_fs_->Remove(dst).ok());
  EXPECT_TRUE(pool_fs_->Remove(src).ok());
}

TEST_F(PoolImageTest, ReadOnlyLoopDeviceRefusesWritesAndReads) {
  const std::string file = Path("lun.img");
  ASSERT_TRUE(pool_fs_->CreateSparseFile(file, 16 * kMiB).ok());
  ASSERT_TRUE(WriteRandom(file, 16 * kMiB, 7).ok());

  Result<ScopedLoopDevice> loop =
      ScopedLoopDevice::Attach(file, LoopAccess::kReadOnly);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  const std::string device = loop->path();
  Result<LoopDevice> info = InspectLoopDevice(device);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->read_only);
  EXPECT_EQ(info->path, device);
  EXPECT_EQ(info->backing_dev, loop->device().backing_dev);
  EXPECT_EQ(info->backing_ino, loop->device().backing_ino);

  EXPECT_EQ(ReadAt(device, 4096, 4096), ReadAt(file, 4096, 4096));

  UniqueFd writer(::open(device.c_str(), O_WRONLY | O_CLOEXEC));
  if (writer.valid()) {
    const std::string block(4096, 'W');
    errno = 0;
    EXPECT_LT(::pwrite(writer.get(), block.data(), block.size(), 0), 0);
    EXPECT_TRUE(errno == EROFS || errno == EPERM || errno == EIO) << errno;
  } else {
    EXPECT_TRUE(errno == EROFS || errno == EACCES || errno == EPERM)
        << std::strerror(errno);
  }
  EXPECT_NE(ReadAt(file, 0, 4096), std::string(4096, 'W'));
  writer.reset();  // an open descriptor would defer the detach

  Status detached = loop->Detach();
  ASSERT_TRUE(detached.ok()) << detached.ToString();
  EXPECT_FALSE(loop->owns());
  Result<std::vector<std::string>> left = LoopDevicesBackedBy(file);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(PoolImageTest, ReadWriteLoopDeviceWritesThrough) {
  const std::string file = Path("lun.img");
  ASSERT_TRUE(pool_fs_->CreateSparseFile(file, 16 * kMiB).ok());
  Result<ScopedLoopDevice> loop =
      ScopedLoopDevice::Attach(file, LoopAccess::kReadWrite);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  EXPECT_FALSE(loop->device().read_only);
  {
    UniqueFd fd(::open(loop->path().c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid()) << std::strerror(errno);
    const std::string block(4096, 'D');
    ASSERT_EQ(::pwrite(fd.get(), block.data(), block.size(), 8192), 4096);
    ASSERT_EQ(::fsync(fd.get()), 0);
  }
  EXPECT_EQ(ReadAt(file, 8192, 4096), std::string(4096, 'D'));

  // A record that no longer matches the device's backing file is refused
  // and the device stays attached.
  LoopDevice stale = loop->device();
  stale.backing_ino += 1;
  EXPECT_EQ(DetachLoopDevice(stale).code(), Code::kObjectNotFound);
  EXPECT_TRUE(LoopBackingFile(loop->path()).ok());
  // The guard detaches it at the end of the scope.
}

TEST_F(PoolImageTest, UnmountDetachesExactlyThePoolsDevice) {
  const PoolImageOptions options{Path("pool.img"), kPoolSize, Path("pool")};
  Result<PoolImage> pool = CreatePoolImage(options, *pool_fs_);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  PoolGuard guard(pool->mount_dir);

  // A bystander device, attached by this test, must survive.
  ASSERT_TRUE(pool_fs_->CreateSparseFile(Path("other.img"), kMiB).ok());
  Result<ScopedLoopDevice> other =
      ScopedLoopDevice::Attach(Path("other.img"), LoopAccess::kReadOnly);
  ASSERT_TRUE(other.ok()) << other.status().ToString();

  Result<PoolImage> done = UnmountPoolImage(pool->mount_dir);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  guard.Dismiss();
  EXPECT_EQ(done->loop_device, pool->loop_device);
  EXPECT_EQ(done->image, pool->image);
  EXPECT_TRUE(MountsUnder(dir_).empty());
  EXPECT_TRUE(LoopDevicesBackedBy(pool->image)->empty());
  EXPECT_EQ(*LoopDevicesBackedBy(Path("other.img")),
            std::vector<std::string>{other->path()});
  EXPECT_EQ(UnmountPoolImage(pool->mount_dir).status().code(),
            Code::kObjectNotFound);

  // It mounts again (after a reboot, say), keeping its files.
  Result<PoolImage> again =
      MountPoolImage(pool->image, pool->mount_dir, *pool_fs_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  PoolGuard guard2(again->mount_dir);
  EXPECT_EQ(*pool_fs_->ListFiles(again->mount_dir), std::vector<std::string>{});
}

TEST_F(PoolImageTest, DestroyRemovesTheImage) {
  const PoolImageOptions options{Path("pool.img"), kPoolSize, Path("pool")};
  Result<PoolImage> pool = CreatePoolImage(options, *pool_fs_);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  PoolGuard guard(pool->mount_dir);
  Status destroyed = DestroyPoolImage(pool->mount_dir);
  ASSERT_TRUE(destroyed.ok()) << destroyed.ToString();
  guard.Dismiss();
  EXPECT_FALSE(fs::exists(pool->image));
  EXPECT_TRUE(fs::is_directory(pool->mount_dir));
  EXPECT_TRUE(MountsUnder(dir_).empty());
  EXPECT_TRUE(LoopsUnder(dir_).empty());
}

TEST_F(PoolImageTest, FailedCreateLeavesNothing) {
  // Too small for mkfs.xfs: its message comes back, the image and the
  // directory it created are removed.
  const PoolImageOptions tiny{Path("tiny.img"), 16 * kMiB, Path("tinypool")};
  Result<PoolImage> pool = CreatePoolImage(tiny, *pool_fs_);
  EXPECT_EQ(pool.status().code(), Code::kIoError) << pool.status().ToString();
  EXPECT_NE(pool.status().message().find("mkfs.xfs exited with status"),
            std::string::npos)
      << pool.status().message();
  EXPECT_FALSE(fs::exists(Path("tiny.img")));
  EXPECT_FALSE(fs::exists(Path("tinypool")));

  // An existing image is never overwritten.
  ASSERT_TRUE(pool_fs_->CreateSparseFile(Path("taken.img"), kMiB).ok());
  const PoolImageOptions taken{Path("taken.img"), kPoolSize, Path("p2")};
  EXPECT_EQ(CreatePoolImage(taken, *pool_fs_).status().code(),
            Code::kObjectAlreadyExists);
  EXPECT_EQ(*pool_fs_->FileSize(Path("taken.img")), kMiB);
  EXPECT_FALSE(fs::exists(Path("p2")));
}

TEST_F(PoolImageTest, Ext4PoolIsRefusedByCheckReflink) {
  const std::string image = Path("ext4.img");
  ASSERT_TRUE(pool_fs_->CreateSparseFile(image, 64 * kMiB).ok());
  Result<ProcessResult> mkfs =
      RunProcessChecked({"mkfs.ext4", "-q", "-F", image});
  ASSERT_TRUE(mkfs.ok()) << mkfs.status().ToString();

  // As an image pool: the XFS mount fails and nothing stays attached.
  ASSERT_TRUE(fs::create_directory(Path("ext4pool")));
  Result<PoolImage> as_pool =
      MountPoolImage(image, Path("ext4pool"), *pool_fs_);
  EXPECT_FALSE(as_pool.ok());
  EXPECT_TRUE(LoopDevicesBackedBy(image)->empty());
  EXPECT_TRUE(MountsUnder(dir_).empty());

  // Mounted as what it is, the reflink check names ext4.
  Result<ScopedLoopDevice> loop =
      ScopedLoopDevice::Attach(image, LoopAccess::kReadWrite);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  Result<ScopedMount> mount =
      ScopedMount::Mount(loop->path(), Path("ext4pool"), "ext4", {});
  ASSERT_TRUE(mount.ok()) << mount.status().ToString();
  Status reflink = pool_fs_->CheckReflink(Path("ext4pool"));
  EXPECT_EQ(reflink.code(), Code::kNotSupported) << reflink.ToString();
  EXPECT_NE(reflink.message().find("is on ext4"), std::string::npos)
      << reflink.message();
  EXPECT_NE(
      reflink.message().find("the pool needs XFS with reflink=1 or btrfs"),
      std::string::npos);
  Status unmounted = mount->Unmount();
  EXPECT_TRUE(unmounted.ok()) << unmounted.ToString();
}

TEST_F(PoolImageTest, UnmountPoolImageLeavesOtherMountsAlone) {
  const std::string dir = Path("tmpfs");
  ASSERT_TRUE(fs::create_directory(dir));
  Result<ScopedMount> tmpfs = ScopedMount::Mount("sp-test", dir, "tmpfs", {});
  ASSERT_TRUE(tmpfs.ok()) << tmpfs.status().ToString();
  Result<PoolImage> refused = UnmountPoolImage(dir);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArg)
      << refused.status().ToString();
  Result<MountInfo> still = FindMount(dir);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->mount_point, dir);
  EXPECT_EQ(still->fs_type, "tmpfs");
  EXPECT_EQ(UnmountPoolImage(Path("")).status().code(),
            Code::kObjectNotFound);  // dir_ itself: not a mount point
}

}  // namespace
}  // namespace sp::os
