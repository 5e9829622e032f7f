// OpenBeneath and TranslatePath on a real read-only ext4 mount from a loop
// device, the way systemTwo exposes an imported snapshot. Needs root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "os/open_beneath.h"
#include "os/unique_fd.h"
#include "shadowport/path_translation.h"
#include "support/read_text.h"
#include "support/require_root.h"

namespace sp::os {
namespace {

namespace fs = std::filesystem;

constexpr char kVersionPath[] = "pgdata/base/1/PG_VERSION";
constexpr char kVersion[] = "15\n";

std::string FindProgram(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

// Runs `argv` as a child process (no shell), with LC_ALL=C and a fixed PATH;
// stdout goes to `*out` when given. Returns the exit code, or -1 when the
// program could not start or died by a signal. stderr is inherited, so a
// failing tool explains itself in the test log.
int Run(const std::vector<std::string>& argv, std::string* out = nullptr) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.data()));
  args.push_back(nullptr);
  std::string lc_all = "LC_ALL=C";
  std::string path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* env[] = {lc_all.data(), path.data(), nullptr};

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  pid_t pid;
  int rc = posix_spawn(&pid, FindProgram(argv[0]).c_str(), &actions, nullptr,
                       args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (rc != 0) return -1;
  std::string captured = sp::testing_support::ReadFdToEnd(read_end.get());
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (out != nullptr) *out = captured;
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

// A 16 MiB ext4 image attached read-only to a loop device and mounted
// read-only at <dir>/mnt, like an exposed snapshot. Its tree:
//   pgdata/base/1/PG_VERSION           "15\n"
//   escape_abs                       -> <dir>/outside.txt (absolute)
//   pgdata/base/escape_rel           -> ../../../outside.txt (= <dir>/...)
// <dir>/outside.txt exists on the host, so a link that escaped would open.
//
// The destructor undoes exactly what Build() did, also after a failed
// assertion: unmounts, detaches the loop device it recorded (never
// `losetup -D`), removes the directory.
class ScratchMount {
 public:
  ScratchMount() = default;
  ScratchMount(const ScratchMount&) = delete;
  ScratchMount& operator=(const ScratchMount&) = delete;

  ~ScratchMount() {
    bool clean = true;
    if (mounted_ && Run({"umount", mount_point_.string()}) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << " failed";
      clean = false;
    }
    if (!loop_device_.empty() && Run({"losetup", "-d", loop_device_}) != 0) {
      ADD_FAILURE() << "losetup -d " << loop_device_ << " failed";
    }
    if (!dir_.empty() && clean) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      if (ec) ADD_FAILURE() << "removing " << dir_ << ": " << ec.message();
    }
  }

  // Use with ASSERT_NO_FATAL_FAILURE.
  void Build() {
    std::string tmpl = "/tmp/sp_mount_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    outside_ = dir_ / "outside.txt";
    std::ofstream(outside_) << "outside";

    fs::path content = dir_ / "content";
    fs::create_directories(content / "pgdata/base/1");
    std::ofstream(content / kVersionPath) << kVersion;
    fs::create_symlink(outside_, content / "escape_abs");
    fs::create_symlink("../../../outside.txt",
                       content / "pgdata/base/escape_rel");

    std::string image = (dir_ / "volume.img").string();
    ASSERT_EQ(
        Run({"mkfs.ext4", "-q", "-F", "-d", content.string(), image, "16M"}),
        0);
    std::string device;
    ASSERT_EQ(
        Run({"losetup", "--find", "--show", "--read-only", image}, &device), 0);
    while (!device.empty() && device.back() == '\n') device.pop_back();
    ASSERT_TRUE(device.starts_with("/dev/loop")) << device;
    loop_device_ = device;

    mount_point_ = dir_ / "mnt";
    fs::create_directory(mount_point_);
    ASSERT_EQ(Run({"mount", "-o", "ro", "-t", "ext4", loop_device_,
                   mount_point_.string()}),
              0);
    mounted_ = true;
  }

  const fs::path& dir() const { return dir_; }
  const fs::path& mount_point() const { return mount_point_; }

 private:
  fs::path dir_;
  fs::path outside_;
  fs::path mount_point_;
  std::string loop_device_;
  bool mounted_ = false;
};

Result<std::string> ReadBeneath(const fs::path& root, std::string_view path,
                                ResolveMode mode, CrossMounts cross) {
  SP_ASSIGN_OR_RETURN(UniqueFd dir, OpenDirectory(root.string()));
  SP_ASSIGN_OR_RETURN(UniqueFd fd,
                      OpenBeneath(dir.get(), path, O_RDONLY, mode, cross));
  return sp::testing_support::ReadFdToEnd(fd.get());
}

TEST(OpenBeneathMount, ReadsFileAndRefusesEscapesOnReadOnlyMount) {
  SP_REQUIRE_ROOT();
  ScratchMount m;
  ASSERT_NO_FATAL_FAILURE(m.Build());

  Result<std::string> version =
      ReadBeneath(m.mount_point(), kVersionPath, ResolveMode::kBeneath,
                  CrossMounts::kRefuse);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, kVersion);

  // The links are live: followed naively they reach the host's file.
  for (const char* link : {"escape_abs", "pgdata/base/escape_rel"}) {
    SCOPED_TRACE(link);
    std::ifstream naive(m.mount_point() / link);
    std::string text;
    naive >> text;
    EXPECT_EQ(text, "outside");

    Result<std::string> beneath = ReadBeneath(
        m.mount_point(), link, ResolveMode::kBeneath, CrossMounts::kRefuse);
    EXPECT_EQ(beneath.status().code(), Code::kPathEscape)
        << beneath.status().ToString();
    Result<std::string> in_root = ReadBeneath(
        m.mount_point(), link, ResolveMode::kInRoot, CrossMounts::kRefuse);
    EXPECT_EQ(in_root.status().code(), Code::kObjectNotFound)
        << in_root.status().ToString();
  }
}

TEST(OpenBeneathMount, NoXdevRefusesCrossingIntoAMount) {
  SP_REQUIRE_ROOT();
  ScratchMount m;
  ASSERT_NO_FATAL_FAILURE(m.Build());

  std::string through_mount = "mnt/" + std::string(kVersionPath);
  Result<std::string> refused = ReadBeneath(
      m.dir(), through_mount, ResolveMode::kBeneath, CrossMounts::kRefuse);
  EXPECT_EQ(refused.status().code(), Code::kPathEscape)
      << refused.status().ToString();
  Result<std::string> allowed = ReadBeneath(
      m.dir(), through_mount, ResolveMode::kBeneath, CrossMounts::kAllow);
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(*allowed, kVersion);
}

TEST(OpenBeneathMount, TranslatedOriginalPathOpens) {
  SP_REQUIRE_ROOT();
  ScratchMount m;
  ASSERT_NO_FATAL_FAILURE(m.Build());

  const std::vector<VolumeExposure> volumes = {
      {"/srv", "/run/shadowport/sets/none/srv"},
      {"/srv/F", m.mount_point().string()},
  };
  const std::string original = "/srv/F/" + std::string(kVersionPath);
  Result<std::string> translated = TranslatePath(original, volumes);
  ASSERT_TRUE(translated.ok()) << translated.status().ToString();
  EXPECT_EQ(*translated, (m.mount_point() / kVersionPath).string());

  Result<VolumeRelativePath> where = RelativeToVolume(original, volumes);
  ASSERT_TRUE(where.ok()) << where.status().ToString();
  ASSERT_EQ(where->volume_index, 1u);
  Result<std::string> version = ReadBeneath(
      volumes[where->volume_index].exposure_root, where->relative_path,
      ResolveMode::kBeneath, CrossMounts::kRefuse);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, kVersion);

  // The escaping link translates (it is lexically fine) but does not open.
  Result<VolumeRelativePath> link =
      RelativeToVolume("/srv/F/escape_abs", volumes);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(ReadBeneath(m.mount_point(), link->relative_path,
                        ResolveMode::kBeneath, CrossMounts::kRefuse)
                .status()
                .code(),
            Code::kPathEscape);
  EXPECT_EQ(TranslatePath("/srv/F/pgdata/../../../etc/passwd", volumes)
                .status()
                .code(),
            Code::kPathEscape);
}

}  // namespace
}  // namespace sp::os
