// shadowport-arrayd for real: a daemon on an XFS (reflink=1) pool on a loop
// device, driven over its Unix socket with ArrayClient, LUNs attached as loop
// devices and mounted. Root only.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "integration/arrayd_fixture.h"
#include "os/freeze.h"
#include "os/process.h"

namespace sp::testing_support {
namespace {

using array::LunInfo;
using array::SnapshotSetRequest;

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

void Mkfs(const std::string& fstype, const std::string& device) {
  std::vector<std::string> argv =
      fstype == "xfs"
          ? std::vector<std::string>{"mkfs.xfs", "-q", "-f", device}
          : std::vector<std::string>{"mkfs.ext4", "-q", "-F", device};
  Result<os::ProcessResult> r = os::RunProcessChecked(argv, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

Guid NewGuid() { return *Guid::Random(); }

TEST_F(ArraydTest, LunLifecycleAndIdentityNeverReused) {
  StartDaemon();
  auto admin = Admin();
  std::set<uint64_t> ids;
  std::set<std::string> naas, serials;
  std::vector<LunInfo> luns;
  for (int i = 0; i < 4; ++i) {
    Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
    ASSERT_TRUE(lun.ok()) << lun.status().ToString();
    EXPECT_TRUE(ids.insert(lun->id).second);
    EXPECT_TRUE(naas.insert(lun->naa).second);
    EXPECT_TRUE(serials.insert(lun->serial).second);
    EXPECT_EQ(lun->naa.rfind("naa.6", 0), 0u);
    EXPECT_EQ(lun->naa.size(), 36u);
    luns.push_back(*lun);
  }
  EXPECT_EQ(PoolLunFiles().size(), 4u);
  // Delete the newest, restart the daemon: its id is never handed out again.
  ASSERT_TRUE(admin->DeleteLun(luns.back().id).ok());
  StartDaemon();
  admin = Admin();
  Result<LunInfo> next = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->id, luns.back().id);
  EXPECT_FALSE(naas.count(next->naa));
  EXPECT_FALSE(serials.count(next->serial));
  // Resize: grow only.
  EXPECT_TRUE(admin->ResizeLun(next->id, 1024 * kMiB).ok());
  EXPECT_EQ(admin->GetLun(next->id)->size_bytes, 1024 * kMiB);
  EXPECT_EQ(admin->ResizeLun(next->id, 256 * kMiB).code(), Code::kInvalidArg);
  // A presented LUN cannot be deleted.
  auto host = NewHost("alpha");
  ASSERT_TRUE(admin->Present(next->id, "alpha").ok());
  EXPECT_EQ(admin->DeleteLun(next->id).code(), Code::kVolumeInUse);
  ASSERT_TRUE(admin->Unpresent(next->id, "alpha").ok());
  EXPECT_TRUE(admin->DeleteLun(next->id).ok());
  EXPECT_EQ(admin->GetLun(next->id).status().code(), Code::kObjectNotFound);
}

TEST_F(ArraydTest, UnauthenticatedCallsAreRefusedAndLogged) {
  StartDaemon();
  auto alpha = NewHost("alpha");
  ASSERT_TRUE(alpha->ListLuns().ok());
  const std::string bad = "c2VjcmV0LWJ1dC13cm9uZw";
  EXPECT_EQ(AsHost("alpha", bad)->ListLuns().status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(AsHost("nobody", "x")->ListLuns().status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(AsHost("", "")->ListLuns().status().code(), Code::kUnauthenticated);
  // A host cannot do what only the admin may.
  EXPECT_EQ(alpha->CreateLun(512 * kMiB).status().code(),
            Code::kAccessDeniedLocal);
  const std::string log = DaemonLog();
  EXPECT_NE(log.find("nobody"), std::string::npos) << log;
  EXPECT_EQ(log.find(bad), std::string::npos)
      << "credentials must never be logged:\n"
      << log;
}

TEST_F(ArraydTest, MaskingHidesAndRefusesWhatIsNotPresented) {
  StartDaemon();
  auto admin = Admin();
  auto alpha = NewHost("alpha");
  auto beta = NewHost("beta");
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok());
  ASSERT_TRUE(admin->Present(lun->id, "alpha").ok());
  EXPECT_EQ(alpha->ListLuns()->size(), 1u);
  EXPECT_TRUE(beta->ListLuns()->empty());
  EXPECT_EQ(beta->GetLun(lun->id).status().code(), Code::kAccessDenied);
  EXPECT_EQ(beta->Attach(lun->id).status().code(), Code::kAccessDenied);
  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = {lun->id};
  EXPECT_EQ(beta->CreateSnapshotSet(request).status().code(),
            Code::kAccessDenied);
  // Nothing changed: no attachment, no snapshot, same presentation.
  Result<LunInfo> after = admin->GetLun(lun->id);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->attachments.empty());
  EXPECT_EQ(after->presented_to, std::vector<std::string>{"alpha"});
  EXPECT_TRUE(admin->ListSnapshots(std::nullopt)->empty());
}

// Data written before the snapshot is in it, data written after is not; the
// snapshot LUN reaches only the named importer, read-only; break makes it an
// ordinary read-write LUN with a new identity.
TEST_F(ArraydTest, TransportableSnapshotIsConsistentMaskedAndBreakable) {
  StartDaemon();
  auto admin = Admin();
  auto one = NewHost("systemOne");
  auto two = NewHost("systemTwo");
  auto other = NewHost("systemThree");
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok());
  ASSERT_TRUE(admin->Present(lun->id, "systemOne").ok());

  const std::string device = AttachLun(*one, lun->id);
  ASSERT_FALSE(device.empty());
  ASSERT_NO_FATAL_FAILURE(Mkfs("xfs", device));
  const std::string origin = MountDevice(device, "xfs", {});
  ASSERT_TRUE(one->ReportMount(lun->id, true).ok());
  WriteFile(origin + "/before.txt", "written before the snapshot\n");

  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = {lun->id};
  request.transportable = true;
  request.importers = {"systemTwo"};
  Result<array::SnapshotSetResult> set = [&] {
    os::ScopedFreeze freeze(origin);
    EXPECT_TRUE(freeze.ok()) << freeze.status().ToString();
    return one->CreateSnapshotSet(request);
  }();
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->snapshots.size(), 1u);
  EXPECT_GT(set->commit_us, 0);
  const LunInfo snap = set->snapshots[0];
  EXPECT_TRUE(snap.is_snapshot);
  EXPECT_TRUE(snap.read_only);
  EXPECT_TRUE(snap.transportable);
  EXPECT_EQ(snap.origin_lun_id, lun->id);
  EXPECT_NE(snap.naa, lun->naa);
  WriteFile(origin + "/after.txt", "written after the snapshot\n");

  // Only the importer can locate it; presenting it elsewhere is refused.
  EXPECT_EQ(other->LocateLuns({snap.naa}).status().code(), Code::kAccessDenied);
  EXPECT_EQ(admin->Present(snap.id, "systemThree").code(), Code::kAccessDenied);
  Result<std::vector<LunInfo>> located = two->LocateLuns({snap.naa});
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  ASSERT_EQ(located->size(), 1u);

  // systemTwo attaches it read-only and mounts it beside its origin.
  const std::string snap_device = AttachLun(*two, snap.id);
  ASSERT_FALSE(snap_device.empty());
  {
    int wfd = ::open(snap_device.c_str(), O_WRONLY | O_CLOEXEC);
    const char zero[512] = {};
    EXPECT_TRUE(wfd < 0 || ::pwrite(wfd, zero, sizeof zero, 0) < 0)
        << "a snapshot LUN must attach read-only";
    if (wfd >= 0) ::close(wfd);
  }
  os::MountOptions ro;
  ro.read_only = true;
  ro.data = "nouuid,norecovery";
  const std::string copy = MountDevice(snap_device, "xfs", ro);
  EXPECT_EQ(ReadFile(copy + "/before.txt"), "written before the snapshot\n");
  EXPECT_FALSE(std::ifstream(copy + "/after.txt").good());
  EXPECT_EQ(admin->GetLun(snap.id)->attachments.size(), 1u);

  // Break is refused while attached, then gives a new read-write identity.
  EXPECT_EQ(two->BreakSnapshot(snap.id).status().code(), Code::kVolumeInUse);
  Unmount(copy);
  DetachLun(*two, snap.id);
  Result<LunInfo> broken = two->BreakSnapshot(snap.id);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  EXPECT_FALSE(broken->is_snapshot);
  EXPECT_FALSE(broken->read_only);
  EXPECT_NE(broken->id, snap.id);
  EXPECT_NE(broken->naa, snap.naa);
  const std::string rw_device = AttachLun(*two, broken->id);
  ASSERT_FALSE(rw_device.empty());
  os::MountOptions rw;
  rw.data = "nouuid";
  const std::string recovered = MountDevice(rw_device, "xfs", rw);
  EXPECT_EQ(ReadFile(recovered + "/before.txt"),
            "written before the snapshot\n");
  WriteFile(recovered + "/new.txt", "writable\n");
  EXPECT_EQ(ReadFile(recovered + "/new.txt"), "writable\n");
}

TEST_F(ArraydTest, ClusterRuleRefusesImportBesideARwMountedOriginal) {
  StartDaemon();
  auto admin = Admin();
  auto one = NewHost("node1", "prod");
  auto peer = NewHost("node2", "prod");
  auto backup = NewHost("backup", "");
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok());
  ASSERT_TRUE(admin->Present(lun->id, "node1").ok());
  ASSERT_TRUE(one->Attach(lun->id).ok());
  ASSERT_TRUE(one->ReportMount(lun->id, true).ok());
  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = {lun->id};
  request.transportable = true;
  request.importers = {"cluster:prod", "backup"};
  Result<array::SnapshotSetResult> set = one->CreateSnapshotSet(request);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const std::string naa = set->snapshots[0].naa;
  EXPECT_EQ(peer->LocateLuns({naa}).status().code(), Code::kImportCollision);
  EXPECT_TRUE(backup->LocateLuns({naa}).ok());
}

TEST_F(ArraydTest, FreeSpaceFloorRefusesSnapshots) {
  StartDaemon(DaemonOptions{
      .free_space_floor = 1ull << 40, .reserve_percent = 10, .crash_at = ""});
  auto admin = Admin();
  auto alpha = NewHost("alpha");
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok());
  ASSERT_TRUE(admin->Present(lun->id, "alpha").ok());
  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = {lun->id};
  EXPECT_EQ(alpha->CreateSnapshotSet(request).status().code(),
            Code::kInsufficientStorage);
  EXPECT_TRUE(admin->ListSnapshots(std::nullopt)->empty());
  EXPECT_EQ(PoolLunFiles().size(), 1u);
}

// Commit time must not grow with LUN size: 1 GiB vs 64 GiB, same data.
TEST_F(ArraydTest, CommitTimeDoesNotGrowWithLunSize) {
  // No reserve: 64 GiB of thin LUN on a 4 GiB pool.
  StartDaemon(DaemonOptions{
      .free_space_floor = 64ull << 20, .reserve_percent = 0, .crash_at = ""});
  auto admin = Admin();
  auto alpha = NewHost("alpha");
  auto median_commit_us = [&](uint64_t size) {
    Result<LunInfo> lun = admin->CreateLun(size);
    EXPECT_TRUE(lun.ok());
    EXPECT_TRUE(admin->Present(lun->id, "alpha").ok());
    Result<array::AttachInfo> info = alpha->Attach(lun->id);
    EXPECT_TRUE(info.ok());
    int fd = ::open(info->backing_file.c_str(), O_WRONLY | O_CLOEXEC);
    std::string block(kMiB, 'x');
    for (int i = 0; i < 32; ++i) {  // 32 MiB of data, spread out
      EXPECT_EQ(::pwrite(fd, block.data(), block.size(),
                         static_cast<off_t>(i * (size / 32))),
                static_cast<ssize_t>(block.size()));
    }
    ::fsync(fd);
    ::close(fd);
    EXPECT_TRUE(alpha->Detach(lun->id).ok());
    std::vector<int64_t> us;
    for (int run = 0; run < 7; ++run) {
      SnapshotSetRequest request;
      request.snapshot_set_id = NewGuid();
      request.lun_ids = {lun->id};
      Result<array::SnapshotSetResult> set = alpha->CreateSnapshotSet(request);
      EXPECT_TRUE(set.ok()) << set.status().ToString();
      if (!set.ok()) return int64_t{0};
      us.push_back(set->commit_us);
      EXPECT_TRUE(admin->DeleteSnapshotSet(request.snapshot_set_id).ok());
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
  };
  const int64_t small = median_commit_us(1ull << 30);
  const int64_t large = median_commit_us(64ull << 30);
  // 1.5x, with 2 ms of slack for a noisy machine at millisecond scale.
  EXPECT_LE(large, small * 3 / 2 + 2000)
      << "1 GiB: " << small << " us, 64 GiB: " << large << " us";
}

// SIGKILL of the daemon at each injected point of snapshot creation, then a
// restart: no half-made snapshot is visible and the pool holds exactly the
// catalogue's files.
TEST_F(ArraydTest, SigkillDuringSnapshotCreationRecoversOnRestart) {
  StartDaemon();
  auto admin = Admin();
  Result<array::NewHost> alpha_host = admin->AddHost("alpha", "");
  ASSERT_TRUE(alpha_host.ok());
  const std::vector<uint64_t> ids = LunsPresentedTo("alpha", 3, 256 * kMiB);
  ASSERT_EQ(ids.size(), 3u);
  for (const char* point : {"snapshot.after-intent", "snapshot.after-clone-1",
                            "snapshot.after-clones", "snapshot.before-commit",
                            "snapshot.after-commit"}) {
    SCOPED_TRACE(point);
    StartDaemonNoWait(DaemonOptions{.free_space_floor = 64ull << 20,
                                    .reserve_percent = 10,
                                    .crash_at = point});
    // Wait for the socket, then call: the daemon dies in the call.
    auto alpha = AsHost("alpha", alpha_host->credential);
    Result<array::SnapshotSetResult> set = Status(Code::kUnavailable, "");
    for (int tries = 0; tries < 200; ++tries) {
      SnapshotSetRequest request;
      request.snapshot_set_id = NewGuid();
      request.lun_ids = ids;
      set = alpha->CreateSnapshotSet(request);
      if (set.status().code() != Code::kUnavailable || daemon()->Poll()) break;
      usleep(20000);
    }
    EXPECT_FALSE(set.ok());
    std::optional<int> status = daemon()->Wait(std::chrono::seconds(10));
    ASSERT_TRUE(status.has_value()) << DaemonLog();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << DaemonLog();

    StartDaemon();
    Result<std::vector<LunInfo>> snapshots =
        Admin()->ListSnapshots(std::nullopt);
    ASSERT_TRUE(snapshots.ok());
    Result<std::vector<LunInfo>> luns = Admin()->ListLuns();
    ASSERT_TRUE(luns.ok());
    // Every snapshot that survived is complete: all three LUNs of its set.
    std::map<Guid, int> per_set;
    for (const LunInfo& s : *snapshots) ++per_set[s.snapshot_set_id];
    for (const auto& [set_id, count] : per_set) EXPECT_EQ(count, 3);
    // Catalogue and pool agree file for file.
    EXPECT_EQ(PoolLunFiles().size(), luns->size() + snapshots->size());
    for (const LunInfo& s : *snapshots) {
      EXPECT_TRUE(Admin()->DeleteSnapshot(s.id).ok());
    }
  }
}

// The three-step creation as the array provider drives it: Prepare before
// the freeze, only the clones (Commit) while the origin is frozen, the sync
// and the catalogue commit (Finish) after the thaw. The snapshot holds what
// was written before the freeze, nothing written after the thaw.
TEST_F(ArraydTest, ThreeStepSetAroundAFreezeIsAPointInTimeCopy) {
  StartDaemon();
  auto admin = Admin();
  auto one = NewHost("systemOne");
  Result<LunInfo> lun = admin->CreateLun(512 * kMiB);
  ASSERT_TRUE(lun.ok());
  ASSERT_TRUE(admin->Present(lun->id, "systemOne").ok());
  const std::string device = AttachLun(*one, lun->id);
  ASSERT_FALSE(device.empty());
  ASSERT_NO_FATAL_FAILURE(Mkfs("xfs", device));
  const std::string origin = MountDevice(device, "xfs", {});
  WriteFile(origin + "/before.txt", "written before the snapshot\n");

  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = {lun->id};
  ASSERT_TRUE(one->PrepareSnapshotSet(request).ok());
  const size_t files_prepared = PoolLunFiles().size();
  Result<int64_t> clone_us = [&]() -> Result<int64_t> {
    os::ScopedFreeze freeze(origin);
    EXPECT_TRUE(freeze.ok()) << freeze.status().ToString();
    return one->CommitSnapshotSet(request.snapshot_set_id);
  }();
  ASSERT_TRUE(clone_us.ok()) << clone_us.status().ToString();
  EXPECT_GT(*clone_us, 0);
  EXPECT_EQ(PoolLunFiles().size(), files_prepared + 1);
  EXPECT_TRUE(admin->ListSnapshots(std::nullopt)->empty());  // not yet a set
  WriteFile(origin + "/after.txt", "written after the thaw\n");

  Result<array::SnapshotSetResult> set =
      one->FinishSnapshotSet(request.snapshot_set_id);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->snapshots.size(), 1u);
  EXPECT_GE(set->commit_us, set->sync_us);
  const LunInfo snap = set->snapshots[0];
  EXPECT_EQ(snap.presented_to, std::vector<std::string>{"systemOne"});

  const std::string snap_device = AttachLun(*one, snap.id);
  ASSERT_FALSE(snap_device.empty());
  os::MountOptions ro;
  ro.read_only = true;
  ro.data = "nouuid,norecovery";
  const std::string copy = MountDevice(snap_device, "xfs", ro);
  EXPECT_EQ(ReadFile(copy + "/before.txt"), "written before the snapshot\n");
  EXPECT_FALSE(std::ifstream(copy + "/after.txt").good());
}

// SIGKILL of the daemon between the steps of a three-step creation (the
// host's freeze window is over, the set is not durable yet): the restarted
// daemon has undone the set and says so to the late Finish; no clone file
// is left, and the set can be made again under its id.
TEST_F(ArraydTest, SigkillBeforeFinishUndoesTheSetAndRefusesTheFinish) {
  StartDaemon();
  auto admin = Admin();
  Result<array::NewHost> alpha_host = admin->AddHost("alpha", "");
  ASSERT_TRUE(alpha_host.ok());
  const std::vector<uint64_t> ids = LunsPresentedTo("alpha", 2, 256 * kMiB);
  ASSERT_EQ(ids.size(), 2u);
  for (const char* point :
       {"snapshot.after-clones", "snapshot.before-commit"}) {
    SCOPED_TRACE(point);
    StartDaemonNoWait(DaemonOptions{.free_space_floor = 64ull << 20,
                                    .reserve_percent = 10,
                                    .crash_at = point});
    auto alpha = AsHost("alpha", alpha_host->credential);
    SnapshotSetRequest request;
    request.snapshot_set_id = NewGuid();
    request.lun_ids = ids;
    Status prepared = Status(Code::kUnavailable, "");
    for (int tries = 0; tries < 200; ++tries) {
      prepared = alpha->PrepareSnapshotSet(request);
      if (prepared.code() != Code::kUnavailable || daemon()->Poll()) break;
      usleep(20000);
    }
    ASSERT_TRUE(prepared.ok()) << prepared.ToString() << DaemonLog();
    Result<int64_t> cloned = alpha->CommitSnapshotSet(request.snapshot_set_id);
    if (cloned.ok()) {  // before-commit: the daemon dies in the Finish
      EXPECT_FALSE(alpha->FinishSnapshotSet(request.snapshot_set_id).ok());
    }
    std::optional<int> status = daemon()->Wait(std::chrono::seconds(10));
    ASSERT_TRUE(status.has_value()) << DaemonLog();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << DaemonLog();

    StartDaemon();
    alpha = AsHost("alpha", alpha_host->credential);
    EXPECT_TRUE(Admin()->ListSnapshots(std::nullopt)->empty());
    EXPECT_EQ(PoolLunFiles().size(), ids.size());
    Result<array::SnapshotSetResult> late =
        alpha->FinishSnapshotSet(request.snapshot_set_id);
    EXPECT_EQ(late.status().code(), Code::kObjectNotFound)
        << late.status().ToString();
    EXPECT_NE(late.status().message().find("restarted"), std::string::npos)
        << late.status().ToString();
    Result<array::SnapshotSetResult> again = alpha->CreateSnapshotSet(request);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    ASSERT_TRUE(alpha->DeleteSnapshotSet(request.snapshot_set_id).ok());
  }
}

TEST_F(ArraydTest, SigkillDuringDeletionFinishesItOnRestart) {
  StartDaemon();
  auto alpha = NewHost("alpha");
  const std::vector<uint64_t> ids = LunsPresentedTo("alpha", 2, 256 * kMiB);
  ASSERT_EQ(ids.size(), 2u);
  SnapshotSetRequest request;
  request.snapshot_set_id = NewGuid();
  request.lun_ids = ids;
  ASSERT_TRUE(alpha->CreateSnapshotSet(request).ok());
  ASSERT_EQ(PoolLunFiles().size(), 4u);

  StartDaemonNoWait(DaemonOptions{.free_space_floor = 64ull << 20,
                                  .reserve_percent = 10,
                                  .crash_at = "delete.after-remove"});
  Status deleted = Status(Code::kUnavailable, "");
  for (int tries = 0; tries < 200; ++tries) {
    if (::access((work_dir() + "/admin.token").c_str(), R_OK) == 0) {
      deleted = Admin()->DeleteSnapshotSet(request.snapshot_set_id);
      if (deleted.code() != Code::kUnavailable || daemon()->Poll()) break;
    }
    usleep(20000);
  }
  EXPECT_FALSE(deleted.ok());
  std::optional<int> status = daemon()->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << DaemonLog();
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);

  StartDaemon();
  EXPECT_TRUE(Admin()->ListSnapshots(std::nullopt)->empty());
  EXPECT_EQ(Admin()->ListLuns()->size(), 2u);
  EXPECT_EQ(PoolLunFiles().size(), 2u);
}

}  // namespace
}  // namespace sp::testing_support
