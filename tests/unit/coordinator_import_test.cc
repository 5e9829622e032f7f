// The importing host's side of the coordinator without root (issue 5):
// ImportSnapshots (locate, surface, check, expose, record), its rollback,
// lifetimes of imported sets, cleanup after a crash mid-import, and the
// done-signal of the creating host.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "shadowport/documents.h"
#include "unit/coordinator_fixture.h"

namespace sp::service::coordinator_test {
namespace {

LunInformation SnapLun(int n, uint64_t size) {
  LunInformation l;
  l.array_id = "{5e1d6a40-8c1b-4f0e-9a3c-2b7d9e4f6a01}";
  l.lun_id = std::to_string(100 + n);
  l.vendor_id = "SHADOWPT";
  l.product_id = "EMBEDDED ARRAY";
  l.product_revision = "0.1";
  l.serial_number = "SPA0000" + std::to_string(100 + n);
  char naa[40];
  std::snprintf(naa, sizeof naa, "naa.6%031x", n);
  l.unique_id = naa;
  l.size_bytes = size;
  return l;
}

class ImportTest : public CoordinatorTest {
 protected:
  // systemOne's BCD of a transportable set with `volumes` (xfs, ext4, ...
  // by name), made on "host-one".
  std::string TransportableBcd(const std::vector<std::string>& fs_types,
                               uint32_t context = kBackup |
                                                  attr::kTransportable) {
    BackupComponentsDocument bcd;
    SnapshotSetDescription set;
    set.snapshot_set_id = *Guid::Random();
    set.context = context;
    set.creating_host = "host-one";
    for (size_t i = 0; i < fs_types.size(); ++i) {
      SnapshotDescription d;
      d.snapshot_id = *Guid::Random();
      d.provider_id = *Guid::Parse(kProviderId);
      d.attributes = context | attr::kHardwareAssisted | attr::kNotSurfaced;
      d.creation_time_us = 1'700'000'000'000'000;
      d.original = OriginalVolume{"/dev/loop" + std::to_string(i),
                                  "/srv/vol" + std::to_string(i), fs_types[i],
                                  "uuid-" + std::to_string(i)};
      LunMapping m;
      m.source = SnapLun(50 + static_cast<int>(i), 1 << 30);
      m.destination = SnapLun(static_cast<int>(i), 1 << 30);
      d.luns.push_back(m);
      set.snapshots.push_back(d);
    }
    set_id_ = set.snapshot_set_id;
    bcd.snapshot_set = set;
    Result<std::string> xml = SaveBcd(bcd);
    EXPECT_TRUE(xml.ok()) << xml.status().ToString();
    return xml.ok() ? *xml : "";
  }

  void MakeImportable(int n, uint64_t arriving_size = 1 << 30) {
    provider_->AddImportable(SnapLun(n, 1 << 30), arriving_size);
  }

  std::unique_ptr<BackupSession> Importer(const std::string& bcd) {
    auto session = std::make_unique<BackupSession>(service_.get(), "import");
    EXPECT_TRUE(session->InitializeForBackup(bcd).ok());
    return session;
  }

  void SetUp() override {
    CoordinatorTest::SetUp();
    config_.exposure_root = "/run/sp-test/sets";
  }

  Guid set_id_;
};

TEST_F(ImportTest, ImportsChecksExposesAndRecords) {
  const std::string bcd = TransportableBcd({"xfs", "ext4"});
  MakeImportable(0);
  MakeImportable(1);
  std::unique_ptr<BackupSession> session = Importer(bcd);
  Result<ImportOutcome> outcome = session->ImportSnapshots(true);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->overall.code(), Code::kOk);
  ASSERT_EQ(outcome->snapshots.size(), 2u);
  const std::string root = "/run/sp-test/sets/" + set_id_.ToBareString();
  EXPECT_EQ(outcome->snapshots[0].exposed_path, root + "/srv_vol0");
  EXPECT_EQ(outcome->snapshots[1].exposed_path, root + "/srv_vol1");
  // XFS beside its origin needs nouuid, and neither may replay its log.
  EXPECT_EQ(system_.mounts().size(), 2u);
  bool xfs = false, ext4 = false;
  for (const std::string& line : journal_) {
    xfs |= line.find("xfs nouuid,norecovery") != std::string::npos;
    ext4 |= line.find("ext4 noload") != std::string::npos;
  }
  EXPECT_TRUE(xfs && ext4);

  Result<SetRecord> set = inventory_->GetSet(set_id_);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->state, SetState::kImported);
  EXPECT_EQ(set->creating_host, "host-one");
  for (const SnapshotRecord& s : set->snapshots) {
    EXPECT_TRUE(s.attributes & attr::kImported);
    EXPECT_TRUE(s.attributes & attr::kExposedLocally);
    EXPECT_FALSE(s.attributes & attr::kNotSurfaced);
    EXPECT_FALSE(s.device.empty());
    ASSERT_EQ(s.luns.size(), 1u);
    EXPECT_FALSE(s.luns[0].provider_lun_id.empty());
  }
  // Importing the same set again on this host is refused.
  std::unique_ptr<BackupSession> again = Importer(bcd);
  EXPECT_EQ(again->ImportSnapshots(true).status().code(),
            Code::kObjectAlreadyExists);

  // Auto-release: the set goes with the importing session, unmounted,
  // detached and deleted at the provider.
  ASSERT_TRUE(session->End().ok());
  EXPECT_TRUE(system_.mounts().empty());
  EXPECT_TRUE(provider_->surfaced().empty());
  EXPECT_EQ(SetCount(), 0u);
}

TEST_F(ImportTest, RefusedLocateChangesNothing) {
  const std::string bcd = TransportableBcd({"xfs"});
  MakeImportable(0);
  provider_->RefuseLocate(
      Status(Code::kAccessDenied, "array: not an importer"));
  std::unique_ptr<BackupSession> session = Importer(bcd);
  EXPECT_EQ(session->ImportSnapshots(true).status().code(),
            Code::kAccessDenied);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(provider_->located().empty());
  EXPECT_TRUE(provider_->surfaced().empty());
  EXPECT_TRUE(system_.mounts().empty());
}

TEST_F(ImportTest, MismatchedLunIsNotImportedTheOthersAre) {
  const std::string bcd = TransportableBcd({"xfs", "xfs"});
  MakeImportable(0);
  MakeImportable(1, /*arriving_size=*/512 << 20);  // not what the BCD says
  std::unique_ptr<BackupSession> session = Importer(bcd);
  Result<ImportOutcome> outcome = session->ImportSnapshots(true);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->overall.code(), Code::kSomeSnapshotsNotImported);
  EXPECT_TRUE(outcome->snapshots[0].status.ok());
  EXPECT_EQ(outcome->snapshots[1].status.code(), Code::kMissingDisk);
  EXPECT_EQ(provider_->surfaced().size(), 1u);
  EXPECT_EQ(provider_->located().size(), 1u);  // the bad one released
  Result<SetRecord> set = inventory_->GetSet(set_id_);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->snapshots.size(), 1u);
}

TEST_F(ImportTest, NothingImportedLeavesNothing) {
  const std::string bcd = TransportableBcd({"xfs", "ext4"});
  MakeImportable(0, 1);
  MakeImportable(1, 2);
  std::unique_ptr<BackupSession> session = Importer(bcd);
  EXPECT_EQ(session->ImportSnapshots(true).status().code(),
            Code::kNoSnapshotsImported);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(provider_->located().empty());
  EXPECT_TRUE(provider_->surfaced().empty());
}

TEST_F(ImportTest, NonTransportableBcdIsRefused) {
  const std::string bcd = TransportableBcd({"xfs"}, kBackup);
  std::unique_ptr<BackupSession> session = Importer(bcd);
  EXPECT_EQ(session->ImportSnapshots(true).status().code(),
            Code::kNontransportableBcd);
  std::unique_ptr<BackupSession> empty = Importer("");
  EXPECT_EQ(empty->ImportSnapshots(true).status().code(), Code::kBadState);
}

TEST_F(ImportTest, FilesystemThatCannotBeMountedBesideItsOriginIsNotExposed) {
  const std::string bcd = TransportableBcd({"btrfs"});
  MakeImportable(0);
  std::unique_ptr<BackupSession> session = Importer(bcd);
  Result<ImportOutcome> outcome = session->ImportSnapshots(true);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->snapshots[0].status.ok());
  EXPECT_FALSE(outcome->snapshots[0].device.empty());
  EXPECT_TRUE(outcome->snapshots[0].exposed_path.empty());
  EXPECT_EQ(service_->Expose(outcome->snapshots[0].snapshot_id).status().code(),
            Code::kVolumeNotSupported);
}

TEST_F(ImportTest, PersistentImportOutlivesTheSessionUntilDeleted) {
  const std::string bcd =
      TransportableBcd({"xfs"}, kAppRollback | attr::kTransportable);
  MakeImportable(0);
  std::unique_ptr<BackupSession> session = Importer(bcd);
  Result<ImportOutcome> outcome = session->ImportSnapshots(false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(system_.mounts().empty());  // not exposed
  const Guid snapshot = outcome->snapshots[0].snapshot_id;
  ASSERT_TRUE(service_->Expose(snapshot).ok());
  EXPECT_EQ(system_.mounts().size(), 1u);
  ASSERT_TRUE(service_->Unexpose(snapshot).ok());
  EXPECT_TRUE(system_.mounts().empty());
  ASSERT_TRUE(service_->Expose(snapshot).ok());
  ASSERT_TRUE(session->End().ok());
  EXPECT_EQ(SetCount(), 1u);
  EXPECT_EQ(provider_->surfaced().size(), 1u);

  Result<DeleteOutcome> deleted =
      service_->DeleteSnapshots(set_id_, true, false);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(system_.mounts().empty());
  EXPECT_TRUE(provider_->surfaced().empty());
  EXPECT_EQ(SetCount(), 0u);
}

TEST_F(ImportTest, CleanupUndoesACrashedImportAndOrphanLuns) {
  const std::string bcd = TransportableBcd({"xfs"});
  MakeImportable(0);
  // A crash after the LUN was located and surfaced, before the import was
  // recorded as done: the inventory says importing.
  Result<BackupComponentsDocument> doc = LoadBcd(bcd);
  ASSERT_TRUE(doc.ok());
  SetRecord record;
  record.snapshot_set_id = set_id_;
  record.context = doc->snapshot_set->context;
  record.state = SetState::kImporting;
  SnapshotRecord s;
  s.snapshot_id = doc->snapshot_set->snapshots[0].snapshot_id;
  s.snapshot_set_id = set_id_;
  s.provider_id = *Guid::Parse(kProviderId);
  s.attributes = attr::kImported | attr::kTransportable;
  Result<std::vector<providers::SnapshotLun>> located =
      provider_->LocateLuns({SnapLun(0, 1 << 30)});
  ASSERT_TRUE(located.ok());
  s.luns = *located;
  Result<providers::SurfacedLun> surfaced =
      provider_->SurfaceLun(s.luns[0], true);
  ASSERT_TRUE(surfaced.ok());
  s.device = surfaced->device;
  record.snapshots.push_back(s);
  ASSERT_TRUE(inventory_->AddSet(record).ok());
  ASSERT_TRUE(
      system_.MountReadOnly(s.device, "/run/sp-test/x", "xfs", "").ok());
  // And a LUN surfaced here that no inventory row knows at all.
  provider_->AddImportable(SnapLun(7, 1 << 30), 1 << 30);
  Result<std::vector<providers::SnapshotLun>> orphan =
      provider_->LocateLuns({SnapLun(7, 1 << 30)});
  ASSERT_TRUE(orphan.ok());
  ASSERT_TRUE(provider_->SurfaceLun((*orphan)[0], true).ok());

  Result<std::vector<std::string>> actions = service_->Cleanup();
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  EXPECT_EQ(actions->size(), 2u);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(provider_->surfaced().empty());
  EXPECT_TRUE(provider_->located().empty());
  EXPECT_TRUE(system_.mounts().empty());
}

TEST_F(ImportTest, DoneSignalFromAnImporterReachesTheWaitingSession) {
  AddVolume(1);
  std::unique_ptr<BackupSession> session = Open(kBackup | attr::kTransportable);
  const Guid set = Start(*session, {"/srv/v1"}, {"host-two"});
  Result<std::string> bcd = session->DoSnapshotSet();
  ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();

  // Not an importer: refused, nothing delivered.
  EXPECT_EQ(service_->DeliverBackupDone({"host-three", set, *bcd, 0}).code(),
            Code::kAccessDenied);
  EXPECT_EQ(session
                ->WaitForBackupDone(std::chrono::milliseconds(50),
                                    [] { return false; })
                .status()
                .code(),
            Code::kDeadlineExceeded);
  // Unknown set.
  EXPECT_EQ(service_->DeliverBackupDone({"host-two", *Guid::Random(), *bcd, 0})
                .code(),
            Code::kObjectNotFound);
  // The importer: kept until the session takes it.
  ASSERT_TRUE(service_->DeliverBackupDone({"host-two", set, *bcd, 0}).ok());
  Result<BackupDoneSignal> done = session->WaitForBackupDone(
      std::chrono::milliseconds(1000), [] { return false; });
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->from_host, "host-two");
  EXPECT_EQ(done->snapshot_set_id, set);
  // A cancelled wait ends at once.
  EXPECT_EQ(
      session->WaitForBackupDone(std::chrono::seconds(10), [] { return true; })
          .status()
          .code(),
      Code::kCancelled);
}

TEST_F(ImportTest, DoneSignalAfterTheImporterDeletedTheSetForgetsIt) {
  AddVolume(1);
  std::unique_ptr<BackupSession> session =
      Open(kAppRollback | attr::kTransportable);
  const Guid set = Start(*session, {"/srv/v1"}, {"host-two"});
  Result<std::string> bcd = session->DoSnapshotSet();
  ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();
  Result<SetRecord> record = inventory_->GetSet(set);
  ASSERT_TRUE(record.ok());
  // The importing host deletes the persistent set's LUNs (step 8)...
  ASSERT_TRUE(provider_->DeleteSnapshotLuns(record->snapshots[0].luns).ok());
  // ...and signals: the creating host forgets the set.
  ASSERT_TRUE(service_->DeliverBackupDone({"host-two", set, *bcd, 0}).ok());
  EXPECT_EQ(inventory_->GetSet(set).status().code(), Code::kObjectNotFound);
  EXPECT_TRUE(session
                  ->WaitForBackupDone(std::chrono::milliseconds(100),
                                      [] { return false; })
                  .ok());
}

}  // namespace
}  // namespace sp::service::coordinator_test
