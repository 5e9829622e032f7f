// `shadowport-array attach` / `detach` as a registered host, for real: a
// shadowport-arrayd on an XFS pool, the CLI binary run with
// --host/--credential-file, loop devices and mounts in this machine's
// kernel. Root only. Whatever a test attached or mounted is released also
// when it fails: mounts by their ScopedMount, loop devices in TearDown (only
// those the CLI printed, and only while still backed by the LUN's file).
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/arrayd_fixture.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "os/process.h"

namespace sp::testing_support {
namespace {

using array::LunInfo;
using nlohmann::json;

constexpr uint64_t kMiB = 1ull << 20;

class ArraydAttachTest : public ArraydTest {
 protected:
  void SetUp() override {
    ArraydTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    StartDaemon();
    if (HasFatalFailure()) return;
    Result<array::NewHost> host = Admin()->AddHost("one", "");
    ASSERT_TRUE(host.ok()) << host.status().ToString();
    credential_file_ = work_dir() + "/one.credential";
    std::ofstream(credential_file_) << host->credential << "\n";
    ASSERT_EQ(::chmod(credential_file_.c_str(), 0600), 0);
  }

  void TearDown() override {
    // Exactly the devices the CLI attached, if still backed by the LUN file.
    for (const os::LoopDevice& device : attached_) {
      Status s = os::DetachLoopDevice(device);
      EXPECT_TRUE(s.ok() || s.code() == Code::kObjectNotFound) << s.ToString();
    }
    attached_.clear();
    ArraydTest::TearDown();
  }

  // A new LUN presented to host "one".
  LunInfo NewPresentedLun(uint64_t size = 128 * kMiB) {
    auto admin = Admin();
    Result<LunInfo> lun = admin->CreateLun(size);
    EXPECT_TRUE(lun.ok()) << lun.status().ToString();
    if (!lun.ok()) return {};
    Status presented = admin->Present(lun->id, "one");
    EXPECT_TRUE(presented.ok()) << presented.ToString();
    return *lun;
  }

  std::string LunFile(const LunInfo& lun) const {
    return pool_dir() + "/luns/" + lun.name + ".img";
  }

  // Runs the CLI as host "one".
  os::ProcessResult HostCli(std::vector<std::string> args) {
    args.insert(args.begin(), {Program("src/array/cli/shadowport-array"),
                               "--socket", array_socket(), "--host", "one",
                               "--credential-file", credential_file_});
    Result<os::ProcessResult> run = os::RunProcess(args);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : os::ProcessResult{};
  }

  // `attach ... --json`; records the device for TearDown. "" on failure.
  json Attach(const LunInfo& lun, std::vector<std::string> args) {
    args.insert(args.begin(), "attach");
    args.push_back("--json");
    os::ProcessResult r = HostCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json out = json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || !out.contains("device")) return json::object();
    struct stat st {};
    EXPECT_EQ(::stat(LunFile(lun).c_str(), &st), 0);
    attached_.push_back(os::LoopDevice{
        out["device"].get<std::string>(), static_cast<uint64_t>(st.st_dev),
        static_cast<uint64_t>(st.st_ino), false});
    return out;
  }

  // The devices the array records for host "one" on LUN `id`.
  std::vector<std::string> ArrayDevices(uint64_t id) {
    Result<LunInfo> lun = Admin()->GetLun(id);
    EXPECT_TRUE(lun.ok()) << lun.status().ToString();
    std::vector<std::string> devices;
    if (!lun.ok()) return devices;
    for (const array::Attachment& a : lun->attachments) {
      EXPECT_EQ(a.host, "one");
      devices.push_back(a.device);
    }
    return devices;
  }

  std::vector<std::string> LocalDevices(const LunInfo& lun) {
    Result<std::vector<std::string>> devices =
        os::LoopDevicesBackedBy(LunFile(lun));
    EXPECT_TRUE(devices.ok()) << devices.status().ToString();
    return devices.ok() ? *devices : std::vector<std::string>{};
  }

  std::string credential_file_;
  std::vector<os::LoopDevice> attached_;
};

TEST_F(ArraydAttachTest, AttachMountRefuseDetachAsAHost) {
  const LunInfo lun = NewPresentedLun();
  ASSERT_NE(lun.id, 0u);
  json first = Attach(lun, {std::to_string(lun.id)});
  ASSERT_TRUE(first.contains("device")) << first.dump();
  const std::string device = first["device"];
  EXPECT_EQ(device.rfind("/dev/loop", 0), 0u) << device;
  EXPECT_EQ(first["naa"], lun.naa);
  EXPECT_EQ(first["name"], lun.name);
  EXPECT_EQ(first["already_attached"], false);
  EXPECT_EQ(first["read_only"], false);
  Result<std::string> backing = os::LoopBackingFile(device);
  ASSERT_TRUE(backing.ok()) << backing.status().ToString();
  EXPECT_EQ(*backing, LunFile(lun));
  EXPECT_EQ(first["backing_file"], LunFile(lun));
  Result<os::LoopDevice> loop = os::InspectLoopDevice(device);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  EXPECT_FALSE(loop->read_only);
  EXPECT_EQ(ArrayDevices(lun.id), std::vector<std::string>{device});

  // Again, by NAA id: the same device, not a second one.
  json again = Attach(lun, {lun.naa});
  EXPECT_EQ(again["device"], device);
  EXPECT_EQ(again["already_attached"], true);
  EXPECT_EQ(LocalDevices(lun), std::vector<std::string>{device});
  EXPECT_EQ(ArrayDevices(lun.id), std::vector<std::string>{device});
  // Text output: the device first; `lun list` shows it to the host.
  os::ProcessResult text = HostCli({"attach", lun.name});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind(device + "\n", 0), 0u) << text.out;
  os::ProcessResult list = HostCli({"lun", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("one:" + device), std::string::npos) << list.out;

  // Mounted: detach refuses, naming the mount point, and changes nothing.
  Result<os::ProcessResult> mkfs =
      os::RunProcessChecked({"mkfs.ext4", "-q", "-F", device}, {});
  ASSERT_TRUE(mkfs.ok()) << mkfs.status().ToString();
  const std::string dir = work_dir() + "/mnt";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  Result<os::ScopedMount> mount =
      os::ScopedMount::Mount(device, dir, "ext4", os::MountOptions{});
  ASSERT_TRUE(mount.ok()) << mount.status().ToString();
  os::ProcessResult busy = HostCli({"detach", std::to_string(lun.id)});
  EXPECT_EQ(busy.exit_code, InfoOf(Code::kVolumeInUse).exit_code) << busy.err;
  EXPECT_NE(busy.err.find("VSS_E_VOLUME_IN_USE"), std::string::npos)
      << busy.err;
  EXPECT_NE(busy.err.find(dir), std::string::npos) << busy.err;
  EXPECT_EQ(LocalDevices(lun), std::vector<std::string>{device});
  EXPECT_EQ(ArrayDevices(lun.id), std::vector<std::string>{device});

  // Unmounted: detach removes the loop device and the array's attachment.
  Status unmounted = mount->Unmount();
  ASSERT_TRUE(unmounted.ok()) << unmounted.ToString();
  os::ProcessResult detach =
      HostCli({"detach", std::to_string(lun.id), "--json"});
  ASSERT_EQ(detach.exit_code, 0) << detach.err;
  json detached = json::parse(detach.out, nullptr, false);
  EXPECT_EQ(detached["devices"], json::array({device})) << detach.out;
  EXPECT_TRUE(LocalDevices(lun).empty());
  Result<std::string> gone = os::LoopBackingFile(device);
  EXPECT_TRUE(!gone.ok() || *gone != LunFile(lun));
  EXPECT_TRUE(ArrayDevices(lun.id).empty());
  // Detaching again: nothing left to do.
  EXPECT_EQ(HostCli({"detach", std::to_string(lun.id)}).exit_code, 0);
}

TEST_F(ArraydAttachTest, ReadOnlyAttach) {
  const LunInfo lun = NewPresentedLun();
  ASSERT_NE(lun.id, 0u);
  json ro = Attach(lun, {std::to_string(lun.id), "--read-only"});
  ASSERT_TRUE(ro.contains("device")) << ro.dump();
  EXPECT_EQ(ro["read_only"], true);
  Result<os::LoopDevice> loop =
      os::InspectLoopDevice(ro["device"].get<std::string>());
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  EXPECT_TRUE(loop->read_only);
  ASSERT_EQ(HostCli({"detach", std::to_string(lun.id)}).exit_code, 0);
  EXPECT_TRUE(LocalDevices(lun).empty());

  // Attached read-write already: --read-only does not pretend.
  json rw = Attach(lun, {std::to_string(lun.id)});
  ASSERT_TRUE(rw.contains("device")) << rw.dump();
  os::ProcessResult refused =
      HostCli({"attach", std::to_string(lun.id), "--read-only"});
  EXPECT_EQ(refused.exit_code, InfoOf(Code::kBadState).exit_code)
      << refused.err;
  EXPECT_EQ(LocalDevices(lun),
            std::vector<std::string>{rw["device"].get<std::string>()});
  ASSERT_EQ(HostCli({"detach", std::to_string(lun.id)}).exit_code, 0);

  // A snapshot LUN is read-only without asking.
  array::SnapshotSetRequest request;
  request.snapshot_set_id = *Guid::Random();
  request.lun_ids = {lun.id};
  std::ifstream in(credential_file_);
  std::string credential;
  std::getline(in, credential);
  Result<array::SnapshotSetResult> set =
      AsHost("one", credential)->CreateSnapshotSet(request);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->snapshots.size(), 1u);
  const LunInfo& snapshot = set->snapshots[0];
  json snap = Attach(snapshot, {snapshot.naa});
  ASSERT_TRUE(snap.contains("device")) << snap.dump();
  EXPECT_EQ(snap["read_only"], true);
  EXPECT_EQ(snap["is_snapshot"], true);
  Result<os::LoopDevice> snap_loop =
      os::InspectLoopDevice(snap["device"].get<std::string>());
  ASSERT_TRUE(snap_loop.ok()) << snap_loop.status().ToString();
  EXPECT_TRUE(snap_loop->read_only);
  ASSERT_EQ(HostCli({"detach", snapshot.naa}).exit_code, 0);
  EXPECT_TRUE(LocalDevices(snapshot).empty());
  EXPECT_TRUE(ArrayDevices(snapshot.id).empty());
}

}  // namespace
}  // namespace sp::testing_support
