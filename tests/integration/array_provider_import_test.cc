// The array provider's import side for real (root): a shadowport-arrayd on
// an XFS pool (arrayd_fixture.h), an XFS volume on a LUN of host "one", a
// transportable snapshot of it, and host "two" importing it through an
// ArrayProvider: LocateLuns, SurfaceLun on a real loop device, a read-only
// mount, UnsurfaceLun and ReleaseLuns. Other hosts: "three" (not an
// importer), "four" (an importer, while "two" holds the set).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "integration/arrayd_fixture.h"
#include "os/freeze.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "os/process.h"
#include "providers/array/array_provider.h"

namespace sp::testing_support {
namespace {

using array::LunInfo;
using providers::ArrayProvider;
using providers::SnapshotLun;
using providers::SurfacedLun;

constexpr uint64_t kMiB = 1ull << 20;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::fsync(fd);
  ::close(fd);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Detaches, when the test ends, every loop device still backed by `file`
// (those the provider attached, if the test failed before UnsurfaceLun).
class LoopCleanup {
 public:
  explicit LoopCleanup(std::string file) : file_(std::move(file)) {}
  ~LoopCleanup() {
    Result<std::vector<std::string>> devices = os::LoopDevicesBackedBy(file_);
    if (!devices.ok()) return;
    for (const std::string& path : *devices) {
      Result<os::LoopDevice> device = os::InspectLoopDevice(path);
      if (device.ok()) (void)os::DetachLoopDevice(*device);
    }
  }
  LoopCleanup(const LoopCleanup&) = delete;
  LoopCleanup& operator=(const LoopCleanup&) = delete;

 private:
  const std::string file_;
};

class ArrayProviderImportTest : public ArraydTest {
 protected:
  // Registers `name` and returns a provider speaking as it.
  std::unique_ptr<ArrayProvider> Provider(const std::string& name) {
    Result<array::NewHost> host = Admin()->AddHost(name, "");
    EXPECT_TRUE(host.ok()) << host.status().ToString();
    return std::make_unique<ArrayProvider>(
        AsHost(name, host.ok() ? host->credential : ""));
  }
};

TEST_F(ArrayProviderImportTest, ImportSurfaceUnsurfaceRelease) {
  StartDaemon();
  auto admin = Admin();
  auto one = NewHost("one");
  std::unique_ptr<ArrayProvider> two = Provider("two");
  std::unique_ptr<ArrayProvider> three = Provider("three");
  std::unique_ptr<ArrayProvider> four = Provider("four");

  // Host one: an XFS volume with a file on a 512 MiB LUN.
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok()) << lun.status().ToString();
  ASSERT_TRUE(admin->Present(lun->id, "one").ok());
  const std::string device = AttachLun(*one, lun->id);
  ASSERT_FALSE(device.empty());
  Result<os::ProcessResult> mkfs =
      os::RunProcessChecked({"mkfs.xfs", "-q", "-f", device}, {});
  ASSERT_TRUE(mkfs.ok()) << mkfs.status().ToString();
  const std::string origin = MountDevice(device, "xfs", {});
  WriteFile(origin + "/hello.txt", "transported\n");

  array::SnapshotSetRequest request;
  request.snapshot_set_id = *Guid::Random();
  request.lun_ids = {lun->id};
  request.transportable = true;
  request.importers = {"two", "four"};
  Result<array::SnapshotSetResult> set = [&] {
    os::ScopedFreeze freeze(origin);
    EXPECT_TRUE(freeze.ok()) << freeze.status().ToString();
    return one->CreateSnapshotSet(request);
  }();
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->snapshots.size(), 1u);
  const LunInfo snap = set->snapshots[0];
  const std::string snap_file = pool_dir() + "/luns/" + snap.name + ".img";
  LoopCleanup cleanup(snap_file);  // declared before the mount: runs after
  const LunInformation dest = snap.ToLunInformation();

  // Not an importer: refused, nothing presented.
  Result<std::vector<SnapshotLun>> denied = three->LocateLuns({dest});
  EXPECT_EQ(denied.status().code(), Code::kAccessDenied)
      << denied.status().ToString();

  // Host two locates and surfaces it read-only.
  Result<std::vector<SnapshotLun>> located = two->LocateLuns({dest});
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  ASSERT_EQ(located->size(), 1u);
  const SnapshotLun& target = (*located)[0];
  EXPECT_EQ(target.provider_lun_id, std::to_string(snap.id));
  Result<SurfacedLun> surfaced = two->SurfaceLun(target, true);
  ASSERT_TRUE(surfaced.ok()) << surfaced.status().ToString();
  EXPECT_EQ(surfaced->device.rfind("/dev/loop", 0), 0u) << surfaced->device;
  EXPECT_TRUE(surfaced->read_only);
  EXPECT_EQ(surfaced->size_bytes, 512 * kMiB);
  EXPECT_EQ(surfaced->snapshot_set_id, request.snapshot_set_id);
  EXPECT_EQ(surfaced->lun.mapping.destination, dest);
  EXPECT_EQ(surfaced->lun.mapping.source, target.mapping.source);
  Result<os::LoopDevice> inspected = os::InspectLoopDevice(surfaced->device);
  ASSERT_TRUE(inspected.ok()) << inspected.status().ToString();
  EXPECT_TRUE(inspected->read_only);
  {
    int wfd = ::open(surfaced->device.c_str(), O_WRONLY | O_CLOEXEC);
    const char zero[512] = {};
    EXPECT_TRUE(wfd < 0 || ::pwrite(wfd, zero, sizeof zero, 0) < 0)
        << "a write to the surfaced snapshot LUN succeeded";
    if (wfd >= 0) ::close(wfd);
  }
  Result<LunInfo> at_array = admin->GetLun(snap.id);
  ASSERT_TRUE(at_array.ok());
  ASSERT_EQ(at_array->attachments.size(), 1u);
  EXPECT_EQ(at_array->attachments[0].host, "two");
  EXPECT_EQ(at_array->attachments[0].device, surfaced->device);

  // Idempotent: the same device, no second one.
  Result<SurfacedLun> again = two->SurfaceLun(target, true);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->device, surfaced->device);
  EXPECT_EQ(os::LoopDevicesBackedBy(snap_file)->size(), 1u);
  Result<std::vector<SurfacedLun>> listed = two->ListSurfacedLuns();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].device, surfaced->device);
  EXPECT_EQ((*listed)[0].size_bytes, 512 * kMiB);

  // Another importer while two holds the set.
  Result<std::vector<SnapshotLun>> busy = four->LocateLuns({dest});
  EXPECT_EQ(busy.status().code(), Code::kVolumeInUse)
      << busy.status().ToString();
  EXPECT_NE(busy.status().message().find("'two'"), std::string::npos)
      << busy.status().ToString();

  // The snapshot's filesystem as it was at the point in time.
  os::MountOptions ro;
  ro.read_only = true;
  ro.data = "nouuid,norecovery";
  const std::string copy = work_dir() + "/copy";
  ASSERT_EQ(::mkdir(copy.c_str(), 0700), 0);
  {
    Result<os::ScopedMount> mount =
        os::ScopedMount::Mount(surfaced->device, copy, "xfs", ro);
    ASSERT_TRUE(mount.ok()) << mount.status().ToString();
    EXPECT_EQ(ReadFile(copy + "/hello.txt"), "transported\n");

    Status in_use = two->UnsurfaceLun(target);
    EXPECT_EQ(in_use.code(), Code::kVolumeInUse) << in_use.ToString();
    EXPECT_NE(in_use.message().find(copy), std::string::npos)
        << in_use.ToString();
    EXPECT_EQ(os::LoopDevicesBackedBy(snap_file)->size(), 1u);
    Status unmounted = mount->Unmount();
    ASSERT_TRUE(unmounted.ok()) << unmounted.ToString();
  }

  Status unsurfaced = two->UnsurfaceLun(target);
  ASSERT_TRUE(unsurfaced.ok()) << unsurfaced.ToString();
  EXPECT_TRUE(os::LoopDevicesBackedBy(snap_file)->empty());
  EXPECT_TRUE(admin->GetLun(snap.id)->attachments.empty());
  Status twice = two->UnsurfaceLun(target);
  EXPECT_TRUE(twice.ok()) << twice.ToString();
  listed = two->ListSurfacedLuns();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  // Released: two must locate again; four may import now.
  Status released = two->ReleaseLuns(*located);
  ASSERT_TRUE(released.ok()) << released.ToString();
  EXPECT_TRUE(admin->GetLun(snap.id)->presented_to.empty());
  Result<SurfacedLun> masked = two->SurfaceLun(target, true);
  EXPECT_EQ(masked.status().code(), Code::kAccessDenied)
      << masked.status().ToString();
  EXPECT_TRUE(os::LoopDevicesBackedBy(snap_file)->empty());
  EXPECT_TRUE(two->ReleaseLuns(*located).ok());
  Result<std::vector<SnapshotLun>> fourth = four->LocateLuns({dest});
  EXPECT_TRUE(fourth.ok()) << fourth.status().ToString();
}

}  // namespace
}  // namespace sp::testing_support
