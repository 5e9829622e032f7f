// The embedded array: transportable snapshot sets, importers, LocateLuns
// and the cluster rule.
#include <gtest/gtest.h>

#include "unit/array_fixture.h"

namespace sp::array {
namespace {

class TransportTest : public ArrayTest {
 protected:
  void SetUp() override {
    ArrayTest::SetUp();
    AddHost("prod", "prodc");
    AddHost("prod2", "prodc");
    AddHost("backup1", "bk");
    AddHost("backup2", "bk");
    AddHost("outsider");
    lun_ = NewLunFor("prod");
    lun2_ = NewLunFor("prod");
  }
  // A transportable set of lun_ (and lun2_) importable by `importers`.
  SnapshotSetResult Take(std::vector<std::string> importers,
                         bool both = false) {
    SnapshotSetRequest req;
    req.snapshot_set_id = *Guid::Random();
    req.lun_ids =
        both ? std::vector<uint64_t>{lun_, lun2_} : std::vector<uint64_t>{lun_};
    req.transportable = true;
    req.importers = std::move(importers);
    Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SnapshotSetResult{};
  }
  std::vector<std::string> Naas(const SnapshotSetResult& r) {
    std::vector<std::string> out;
    for (const LunInfo& l : r.snapshots) out.push_back(l.naa);
    return out;
  }
  const Caller prod_ = Caller::Host("prod");
  const Caller prod2_ = Caller::Host("prod2");
  const Caller backup1_ = Caller::Host("backup1");
  const Caller backup2_ = Caller::Host("backup2");
  const Caller outsider_ = Caller::Host("outsider");
  uint64_t lun_ = 0, lun2_ = 0;
};

TEST_F(TransportTest, OnlyImportersLocate) {
  SnapshotSetResult set = Take({"backup1"});
  ASSERT_EQ(set.snapshots.size(), 1u);
  const LunInfo& snap = set.snapshots[0];
  EXPECT_TRUE(snap.transportable);
  EXPECT_EQ(snap.importers, std::vector<std::string>{"backup1"});
  // Not surfaced anywhere yet, not even on the creating host.
  EXPECT_TRUE(array().GetLun(admin_, snap.id)->presented_to.empty());
  SP_EXPECT_CODE(array().Attach(prod_, snap.id), kAccessDenied);
  // The creator and the importer can see it; nobody else.
  EXPECT_EQ(array().ListSnapshots(prod_, std::nullopt)->size(), 1u);
  EXPECT_EQ(array().ListSnapshots(backup1_, std::nullopt)->size(), 1u);
  EXPECT_TRUE(array().ListSnapshots(outsider_, std::nullopt)->empty());

  SP_EXPECT_CODE(array().LocateLuns(outsider_, Naas(set)), kAccessDenied);
  SP_EXPECT_CODE(array().LocateLuns(prod_, Naas(set)), kAccessDenied);
  SP_EXPECT_CODE(array().LocateLuns(backup2_, Naas(set)), kAccessDenied);
  EXPECT_TRUE(array().GetLun(admin_, snap.id)->presented_to.empty());

  Result<std::vector<LunInfo>> located =
      array().LocateLuns(backup1_, Naas(set));
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  ASSERT_EQ(located->size(), 1u);
  EXPECT_EQ(located->front().id, snap.id);
  EXPECT_EQ(located->front().presented_to, std::vector<std::string>{"backup1"});
  // Idempotent, and now the importer attaches it read-only.
  EXPECT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  Result<AttachInfo> at = array().Attach(backup1_, snap.id);
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->read_only);
  EXPECT_EQ(at->backing_file, LunPath(snap.id));
}

TEST_F(TransportTest, PresentingToANonImporterIsRefused) {
  SnapshotSetResult set = Take({"backup1"});
  uint64_t snap = set.snapshots[0].id;
  SP_EXPECT_CODE(array().Present(admin_, snap, "outsider"), kAccessDenied);
  SP_EXPECT_CODE(array().Present(admin_, snap, "prod"), kAccessDenied);
  EXPECT_TRUE(array().GetLun(admin_, snap)->presented_to.empty());
  SP_ASSERT_OK(array().Present(admin_, snap, "backup1"));
}

TEST_F(TransportTest, ClusterImporters) {
  SnapshotSetResult set = Take({"cluster:bk"});
  SP_EXPECT_CODE(array().LocateLuns(outsider_, Naas(set)), kAccessDenied);
  SP_EXPECT_CODE(array().LocateLuns(prod2_, Naas(set)), kAccessDenied);
  EXPECT_TRUE(array().LocateLuns(backup2_, Naas(set)).ok());
  SP_ASSERT_OK(array().Present(admin_, set.snapshots[0].id, "backup1"));
  SP_EXPECT_CODE(array().Present(admin_, set.snapshots[0].id, "outsider"),
                 kAccessDenied);
  // A host that joins the cluster later may import too.
  AddHost("backup3", "bk");
  EXPECT_TRUE(array().LocateLuns(Caller::Host("backup3"), Naas(set)).ok());
}

TEST_F(TransportTest, ClusterRuleRefusesImportNextToAMountedOriginal) {
  ASSERT_TRUE(array().Attach(prod_, lun_).ok());
  SP_ASSERT_OK(array().ReportMount(prod_, lun_, true));
  SnapshotSetResult set = Take({"prod2", "backup1"});

  // prod2 shares prod's cluster, which has the original mounted.
  SP_EXPECT_CODE(array().LocateLuns(prod2_, Naas(set)), kImportCollision);
  EXPECT_TRUE(
      array().GetLun(admin_, set.snapshots[0].id)->presented_to.empty());
  // Another cluster is fine.
  EXPECT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  // Once the original is unmounted, prod2 may import.
  SP_ASSERT_OK(array().ReportMount(prod_, lun_, false));
  EXPECT_TRUE(array().LocateLuns(prod2_, Naas(set)).ok());
}

TEST_F(TransportTest, ASetIsImportedByOneHostAtATime) {
  SnapshotSetResult set = Take({"backup1", "backup2"}, /*both=*/true);
  ASSERT_EQ(set.snapshots.size(), 2u);
  const LunInfo& first = set.snapshots[0];
  const LunInfo& second = set.snapshots[1];
  ASSERT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  ASSERT_TRUE(array().Attach(backup1_, second.id).ok());

  // Another importer is refused for any LUN of the set, naming the host;
  // nothing changes.
  Result<std::vector<LunInfo>> refused =
      array().LocateLuns(backup2_, {first.naa});
  SP_EXPECT_CODE(refused, kVolumeInUse);
  EXPECT_NE(refused.status().message().find("backup1"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(array().GetLun(admin_, first.id)->presented_to,
            std::vector<std::string>{"backup1"});
  // Access comes first: a non-importer learns nothing.
  SP_EXPECT_CODE(array().LocateLuns(outsider_, Naas(set)), kAccessDenied);
  // The holder itself may locate again.
  EXPECT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());

  // Located (presented) but not attached does not hold the set.
  SP_ASSERT_OK(array().Detach(backup1_, second.id));
  ASSERT_TRUE(array().LocateLuns(backup2_, Naas(set)).ok());
  ASSERT_TRUE(array().Attach(backup2_, first.id).ok());
  SP_EXPECT_CODE(array().LocateLuns(backup1_, Naas(set)), kVolumeInUse);
  // backup2 releases: detach, then unpresent from itself.
  SP_ASSERT_OK(array().Detach(backup2_, first.id));
  for (const LunInfo& l : set.snapshots) {
    SP_ASSERT_OK(array().Unpresent(backup2_, l.id, "backup2"));
  }
  EXPECT_EQ(array().GetLun(admin_, first.id)->presented_to,
            std::vector<std::string>{"backup1"});
  ASSERT_TRUE(array().Attach(backup1_, first.id).ok());
  EXPECT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  SP_EXPECT_CODE(array().LocateLuns(backup2_, Naas(set)), kVolumeInUse);

  // Another set is not affected.
  SnapshotSetResult other = Take({"backup2"});
  EXPECT_TRUE(array().LocateLuns(backup2_, Naas(other)).ok());
}

TEST_F(TransportTest, TwoImportersThatBothLocatedCannotBothAttach) {
  SnapshotSetResult set = Take({"backup1", "backup2"}, /*both=*/true);
  // Both located before either attached (a race between two imports).
  ASSERT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  ASSERT_TRUE(array().LocateLuns(backup2_, Naas(set)).ok());
  ASSERT_TRUE(array().Attach(backup1_, set.snapshots[0].id).ok());
  // The second attach, of any LUN of the set, is refused.
  SP_EXPECT_CODE(array().Attach(backup2_, set.snapshots[1].id), kVolumeInUse);
  SP_EXPECT_CODE(array().Attach(backup2_, set.snapshots[0].id), kVolumeInUse);
  // The first importer goes on attaching its set.
  EXPECT_TRUE(array().Attach(backup1_, set.snapshots[1].id).ok());
}

TEST_F(TransportTest, LocateIsAllOrNothing) {
  SnapshotSetResult mine = Take({"backup1"}, /*both=*/true);
  SnapshotSetResult not_mine = Take({"backup2"});
  std::vector<std::string> naas = Naas(mine);
  naas.push_back(not_mine.snapshots[0].naa);
  SP_EXPECT_CODE(array().LocateLuns(backup1_, naas), kAccessDenied);
  for (const LunInfo& l : mine.snapshots) {
    EXPECT_TRUE(array().GetLun(admin_, l.id)->presented_to.empty());
  }
  // An unknown NAA is refused like a masked one.
  naas = Naas(mine);
  naas.push_back("naa.6" + std::string(31, 'f'));
  SP_EXPECT_CODE(array().LocateLuns(backup1_, naas), kAccessDenied);
  EXPECT_EQ(array().LocateLuns(backup1_, Naas(mine))->size(), 2u);
}

TEST_F(TransportTest, LocateArgumentsAndNonTransportableSets) {
  SnapshotSetResult set = Take({"backup1"});
  SP_EXPECT_CODE(array().LocateLuns(admin_, Naas(set)), kInvalidArg);
  SP_EXPECT_CODE(array().LocateLuns(backup1_, {}), kInvalidArg);
  SP_EXPECT_CODE(array().LocateLuns(backup1_, {"naa.5xyz"}), kInvalidArg);

  SnapshotSetRequest req;
  req.snapshot_set_id = *Guid::Random();
  req.lun_ids = {lun_};
  Result<SnapshotSetResult> local = array().CreateSnapshotSet(prod_, req);
  ASSERT_TRUE(local.ok());
  SP_EXPECT_CODE(array().LocateLuns(backup1_, Naas(*local)), kAccessDenied);
  EXPECT_TRUE(array().LocateLuns(prod_, Naas(*local)).ok());  // presented
  // An ordinary LUN is not locatable by a host it is not presented to.
  SP_EXPECT_CODE(
      array().LocateLuns(backup1_, {array().GetLun(admin_, lun_)->naa}),
      kAccessDenied);
}

TEST_F(TransportTest, ImportersMayDeleteAndRemovedHostsLoseTheRight) {
  SnapshotSetResult set = Take({"backup1", "backup2"});
  SP_EXPECT_CODE(array().DeleteSnapshotSet(outsider_, set.snapshot_set_id),
                 kAccessDenied);
  SP_ASSERT_OK(array().RemoveHost(admin_, "backup2"));
  AddHost("backup2");
  SP_EXPECT_CODE(array().LocateLuns(backup2_, Naas(set)), kAccessDenied);
  EXPECT_EQ(array().GetLun(admin_, set.snapshots[0].id)->importers,
            std::vector<std::string>{"backup1"});
  ASSERT_TRUE(array().LocateLuns(backup1_, Naas(set)).ok());
  SP_ASSERT_OK(array().DeleteSnapshotSet(backup1_, set.snapshot_set_id));
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  EXPECT_EQ(CatalogueFiles(), PoolFiles());
}

}  // namespace
}  // namespace sp::array
