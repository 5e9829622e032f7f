// Service::BreakSnapshotSet without root (VSS BreakSnapshotSet(Ex), the
// basis of fast recovery): an imported set becomes ordinary volumes in the
// order unmount, unsurface, break, surface (read-only unless writable),
// new filesystem identity (writable); the inventory forgets it. Refusals
// change nothing; a failure midway stops, reports, and can be continued.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "shadowport/documents.h"
#include "unit/coordinator_fixture.h"

namespace sp::service::coordinator_test {
namespace {

LunInformation SnapLun(int n) {
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
  l.size_bytes = 1 << 30;
  return l;
}

class BreakTest : public CoordinatorTest {
 protected:
  void SetUp() override {
    CoordinatorTest::SetUp();
    config_.exposure_root = "/run/sp-test/sets";
  }
  void TearDown() override {
    importer_.reset();  // before the service it uses
    CoordinatorTest::TearDown();
  }

  // Imports (and exposes) a persistent transportable set made on
  // "host-one" with one volume per entry of `fs_types`; returns its id.
  Guid Import(const std::vector<std::string>& fs_types) {
    const uint32_t context = kAppRollback | attr::kTransportable;
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
      m.source = SnapLun(50 + static_cast<int>(i));
      m.destination = SnapLun(static_cast<int>(i));
      d.luns.push_back(m);
      set.snapshots.push_back(d);
      provider_->AddImportable(m.destination, 1 << 30);
    }
    bcd.snapshot_set = set;
    Result<std::string> xml = SaveBcd(bcd);
    EXPECT_TRUE(xml.ok()) << xml.status().ToString();
    importer_ = std::make_unique<BackupSession>(service_.get(), "import");
    EXPECT_TRUE(importer_->InitializeForBackup(xml.ok() ? *xml : "").ok());
    Result<ImportOutcome> outcome = importer_->ImportSnapshots(true);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    const size_t mountable = std::count_if(
        fs_types.begin(), fs_types.end(),
        [](const std::string& t) { return t == "xfs" || t == "ext4"; });
    EXPECT_EQ(system_.mounts().size(), mountable);
    return set.snapshot_set_id;
  }

  // The journal entries of the break's steps, in order.
  std::vector<std::string> BreakSteps() const {
    std::vector<std::string> out;
    for (const std::string& line : journal_) {
      for (const char* step :
           {"Unmount ", "Unsurface ", "Break ", "Surface ", "NewIdentity "}) {
        if (line.rfind(step, 0) == 0) out.push_back(line);
      }
    }
    return out;
  }

  std::unique_ptr<BackupSession> importer_;
};

TEST_F(BreakTest, ReadOnlyBreakMakesNewLunsAndForgetsTheSet) {
  const Guid set = Import({"xfs", "ext4"});
  const std::string exposure = "/run/sp-test/sets/" + set.ToBareString();
  journal_.clear();

  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(set, /*writable=*/false);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  ASSERT_EQ(broken->size(), 2u);
  const std::string naa0 = SnapLun(0).unique_id;
  const std::string naa1 = SnapLun(1).unique_id;
  const std::string new0 = (*broken)[0].lun.mapping.destination.unique_id;
  const std::string new1 = (*broken)[1].lun.mapping.destination.unique_id;
  EXPECT_EQ(BreakSteps(),
            (std::vector<std::string>{
                "Unmount " + exposure + "/srv_vol0", "Unsurface " + naa0,
                "Break " + naa0, "Surface " + new0,
                "Unmount " + exposure + "/srv_vol1", "Unsurface " + naa1,
                "Break " + naa1, "Surface " + new1}));
  for (size_t i = 0; i < 2; ++i) {
    const BrokenVolume& v = (*broken)[i];
    const std::string old_naa = SnapLun(static_cast<int>(i)).unique_id;
    EXPECT_NE(v.lun.mapping.destination.unique_id, old_naa);
    EXPECT_EQ(provider_->broken().at(v.lun.mapping.destination.unique_id),
              old_naa);
    EXPECT_NE(v.lun.mapping.destination.serial_number,
              SnapLun(static_cast<int>(i)).serial_number);
    EXPECT_FALSE(v.device.empty());
    EXPECT_TRUE(v.read_only);
    EXPECT_EQ(v.fs_uuid, "uuid-" + std::to_string(i));  // the origin's
    EXPECT_EQ(v.original.mount_point, "/srv/vol" + std::to_string(i));
    ASSERT_EQ(provider_->surfaced().count(v.lun.mapping.destination.unique_id),
              1u);
    EXPECT_TRUE(provider_->surfaced()
                    .at(v.lun.mapping.destination.unique_id)
                    .read_only);
  }
  EXPECT_EQ(provider_->surfaced().size(), 2u);  // only the new LUNs
  EXPECT_TRUE(system_.mounts().empty());
  // VSS forgets the set; the importing session ending changes nothing.
  EXPECT_EQ(inventory_->GetSet(set).status().code(), Code::kObjectNotFound);
  EXPECT_EQ(SetCount(), 0u);
  ASSERT_TRUE(importer_->End().ok());
  EXPECT_EQ(provider_->surfaced().size(), 2u);
  // Cleanup does not take ordinary LUNs for leftovers of an import.
  Result<std::vector<std::string>> actions = service_->Cleanup();
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  // Breaking it again: it is gone.
  EXPECT_EQ(service_->BreakSnapshotSet(set, false).status().code(),
            Code::kObjectNotFound);
}

TEST_F(BreakTest, WritableBreakSurfacesReadWriteWithANewFilesystemIdentity) {
  const Guid set = Import({"xfs", "ext4"});
  const std::string exposure = "/run/sp-test/sets/" + set.ToBareString();
  journal_.clear();

  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(set, /*writable=*/true);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  ASSERT_EQ(broken->size(), 2u);
  const BrokenVolume& v0 = (*broken)[0];
  const BrokenVolume& v1 = (*broken)[1];
  const std::string naa0 = SnapLun(0).unique_id;
  const std::string naa1 = SnapLun(1).unique_id;
  EXPECT_EQ(BreakSteps(), (std::vector<std::string>{
                              "Unmount " + exposure + "/srv_vol0",
                              "Unsurface " + naa0,
                              "Break " + naa0,
                              "Surface " + v0.lun.mapping.destination.unique_id,
                              "NewIdentity " + v0.device + " xfs",
                              "Unmount " + exposure + "/srv_vol1",
                              "Unsurface " + naa1,
                              "Break " + naa1,
                              "Surface " + v1.lun.mapping.destination.unique_id,
                              "NewIdentity " + v1.device + " ext4",
                          }));
  EXPECT_FALSE(v0.read_only);
  EXPECT_FALSE(v1.read_only);
  EXPECT_EQ(v0.fs_uuid, "new-uuid-1");
  EXPECT_EQ(v1.fs_uuid, "new-uuid-2");
  EXPECT_FALSE(
      provider_->surfaced().at(v0.lun.mapping.destination.unique_id).read_only);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(logger_.Has("broke snapshot set " + set.ToString()));
}

TEST_F(BreakTest, ASetNotImportedHereIsRefused) {
  // A transportable set on its creating host: not surfaced here.
  AddVolume(1);
  std::unique_ptr<BackupSession> session =
      Open(kAppRollback | attr::kTransportable);
  const Guid created = Start(*session, {"/srv/v1"}, {"host-two"});
  ASSERT_TRUE(session->DoSnapshotSet().ok());
  journal_.clear();
  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(created, true);
  EXPECT_EQ(broken.status().code(), Code::kBadState);
  EXPECT_NE(broken.status().message().find("created"), std::string::npos)
      << broken.status().ToString();
  EXPECT_TRUE(BreakSteps().empty());
  EXPECT_EQ(SetCount(), 1u);
  EXPECT_EQ(service_->BreakSnapshotSet(*Guid::Random(), false).status().code(),
            Code::kObjectNotFound);
}

TEST_F(BreakTest, WritableBreakOfAFilesystemWithoutNewIdentityChangesNothing) {
  const Guid set = Import({"xfs", "btrfs"});  // btrfs: imported, not exposed
  journal_.clear();
  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(set, true);
  EXPECT_EQ(broken.status().code(), Code::kVolumeNotSupported);
  EXPECT_NE(broken.status().message().find("btrfs"), std::string::npos)
      << broken.status().ToString();
  EXPECT_TRUE(BreakSteps().empty());  // checked before anything changed
  Result<SetRecord> record = inventory_->GetSet(set);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, SetState::kImported);
  EXPECT_EQ(record->snapshots.size(), 2u);
  EXPECT_EQ(system_.mounts().size(), 1u);  // the xfs exposure
  EXPECT_TRUE(provider_->broken().empty());

  // Read-only, btrfs breaks like any volume.
  broken = service_->BreakSnapshotSet(set, false);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  EXPECT_EQ(broken->size(), 2u);
  EXPECT_EQ(SetCount(), 0u);
}

TEST_F(BreakTest, FailureMidwayReportsWhereItStoppedAndCanBeContinued) {
  const Guid set = Import({"xfs", "ext4"});
  provider_->FailNext(Step::kBreak,
                      Status(Code::kUnexpectedProviderError, "array: boom"),
                      /*skip=*/1);
  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(set, true);
  ASSERT_EQ(broken.status().code(), Code::kUnexpectedProviderError);
  Result<SetRecord> record = inventory_->GetSet(set);
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->snapshots.size(), 1u);  // the broken one is forgotten
  const SnapshotRecord& left = record->snapshots[0];
  EXPECT_EQ(left.original.mount_point, "/srv/vol1");
  EXPECT_TRUE(left.device.empty());  // unsurfaced, not broken
  EXPECT_TRUE(left.exposed_path.empty());
  // The message names the snapshot, the step, and the volume broken before.
  ASSERT_EQ(provider_->broken().size(), 1u);
  const std::string first_new = provider_->broken().begin()->first;
  const std::string& message = broken.status().message();
  EXPECT_NE(message.find(left.snapshot_id.ToString()), std::string::npos);
  EXPECT_NE(message.find("step 'break'"), std::string::npos) << message;
  EXPECT_NE(message.find(first_new), std::string::npos) << message;
  EXPECT_NE(message.find(provider_->surfaced().at(first_new).device),
            std::string::npos)
      << message;
  EXPECT_TRUE(logger_.Has("stopped at snapshot"));

  // Again: it continues with what is left.
  broken = service_->BreakSnapshotSet(set, true);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  ASSERT_EQ(broken->size(), 1u);
  EXPECT_EQ((*broken)[0].original.mount_point, "/srv/vol1");
  EXPECT_FALSE((*broken)[0].read_only);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_EQ(provider_->surfaced().size(), 2u);
}

TEST_F(BreakTest, FailedNewIdentityReportsTheSurfacedDevice) {
  const Guid set = Import({"xfs"});
  system_.FailNextIdentity(
      Status(Code::kBadState, "the XFS log holds changes that need replaying"));
  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(set, true);
  ASSERT_EQ(broken.status().code(), Code::kBadState);
  ASSERT_EQ(provider_->broken().size(), 1u);
  const std::string lun = provider_->broken().begin()->first;
  const std::string device = provider_->surfaced().at(lun).device;
  const std::string& message = broken.status().message();
  EXPECT_NE(message.find("step 'new filesystem identity'"), std::string::npos)
      << message;
  EXPECT_NE(message.find(lun), std::string::npos) << message;
  EXPECT_NE(message.find("surfaced at " + device + " (read-write)"),
            std::string::npos)
      << message;
  EXPECT_EQ(SetCount(), 0u);  // broken: no longer a snapshot set here
}

}  // namespace
}  // namespace sp::service::coordinator_test
