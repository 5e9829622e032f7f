// The lifetime of snapshot sets in the coordinator, on fakes: a session's
// End (auto-release), the start-time reconciliation of the inventory, and
// DeleteSnapshots.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "unit/coordinator_fixture.h"

namespace sp::service::coordinator_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class CoordinatorLifetimeTest : public CoordinatorTest {
 protected:
  // Records a set of `context` in `state` on volumes `vols`, whose LUNs the
  // provider holds; the records name them when `record_luns`.
  SetRecord Record(uint32_t context, SetState state, std::vector<int> vols,
                   bool record_luns, const Guid& session_id = Guid()) {
    SetRecord set;
    set.snapshot_set_id = *Guid::Random();
    set.context = context;
    set.state = state;
    set.session_id = session_id;
    set.creating_host = "host-one";
    set.created_us = ++clock_;
    set.provider = "fake";
    for (int n : vols) {
      const os::VolumeInfo v = Volume(n);
      provider_->AddDevice(v.device);
      SnapshotRecord s;
      s.snapshot_id = *Guid::Random();
      s.snapshot_set_id = set.snapshot_set_id;
      s.provider_id = provider_->id();
      s.attributes = context | attr::kHardwareAssisted;
      s.original =
          OriginalVolume{v.device, v.mount_point, v.fs_type, v.fs_uuid};
      providers::SnapshotLun lun =
          provider_->AddLiveLun(set.snapshot_set_id, s.snapshot_id, v.device);
      if (record_luns) s.luns.push_back(lun);
      set.snapshots.push_back(s);
    }
    EXPECT_TRUE(inventory_->AddSet(set).ok());
    return set;
  }

  bool Recorded(const Guid& set_id) { return inventory_->GetSet(set_id).ok(); }

  int64_t clock_ = 1'700'000'000'000'000;
};

TEST_F(CoordinatorLifetimeTest, EndDeletesAutoReleaseSetsOnly) {
  const std::vector<std::string> vols = {AddVolume(1), AddVolume(2)};
  Guid backup_set;
  std::unique_ptr<BackupSession> backup = Create(kBackup, vols, &backup_set);
  Guid rollback_set;
  std::unique_ptr<BackupSession> rollback =
      Create(kAppRollback, vols, &rollback_set);
  ASSERT_EQ(provider_->LiveLunsOfSet(backup_set), 2u);
  ASSERT_EQ(provider_->LiveLunsOfSet(rollback_set), 2u);
  const std::vector<providers::SnapshotLun> first =
      inventory_->GetSet(backup_set)->snapshots[0].luns;
  journal_.clear();

  ASSERT_TRUE(backup->End().ok());
  EXPECT_EQ(provider_->LiveLunsOfSet(backup_set), 0u);
  EXPECT_FALSE(Recorded(backup_set));
  EXPECT_THAT(journal_, Contains("DeleteLuns " + first.at(0).provider_lun_id));
  EXPECT_EQ(service_->Sessions().size(), 1u);

  journal_.clear();
  ASSERT_TRUE(rollback->End().ok());
  EXPECT_TRUE(journal_.empty());
  EXPECT_EQ(provider_->LiveLunsOfSet(rollback_set), 2u);
  Result<SetRecord> kept = inventory_->GetSet(rollback_set);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->state, SetState::kCreated);
  EXPECT_TRUE(service_->Sessions().empty());
}

TEST_F(CoordinatorLifetimeTest, DestroyingASessionEndsIt) {
  const std::string vol = AddVolume(1);
  Guid set_id;
  Create(kBackup, {vol}, &set_id).reset();
  EXPECT_FALSE(Recorded(set_id));
  EXPECT_TRUE(provider_->live_luns().empty());
  EXPECT_TRUE(service_->Sessions().empty());
}

TEST_F(CoordinatorLifetimeTest, ReconcileAtStartAppliesTheStartRules) {
  const SetRecord creating =
      Record(kAppRollback, SetState::kCreating, {1, 2}, false);
  const SetRecord deleting =
      Record(kAppRollback, SetState::kDeleting, {3}, true);
  const SetRecord auto_release =
      Record(kBackup, SetState::kCreated, {4}, true, *Guid::Random());
  const SetRecord until_restart =
      Record(kBackup | attr::kNoAutoRelease, SetState::kCreated, {5}, true);
  const SetRecord persistent =
      Record(kAppRollback, SetState::kCreated, {6, 7}, true);
  ASSERT_EQ(provider_->live_luns().size(), 7u);

  Result<int> removed = service_->ReconcileAtStart();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 4);
  // The half-created set is aborted by set id (its records name no LUN).
  EXPECT_THAT(journal_, Contains("DeleteSetLuns"));
  for (const SetRecord* gone :
       {&creating, &deleting, &auto_release, &until_restart}) {
    EXPECT_FALSE(Recorded(gone->snapshot_set_id));
    EXPECT_EQ(provider_->LiveLunsOfSet(gone->snapshot_set_id), 0u);
  }
  EXPECT_TRUE(Recorded(persistent.snapshot_set_id));
  EXPECT_EQ(provider_->LiveLunsOfSet(persistent.snapshot_set_id), 2u);
  EXPECT_EQ(provider_->live_luns().size(), 2u);
  EXPECT_TRUE(logger_.Has("was cut off while creating"));

  // Nothing left to do at the next start.
  journal_.clear();
  removed = service_->ReconcileAtStart();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0);
  EXPECT_TRUE(journal_.empty());
}

TEST_F(CoordinatorLifetimeTest, ReconcileKeepsWhatTheProviderCannotDelete) {
  const SetRecord creating =
      Record(kAppRollback, SetState::kCreating, {1}, false);
  const SetRecord deleting =
      Record(kAppRollback, SetState::kDeleting, {2}, true);
  provider_->FailNext(Step::kDeleteSetLuns, Status(Code::kUnavailable, "x"));
  provider_->FailNext(Step::kDeleteLuns, Status(Code::kUnavailable, "y"));
  Result<int> removed = service_->ReconcileAtStart();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0);
  EXPECT_TRUE(Recorded(creating.snapshot_set_id));
  EXPECT_TRUE(Recorded(deleting.snapshot_set_id));
  EXPECT_TRUE(logger_.Has("retried at the next start"));
  // The next start succeeds.
  removed = service_->ReconcileAtStart();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(provider_->live_luns().empty());
}

TEST_F(CoordinatorLifetimeTest, DeleteSnapshotsOfAPersistentSet) {
  const SetRecord set = Record(kAppRollback, SetState::kCreated, {1, 2}, true);
  const SetRecord other = Record(kAppRollback, SetState::kCreated, {3}, true);
  Result<DeleteOutcome> outcome =
      service_->DeleteSnapshots(set.snapshot_set_id, true, false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->deleted, 2u);
  EXPECT_TRUE(outcome->nondeleted_id.IsNull());
  EXPECT_FALSE(Recorded(set.snapshot_set_id));
  EXPECT_EQ(provider_->LiveLunsOfSet(set.snapshot_set_id), 0u);
  EXPECT_TRUE(Recorded(other.snapshot_set_id));
  EXPECT_EQ(provider_->LiveLunsOfSet(other.snapshot_set_id), 1u);
}

TEST_F(CoordinatorLifetimeTest, DeleteOneSnapshot) {
  const SetRecord set = Record(kAppRollback, SetState::kCreated, {1, 2}, true);
  const SnapshotRecord& victim = set.snapshots[0];
  const SnapshotRecord& survivor = set.snapshots[1];
  Result<DeleteOutcome> outcome =
      service_->DeleteSnapshots(victim.snapshot_id, false, false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->deleted, 1u);
  EXPECT_THAT(journal_,
              Contains("DeleteLuns " + victim.luns.at(0).provider_lun_id));
  EXPECT_EQ(provider_->live_luns().count(victim.luns[0].provider_lun_id), 0u);
  EXPECT_EQ(provider_->live_luns().count(survivor.luns[0].provider_lun_id), 1u);
  Result<SetRecord> left = inventory_->GetSet(set.snapshot_set_id);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->snapshots.size(), 1u);
  EXPECT_EQ(left->snapshots[0].snapshot_id, survivor.snapshot_id);
  EXPECT_FALSE(inventory_->FindSnapshot(victim.snapshot_id).ok());
}

TEST_F(CoordinatorLifetimeTest, DeleteUnknownIdIsNotFound) {
  Record(kAppRollback, SetState::kCreated, {1}, true);
  const Guid unknown = *Guid::Random();
  for (bool is_set : {true, false}) {
    Result<DeleteOutcome> outcome =
        service_->DeleteSnapshots(unknown, is_set, true);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), Code::kObjectNotFound);
  }
  EXPECT_TRUE(journal_.empty());
  EXPECT_EQ(provider_->live_luns().size(), 1u);
}

TEST_F(CoordinatorLifetimeTest, AutoReleaseSetOfALiveSessionNeedsForce) {
  const std::string vol = AddVolume(1);
  Guid set_id;
  std::unique_ptr<BackupSession> session = Create(kBackup, {vol}, &set_id);
  const Guid snapshot_id =
      inventory_->GetSet(set_id)->snapshots.at(0).snapshot_id;
  journal_.clear();
  for (auto [id, is_set] :
       {std::pair{set_id, true}, std::pair{snapshot_id, false}}) {
    Result<DeleteOutcome> refused =
        service_->DeleteSnapshots(id, is_set, false);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Code::kBadState);
    EXPECT_THAT(refused.status().message(), HasSubstr("force"));
  }
  EXPECT_TRUE(journal_.empty());
  EXPECT_EQ(provider_->LiveLunsOfSet(set_id), 1u);

  Result<DeleteOutcome> forced = service_->DeleteSnapshots(set_id, true, true);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(forced->deleted, 1u);
  EXPECT_FALSE(Recorded(set_id));
  EXPECT_TRUE(provider_->live_luns().empty());
  // The session's end finds nothing left to delete.
  EXPECT_TRUE(session->End().ok());
}

TEST_F(CoordinatorLifetimeTest, SetBeingCreatedCannotBeDeleted) {
  const SetRecord set = Record(kAppRollback, SetState::kCreating, {1}, false);
  Result<DeleteOutcome> refused =
      service_->DeleteSnapshots(set.snapshot_set_id, true, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kSnapshotSetInProgress);
  EXPECT_TRUE(Recorded(set.snapshot_set_id));
}

}  // namespace
}  // namespace sp::service::coordinator_test
