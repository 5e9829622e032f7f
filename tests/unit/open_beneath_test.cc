#include "os/open_beneath.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/read_text.h"

namespace sp::os {
namespace {

using namespace std::string_literals;
namespace fs = std::filesystem;

// A scratch tree in a fresh temporary directory:
//   <tmp>/outside.txt               "outside"  (must never be reachable)
//   <tmp>/root/file.txt             "inside"
//   <tmp>/root/sub/inner.txt        "inner"
//   <tmp>/root/link_inside        -> sub/inner.txt
//   <tmp>/root/sub/link_up        -> ../file.txt        (.. staying inside)
//   <tmp>/root/abs_out            -> <tmp>/outside.txt  (absolute, escapes)
//   <tmp>/root/sub/climb          -> ../../outside.txt  (relative, escapes)
//   <tmp>/root/abs_in             -> /file.txt          (absolute,
//   root-relative)
class OpenBeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sp_open_beneath.XXXXXX");
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    tmp_ = tmpl;
    root_ = tmp_ / "root";
    fs::create_directories(root_ / "sub");
    std::ofstream(tmp_ / "outside.txt") << "outside";
    std::ofstream(root_ / "file.txt") << "inside";
    std::ofstream(root_ / "sub" / "inner.txt") << "inner";
    fs::create_symlink("sub/inner.txt", root_ / "link_inside");
    fs::create_symlink("../file.txt", root_ / "sub" / "link_up");
    fs::create_symlink(tmp_ / "outside.txt", root_ / "abs_out");
    fs::create_symlink("../../outside.txt", root_ / "sub" / "climb");
    fs::create_symlink("/file.txt", root_ / "abs_in");
    Result<UniqueFd> dir = OpenDirectory(root_.string());
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_fd_ = std::move(dir).value();
  }

  void TearDown() override {
    root_fd_.reset();
    if (!tmp_.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_, ec);
      EXPECT_FALSE(ec) << ec.message();
    }
  }

  // The file's contents, or the failure as "error: <code name>".
  std::string Read(std::string_view path,
                   ResolveMode mode = ResolveMode::kBeneath) {
    Result<UniqueFd> fd = OpenBeneath(root_fd_.get(), path, O_RDONLY, mode);
    if (!fd.ok()) return "error: " + std::string(fd.status().info().name);
    return sp::testing_support::ReadFdToEnd(fd->get());
  }

  fs::path tmp_;
  fs::path root_;
  UniqueFd root_fd_;
};

const std::string kEscape = "error: SP_E_PATH_ESCAPE";
const std::string kNotFound = "error: VSS_E_OBJECT_NOT_FOUND";

TEST_F(OpenBeneathTest, RegularFileOpens) {
  EXPECT_EQ(Read("file.txt"), "inside");
  EXPECT_EQ(Read("sub/inner.txt"), "inner");
  EXPECT_EQ(Read("./sub//inner.txt"), "inner");
  EXPECT_EQ(Read("file.txt", ResolveMode::kInRoot), "inside");
  Result<UniqueFd> dir =
      OpenBeneath(root_fd_.get(), "sub", O_RDONLY | O_DIRECTORY);
  EXPECT_TRUE(dir.ok()) << dir.status().ToString();
}

TEST_F(OpenBeneathTest, DescriptorIsCloseOnExec) {
  Result<UniqueFd> fd = OpenBeneath(root_fd_.get(), "file.txt", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(OpenBeneathTest, AbsoluteSymlinkOutsideFails) {
  Result<UniqueFd> fd = OpenBeneath(root_fd_.get(), "abs_out", O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), Code::kPathEscape);
  EXPECT_NE(fd.status().message().find("escapes the snapshot root"),
            std::string::npos)
      << fd.status().message();
  EXPECT_NE(fd.status().message().find("'abs_out'"), std::string::npos);
}

TEST_F(OpenBeneathTest, RelativeSymlinkClimbingOutFails) {
  EXPECT_EQ(Read("sub/climb"), kEscape);
}

TEST_F(OpenBeneathTest, DotDotInRequestFails) {
  for (ResolveMode mode : {ResolveMode::kBeneath, ResolveMode::kInRoot}) {
    EXPECT_EQ(Read("../outside.txt", mode), kEscape);
    EXPECT_EQ(Read("..", mode), kEscape);
    EXPECT_EQ(Read("sub/../file.txt", mode), kEscape);
    EXPECT_EQ(Read("sub/..", mode), kEscape);
  }
  EXPECT_EQ(Read("..hidden"), kNotFound);  // a name, not a '..' component
}

TEST_F(OpenBeneathTest, SymlinkStayingInsideWorksBeneath) {
  EXPECT_EQ(Read("link_inside"), "inner");
  EXPECT_EQ(Read("sub/link_up"), "inside");
}

TEST_F(OpenBeneathTest, AbsolutePathsFailBeneath) {
  EXPECT_EQ(Read("abs_in"), kEscape);
  EXPECT_EQ(Read("/file.txt"), kEscape);
}

TEST_F(OpenBeneathTest, InRootResolvesAbsoluteSymlinkInsideTheRoot) {
  EXPECT_EQ(Read("abs_in", ResolveMode::kInRoot), "inside");
  EXPECT_EQ(Read("/file.txt", ResolveMode::kInRoot), "inside");
  EXPECT_EQ(Read("link_inside", ResolveMode::kInRoot), "inner");
  // Links meant to escape resolve inside the root, where nothing is.
  EXPECT_EQ(Read("abs_out", ResolveMode::kInRoot), kNotFound);
  EXPECT_EQ(Read("sub/climb", ResolveMode::kInRoot), kNotFound);
}

TEST_F(OpenBeneathTest, MissingFileIsNotFound) {
  EXPECT_EQ(Read("nope.txt"), kNotFound);
}

TEST_F(OpenBeneathTest, RefusesBadArguments) {
  for (const std::string& bad : {""s, "file.txt\0x"s}) {
    EXPECT_EQ(OpenBeneath(root_fd_.get(), bad, O_RDONLY).status().code(),
              Code::kInvalidArg);
  }
  EXPECT_EQ(OpenBeneath(root_fd_.get(), "new.txt", O_WRONLY | O_CREAT)
                .status()
                .code(),
            Code::kInvalidArg);
  EXPECT_EQ(
      OpenBeneath(root_fd_.get(), "sub", O_RDWR | O_TMPFILE).status().code(),
      Code::kInvalidArg);
  EXPECT_FALSE(fs::exists(root_ / "new.txt"));
}

TEST_F(OpenBeneathTest, OpenDirectoryFailures) {
  EXPECT_EQ(OpenDirectory((root_ / "file.txt").string()).status().code(),
            Code::kObjectNotFound);  // ENOTDIR
  EXPECT_EQ(OpenDirectory((root_ / "missing").string()).status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(OpenDirectory("").status().code(), Code::kInvalidArg);
  EXPECT_EQ(OpenDirectory("/tmp\0/x"s).status().code(), Code::kInvalidArg);
}

TEST(UniqueFd, ClosesAndMoves) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.get(), raw);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace sp::os
