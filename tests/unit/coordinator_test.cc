// DoSnapshotSet (src/service/snapshot_creation.cc) on fakes: the order of
// the protocol, what a created set leaves (BCD, inventory, LUNs), every
// failure path and its compensation, and the one creation in flight per
// host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "shadowport/bcd.h"
#include "shadowport/documents.h"
#include "unit/coordinator_fixture.h"

namespace sp::service::coordinator_test {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// The journal of a successful DoSnapshotSet on volumes 1 and 2.
const std::vector<std::string> kFullJournal = {
    "BeginPrepare /dev/fake1",   // 0
    "BeginPrepare /dev/fake2",   // 1
    "EndPrepare",                // 2
    "PreCommit",                 // 3
    "Freeze /srv/v1 /srv/v2",    // 4
    "Commit",                    // 5
    "Thaw",                      // 6
    "PostCommit",                // 7
    "GetTargetLuns /dev/fake1",  // 8
    "GetTargetLuns /dev/fake2",  // 9
};

TEST_F(CoordinatorTest, DoSnapshotSetRunsTheProtocolInOrder) {
  const std::vector<std::string> vols = {AddVolume(1), AddVolume(2)};
  std::unique_ptr<BackupSession> session = Open(kAppRollback);
  const Guid set_id = Start(*session, vols);
  ASSERT_TRUE(journal_.empty());

  Result<std::string> xml = session->DoSnapshotSet();
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_THAT(journal_, ElementsAreArray(kFullJournal));
  EXPECT_FALSE(system_.AnythingFrozen());
  EXPECT_EQ(system_.last_limits().flush_timeout.count(), 1234);
  EXPECT_EQ(system_.last_limits().hold_timeout.count(), 5678);
  EXPECT_EQ(session->state(), BackupSession::State::kSnapshotDone);
  EXPECT_FALSE(service_->CreationInFlight().has_value());
  const uint32_t attributes = kAppRollback | attr::kHardwareAssisted;
  EXPECT_EQ(provider_->last_attributes(), attributes);
  EXPECT_TRUE(provider_->last_importers().empty());

  // The BCD describes the set, with every LUN mapping of the provider.
  Result<BackupComponentsDocument> bcd = LoadBcd(*xml);
  ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();
  ASSERT_TRUE(bcd->snapshot_set.has_value());
  const SnapshotSetDescription& d = *bcd->snapshot_set;
  EXPECT_EQ(d.snapshot_set_id, set_id);
  EXPECT_EQ(d.context, kAppRollback);
  EXPECT_EQ(d.creating_host, "host-one");
  ASSERT_EQ(d.snapshots.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const SnapshotDescription& s = d.snapshots[i];
    EXPECT_EQ(s.original.device, Volume(static_cast<int>(i) + 1).device);
    EXPECT_EQ(s.original.mount_point, vols[i]);
    EXPECT_EQ(s.attributes, attributes);
    EXPECT_EQ(s.provider_id, provider_->id());
    std::vector<LunMapping> want;
    for (const providers::SnapshotLun& lun : provider_->LunsOf(s.snapshot_id))
      want.push_back(lun.mapping);
    ASSERT_EQ(want.size(), 1u);
    EXPECT_EQ(s.luns, want);
  }

  // The inventory holds the set as created, with the same LUNs.
  Result<SetRecord> record = inventory_->GetSet(set_id);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->state, SetState::kCreated);
  EXPECT_EQ(record->session_id, session->id());
  EXPECT_EQ(record->context, kAppRollback);
  ASSERT_EQ(record->snapshots.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const SnapshotRecord& r = record->snapshots[i];
    EXPECT_EQ(r.snapshot_id, d.snapshots[i].snapshot_id);
    ASSERT_EQ(r.luns.size(), 1u);
    EXPECT_EQ(r.luns[0].mapping, d.snapshots[i].luns[0]);
    EXPECT_EQ(r.luns[0].provider_lun_id,
              provider_->LunsOf(r.snapshot_id)[0].provider_lun_id);
  }
  // The service's view of the session follows.
  std::vector<SessionSummary> sessions = service_->Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].state, "snapshot-set-created");
  EXPECT_EQ(sessions[0].snapshot_set_id, set_id);
}

TEST_F(CoordinatorTest, TransportableSetCarriesImportersAndNotSurfaced) {
  const std::string vol = AddVolume(1);
  config_.default_importers = {"host-default"};
  std::unique_ptr<BackupSession> session =
      Open(kAppRollback | attr::kTransportable);
  Start(*session, {vol}, {"host-two", "cluster:c1"});
  ASSERT_TRUE(session->DoSnapshotSet().ok());
  EXPECT_EQ(provider_->last_importers(),
            (std::vector<std::string>{"host-two", "cluster:c1"}));
  EXPECT_EQ(provider_->last_attributes(), kAppRollback | attr::kTransportable |
                                              attr::kHardwareAssisted |
                                              attr::kNotSurfaced);

  // Without importers from the requester: the configured default ones.
  std::unique_ptr<BackupSession> other =
      Open(kAppRollback | attr::kTransportable);
  Start(*other, {vol});
  ASSERT_TRUE(other->DoSnapshotSet().ok());
  EXPECT_EQ(provider_->last_importers(),
            (std::vector<std::string>{"host-default"}));
}

// A failure injected at one step of DoSnapshotSet.
struct FailureCase {
  const char* name;
  Code code;
  // Index in kFullJournal of the last entry the failing run journals.
  size_t last;
  void (*inject)(FakeProvider&, fakes::FakeSystem&, Status);
};

void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.name; }

class DoSnapshotSetFailure : public CoordinatorTest,
                             public ::testing::WithParamInterface<FailureCase> {
};

TEST_P(DoSnapshotSetFailure, LeavesNothingBehind) {
  const FailureCase& c = GetParam();
  const std::vector<std::string> vols = {AddVolume(1), AddVolume(2)};
  std::unique_ptr<BackupSession> session = Open(kBackup);
  const Guid set_id = Start(*session, vols);
  c.inject(*provider_, system_, Status(c.code, "injected"));

  Result<std::string> xml = session->DoSnapshotSet();
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.status().code(), c.code) << xml.status().ToString();
  std::vector<std::string> want(kFullJournal.begin(),
                                kFullJournal.begin() + c.last + 1);
  want.push_back("Abort");
  EXPECT_THAT(journal_, ElementsAreArray(want));
  EXPECT_FALSE(system_.AnythingFrozen());
  EXPECT_TRUE(provider_->live_luns().empty());
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_FALSE(inventory_->GetSet(set_id).ok());
  EXPECT_EQ(session->state(), BackupSession::State::kInitialized);
  EXPECT_EQ(service_->Sessions().at(0).state, "initialized");

  // The creation slot is free: another session may start a set.
  EXPECT_FALSE(service_->CreationInFlight().has_value());
  {
    std::unique_ptr<BackupSession> other = Open(kBackup);
    EXPECT_TRUE(other->StartSnapshotSet({}).ok());
  }
  // And this session may start again; the failure was once, so it works.
  journal_.clear();
  const Guid again = Start(*session, vols);
  EXPECT_NE(again, set_id);
  Result<std::string> retry = session->DoSnapshotSet();
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_THAT(journal_, ElementsAreArray(kFullJournal));
  EXPECT_EQ(provider_->LiveLunsOfSet(again), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Steps, DoSnapshotSetFailure,
    ::testing::Values(
        FailureCase{"BeginPrepare", Code::kProviderVeto, 0,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kBeginPrepare, s);
                    }},
        FailureCase{"BeginPrepareSecond", Code::kUnexpectedProviderError, 1,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kBeginPrepare, s, 1);
                    }},
        FailureCase{"EndPrepare", Code::kUnexpectedProviderError, 2,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kEndPrepare, s);
                    }},
        FailureCase{"PreCommit", Code::kProviderVeto, 3,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kPreCommit, s);
                    }},
        FailureCase{"Freeze", Code::kFlushWritesTimeout, 4,
                    [](FakeProvider&, fakes::FakeSystem& f, Status s) {
                      f.FailNextFreeze(s);
                    }},
        FailureCase{"Commit", Code::kUnexpectedProviderError, 6,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kCommit, s);
                    }},
        FailureCase{"ThawHoldTimeout", Code::kHoldWritesTimeout, 6,
                    [](FakeProvider&, fakes::FakeSystem& f, Status s) {
                      f.SetNextThawResult(s);
                    }},
        FailureCase{"PostCommit", Code::kProviderVeto, 7,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kPostCommit, s);
                    }},
        FailureCase{"GetTargetLuns", Code::kUnavailable, 8,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kGetTargetLuns, s);
                    }},
        FailureCase{"GetTargetLunsSecond", Code::kUnavailable, 9,
                    [](FakeProvider& p, fakes::FakeSystem&, Status s) {
                      p.FailNext(Step::kGetTargetLuns, s, 1);
                    }}),
    [](const ::testing::TestParamInfo<FailureCase>& param) {
      return std::string(param.param.name);
    });

// When the provider cannot abort, the set stays recorded as creating, so the
// next start finishes the job; the slot is free all the same.
TEST_F(CoordinatorTest, FailedAbortKeepsTheSetForTheNextStart) {
  const std::vector<std::string> vols = {AddVolume(1)};
  std::unique_ptr<BackupSession> session = Open(kBackup);
  const Guid set_id = Start(*session, vols);
  provider_->FailNext(Step::kPostCommit, Status(Code::kProviderVeto, "x"));
  provider_->FailNext(Step::kAbort, Status(Code::kUnavailable, "array down"));
  Result<std::string> xml = session->DoSnapshotSet();
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.status().code(), Code::kProviderVeto);
  EXPECT_FALSE(system_.AnythingFrozen());
  EXPECT_FALSE(service_->CreationInFlight().has_value());
  EXPECT_TRUE(logger_.Has("could not abort snapshot set"));
  Result<SetRecord> record = inventory_->GetSet(set_id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, SetState::kCreating);
  EXPECT_EQ(provider_->LiveLunsOfSet(set_id), 1u);

  Result<int> removed = service_->ReconcileAtStart();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_TRUE(provider_->live_luns().empty());
}

TEST_F(CoordinatorTest, OneCreationInFlightPerHost) {
  const std::string vol = AddVolume(1);
  std::unique_ptr<BackupSession> a = Open(kBackup);
  std::unique_ptr<BackupSession> b = Open(kBackup);
  Start(*a, {vol});
  EXPECT_EQ(service_->CreationInFlight(), a->id());
  Result<Guid> refused = b->StartSnapshotSet({});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kSnapshotSetInProgress);
  EXPECT_THAT(refused.status().message(), HasSubstr(a->id().ToString()));
  EXPECT_EQ(b->state(), BackupSession::State::kInitialized);

  ASSERT_TRUE(a->DoSnapshotSet().ok());
  EXPECT_TRUE(b->StartSnapshotSet({}).ok());
  EXPECT_EQ(service_->CreationInFlight(), b->id());
}

TEST_F(CoordinatorTest, SlotIsFreedByEndAndByAbortBackup) {
  const std::string vol = AddVolume(1);
  std::unique_ptr<BackupSession> a = Open(kBackup);
  std::unique_ptr<BackupSession> b = Open(kBackup);
  Start(*a, {vol});
  EXPECT_FALSE(b->StartSnapshotSet({}).ok());
  ASSERT_TRUE(a->End().ok());
  EXPECT_FALSE(service_->CreationInFlight().has_value());
  ASSERT_TRUE(b->StartSnapshotSet({}).ok());

  std::unique_ptr<BackupSession> c = Open(kBackup);
  EXPECT_FALSE(c->StartSnapshotSet({}).ok());
  ASSERT_TRUE(b->AbortBackup().ok());
  EXPECT_TRUE(c->StartSnapshotSet({}).ok());
  EXPECT_TRUE(journal_.empty());  // nothing reached a provider
}

// A transportable set needs importers; without any (and no configured
// default) DoSnapshotSet fails E_INVALIDARG before any provider work, and
// the failure frees the slot like any other.
TEST_F(CoordinatorTest, TransportableWithoutImportersIsRefused) {
  const std::string vol = AddVolume(1);
  std::unique_ptr<BackupSession> a = Open(kAppRollback | attr::kTransportable);
  Start(*a, {vol});
  Result<std::string> xml = a->DoSnapshotSet();
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.status().code(), Code::kInvalidArg);
  EXPECT_THAT(xml.status().message(), HasSubstr("importers"));
  EXPECT_TRUE(journal_.empty());
  EXPECT_EQ(SetCount(), 0u);
  EXPECT_FALSE(service_->CreationInFlight().has_value());
  std::unique_ptr<BackupSession> b = Open(kBackup);
  EXPECT_TRUE(b->StartSnapshotSet({}).ok());
}

}  // namespace
}  // namespace sp::service::coordinator_test
