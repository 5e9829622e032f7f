// The real PoolFilesystem where no reflink is needed: in temporary
// directories under /tmp and /dev/shm (tmpfs), neither of which can reflink
// on a usual host. Cloning itself is tested as root on XFS
// (tests/integration/pool_image_test.cc).
#include "os/pool_filesystem.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace sp::os {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr long kTmpfsMagic = 0x01021994;  // NOLINT(runtime/int)
constexpr long kExtMagic = 0xEF53;        // NOLINT(runtime/int)

// A fresh directory under `parent`, removed with its contents at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& parent) {
    std::string tmpl = parent + "/sp_pool_fs_test.XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

// Every entry, dot files included (ListFiles would show probes too, but
// this does not depend on it).
std::vector<std::string> AllEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

class PoolFilesystemTest : public ::testing::Test {
 protected:
  std::unique_ptr<PoolFilesystem> pool_ = MakePoolFilesystem();
  TempDir dir_{"/tmp"};
};

TEST_F(PoolFilesystemTest, CreateSparseFileIsSparseAndExclusive) {
  ASSERT_TRUE(dir_.ok());
  const std::string lun = dir_ / "lun-1";
  Status created = pool_->CreateSparseFile(lun, 4 * kGiB);
  ASSERT_TRUE(created.ok()) << created.ToString();
  struct stat st {};
  ASSERT_EQ(::stat(lun.c_str(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), 4 * kGiB);
  EXPECT_LT(st.st_blocks * 512, 1 << 20) << "not sparse";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<uint64_t> size = pool_->FileSize(lun);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 4 * kGiB);

  Status again = pool_->CreateSparseFile(lun, kGiB);
  EXPECT_EQ(again.code(), Code::kObjectAlreadyExists) << again.ToString();
  EXPECT_EQ(*pool_->FileSize(lun), 4 * kGiB);  // untouched

  EXPECT_EQ(pool_->CreateSparseFile(dir_ / "no/such/dir/lun", kGiB).code(),
            Code::kObjectNotFound);
  EXPECT_EQ(pool_->CreateSparseFile("relative/lun", kGiB).code(),
            Code::kInvalidArg);
}

TEST_F(PoolFilesystemTest, GrowFileGrowsAndNeverShrinks) {
  ASSERT_TRUE(dir_.ok());
  const std::string lun = dir_ / "lun-1";
  ASSERT_TRUE(pool_->CreateSparseFile(lun, kGiB).ok());
  Status grown = pool_->GrowFile(lun, 3 * kGiB);
  ASSERT_TRUE(grown.ok()) << grown.ToString();
  EXPECT_EQ(*pool_->FileSize(lun), 3 * kGiB);
  EXPECT_TRUE(pool_->GrowFile(lun, 3 * kGiB).ok());  // same size: no-op

  Status shrink = pool_->GrowFile(lun, kGiB);
  EXPECT_EQ(shrink.code(), Code::kInvalidArg) << shrink.ToString();
  EXPECT_EQ(*pool_->FileSize(lun), 3 * kGiB);
  EXPECT_EQ(pool_->GrowFile(dir_ / "missing", kGiB).code(),
            Code::kObjectNotFound);
}

TEST_F(PoolFilesystemTest, RemoveAndListFiles) {
  ASSERT_TRUE(dir_.ok());
  for (const char* name : {"lun-3", "lun-1", "lun-2"}) {
    ASSERT_TRUE(pool_->CreateSparseFile(dir_ / name, kGiB).ok());
  }
  fs::create_directory(dir_ / "subdir");
  fs::create_symlink(dir_ / "lun-1", dir_ / "link");
  Result<std::vector<std::string>> files = pool_->ListFiles(dir_.path());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(*files, (std::vector<std::string>{"lun-1", "lun-2", "lun-3"}));

  ASSERT_TRUE(pool_->Remove(dir_ / "lun-2").ok());
  EXPECT_EQ(*pool_->ListFiles(dir_.path()),
            (std::vector<std::string>{"lun-1", "lun-3"}));
  EXPECT_EQ(pool_->Remove(dir_ / "lun-2").code(), Code::kObjectNotFound);
  EXPECT_EQ(pool_->FileSize(dir_ / "lun-2").status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(pool_->FileSize(dir_ / "subdir").status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(pool_->ListFiles(dir_ / "missing").status().code(),
            Code::kObjectNotFound);
}

TEST_F(PoolFilesystemTest, Space) {
  ASSERT_TRUE(dir_.ok());
  Result<SpaceInfo> space = pool_->Space(dir_.path());
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_GT(space->total_bytes, 0u);
  EXPECT_LE(space->free_bytes, space->total_bytes);
  EXPECT_EQ(pool_->Space(dir_ / "missing").status().code(),
            Code::kObjectNotFound);
}

// On a filesystem without reflink: VSS_E_NOT_SUPPORTED naming the type, and
// no probe file left behind.
void ExpectNoReflink(PoolFilesystem& pool, const TempDir& dir,
                     const std::string& fs_name) {
  Status status = pool.CheckReflink(dir.path());
  EXPECT_EQ(status.code(), Code::kNotSupported) << status.ToString();
  EXPECT_NE(status.message().find("is on " + fs_name + ","), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("the pool needs XFS with reflink=1 or btrfs"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(AllEntries(dir.path()).empty());

  // Clone fails the same way and leaves no destination behind.
  ASSERT_TRUE(pool.CreateSparseFile(dir / "src", 1 << 20).ok());
  Status clone = pool.Clone(dir / "src", dir / "dst");
  EXPECT_EQ(clone.code(), Code::kNotSupported) << clone.ToString();
  EXPECT_FALSE(fs::exists(dir / "dst"));
}

TEST_F(PoolFilesystemTest, CheckReflinkOnTmpfsNamesIt) {
  TempDir shm("/dev/shm");
  if (!shm.ok()) GTEST_SKIP() << "no /dev/shm";
  struct statfs st {};
  ASSERT_EQ(::statfs(shm.path().c_str(), &st), 0);
  if (st.f_type != kTmpfsMagic) GTEST_SKIP() << "/dev/shm is not tmpfs";
  ExpectNoReflink(*pool_, shm, "tmpfs");
}

TEST_F(PoolFilesystemTest, CheckReflinkOnExt4NamesIt) {
  ASSERT_TRUE(dir_.ok());
  struct statfs st {};
  ASSERT_EQ(::statfs(dir_.path().c_str(), &st), 0);
  if (st.f_type != kExtMagic) GTEST_SKIP() << "/tmp is not ext4 here";
  ExpectNoReflink(*pool_, dir_, "ext4");
}

TEST_F(PoolFilesystemTest, CheckReflinkOnMissingDirectory) {
  EXPECT_EQ(pool_->CheckReflink("/no/such/pool/dir").code(),
            Code::kObjectNotFound);
  EXPECT_EQ(pool_->CheckReflink("pool").code(), Code::kInvalidArg);
}

TEST_F(PoolFilesystemTest, CloneRefusesAnExistingDestination) {
  ASSERT_TRUE(dir_.ok());
  ASSERT_TRUE(pool_->CreateSparseFile(dir_ / "src", 1 << 20).ok());
  std::ofstream(dir_ / "dst") << "keep me";
  Status clone = pool_->Clone(dir_ / "src", dir_ / "dst");
  EXPECT_EQ(clone.code(), Code::kObjectAlreadyExists) << clone.ToString();
  std::string text;
  std::getline(std::ifstream(dir_ / "dst"), text);
  EXPECT_EQ(text, "keep me");
  EXPECT_EQ(pool_->Clone(dir_ / "missing", dir_ / "dst2").code(),
            Code::kObjectNotFound);
}

}  // namespace
}  // namespace sp::os
