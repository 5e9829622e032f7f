#include "loop_volume.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "os/file_util.h"
#include "os/freeze.h"
#include "os/process.h"
#include "os/unique_fd.h"
#include "support/require_root.h"

namespace sp::os {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

bool UnderDir(const std::string& path, const std::string& dir) {
  return path.starts_with(dir + "/");
}

}  // namespace

Result<std::unique_ptr<LoopVolume>> LoopVolume::Create(
    const std::string& dir, const std::string& name, const std::string& fs_type,
    uint64_t size_mib) {
  std::unique_ptr<LoopVolume> volume(new LoopVolume());
  volume->image_ = dir + "/" + name + ".img";
  {
    UniqueFd fd(::open(volume->image_.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return FromErrno(errno, "creating " + volume->image_);
    if (::ftruncate(fd.get(), static_cast<off_t>(size_mib * kMiB)) != 0) {
      return FromErrno(errno, "ftruncate " + volume->image_);
    }
  }
  const std::vector<std::string> mkfs =
      fs_type == "xfs"
          ? std::vector<std::string>{"mkfs.xfs", "-q", "-f", volume->image_}
          : std::vector<std::string>{"mkfs." + fs_type, "-q", "-F",
                                     volume->image_};
  RunOptions run;
  run.timeout = std::chrono::seconds(120);
  SP_RETURN_IF_ERROR(RunProcessChecked(mkfs, run).status());
  SP_ASSIGN_OR_RETURN(
      volume->loop_,
      ScopedLoopDevice::Attach(volume->image_, LoopAccess::kReadWrite));
  const std::string target = dir + "/" + name;
  if (::mkdir(target.c_str(), 0700) != 0) {
    return FromErrno(errno, "mkdir " + target);
  }
  SP_ASSIGN_OR_RETURN(volume->mount_, ScopedMount::Mount(volume->device(),
                                                         target, fs_type, {}));
  return volume;
}

LoopVolume::~LoopVolume() {
  if (mount_.owns()) {
    (void)ThawFilesystem(mount_.target());  // not frozen: E_INVALIDARG
    Status unmounted = mount_.Unmount();
    if (!unmounted.ok()) ADD_FAILURE() << unmounted.ToString();
  }
  if (loop_.owns()) {
    Status detached = loop_.Detach();
    if (!detached.ok()) ADD_FAILURE() << detached.ToString();
  }
}

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

void LoopVolumeTest::SetUp() {
  SP_REQUIRE_ROOT();
  std::string tmpl = "/tmp/sp_volume_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
}

void LoopVolumeTest::TearDown() {
  if (dir_.empty()) return;
  for (const std::string& mount : MountsUnder(dir_)) {
    ADD_FAILURE() << "left mounted: " << mount;
    (void)ThawFilesystem(mount);
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

}  // namespace sp::os
