// The embedded array: snapshot sets, the free-space rule, break, delete.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "array/identity.h"
#include "unit/array_fixture.h"

namespace sp::array {
namespace {

using Op = fakes::FakePoolFilesystem::Op;

class SnapshotTest : public ArrayTest {
 protected:
  void SetUp() override {
    ArrayTest::SetUp();
    AddHost("prod");
    a_ = NewLunFor("prod", 2 * kMiB);
    b_ = NewLunFor("prod", kMiB);
    c_ = NewLunFor("prod", kMiB);
  }
  SnapshotSetRequest Request(std::vector<uint64_t> luns) {
    SnapshotSetRequest r;
    r.snapshot_set_id = *Guid::Random();
    r.lun_ids = std::move(luns);
    return r;
  }
  const Caller prod_ = Caller::Host("prod");
  uint64_t a_ = 0, b_ = 0, c_ = 0;
};

TEST_F(SnapshotTest, SnapshotSetIsAPointInTimeCopyWithItsOwnIdentity) {
  WriteLun(a_, "alpha-before", 4096);
  WriteLun(b_, "bravo-before");
  SnapshotSetRequest req = Request({a_, b_});
  Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->snapshot_set_id, req.snapshot_set_id);
  EXPECT_GE(r->commit_us, 0);
  ASSERT_EQ(r->snapshots.size(), 2u);
  Result<LunInfo> a = array().GetLun(admin_, a_);
  const LunInfo& sa = r->snapshots[0];
  EXPECT_TRUE(sa.is_snapshot);
  EXPECT_TRUE(sa.read_only);
  EXPECT_EQ(sa.origin_lun_id, a_);
  EXPECT_EQ(sa.origin_naa, a->naa);
  EXPECT_EQ(sa.snapshot_set_id, req.snapshot_set_id);
  EXPECT_EQ(sa.creating_host, "prod");
  EXPECT_FALSE(sa.transportable);
  EXPECT_EQ(sa.size_bytes, 2 * kMiB);
  EXPECT_NE(sa.id, a_);
  EXPECT_NE(sa.naa, a->naa);
  EXPECT_NE(sa.serial, a->serial);
  EXPECT_EQ(r->snapshots[1].origin_lun_id, b_);
  // Non-transportable: auto-imported on the creating host.
  EXPECT_EQ(sa.presented_to, std::vector<std::string>{"prod"});
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 2);

  // Later writes to the origin do not reach the snapshot.
  WriteLun(a_, "alpha-after!", 4096);
  EXPECT_EQ(ReadLun(sa.id, 12, 4096), "alpha-before");
  EXPECT_EQ(ReadLun(r->snapshots[1].id, 12), "bravo-before");

  Result<AttachInfo> at = array().Attach(prod_, sa.id);
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->read_only);
  SP_EXPECT_CODE(array().ReportMount(prod_, sa.id, true), kBadState);
  SP_ASSERT_OK(array().Detach(prod_, sa.id));

  EXPECT_EQ(array().ListSnapshots(prod_, std::nullopt)->size(), 2u);
  EXPECT_EQ(array().ListSnapshots(admin_, req.snapshot_set_id)->size(), 2u);
  EXPECT_TRUE(array().ListSnapshots(admin_, *Guid::Random())->empty());
  EXPECT_EQ(array().ListLuns(admin_)->size(), 3u);  // ordinary LUNs only
  EXPECT_EQ(array().GetStatus(admin_)->snapshot_count, 2u);
  SP_EXPECT_CODE(array().ResizeLun(admin_, sa.id, 4 * kMiB), kBadState);
  SP_EXPECT_CODE(array().DeleteLun(admin_, sa.id), kInvalidArg);
}

TEST_F(SnapshotTest, RequestChecks) {
  SnapshotSetRequest req = Request({});
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kInvalidArg);
  req = Request({a_, a_});
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kInvalidArg);
  req = Request({a_});
  req.snapshot_set_id = Guid();
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kInvalidArg);
  req = Request(std::vector<uint64_t>(65, a_));
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kMaxVolumesReached);
  req = Request({a_});
  req.transportable = true;  // without importers
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kInvalidArg);
  req = Request({a_});
  req.importers = {"prod"};  // importers without transportable
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kInvalidArg);
  req = Request({a_});
  req.transportable = true;
  req.importers = {"ghost"};
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kObjectNotFound);
  req.importers = {"cluster:nobody-here"};
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kObjectNotFound);
  SP_EXPECT_CODE(array().CreateSnapshotSet(admin_, Request({999})),
                 kObjectNotFound);
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 0);

  // A snapshot LUN is not an origin.
  Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, Request({a_}));
  ASSERT_TRUE(r.ok());
  SP_EXPECT_CODE(
      array().CreateSnapshotSet(prod_, Request({r->snapshots[0].id})),
      kVolumeNotSupportedByProvider);
}

TEST_F(SnapshotTest, SetIdIsUniqueForever) {
  SnapshotSetRequest req = Request({a_});
  Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, req);
  ASSERT_TRUE(r.ok());
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kObjectAlreadyExists);
  SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, req.snapshot_set_id));
  Reopen();
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kObjectAlreadyExists);
}

TEST_F(SnapshotTest, NthCloneFailingLeavesNothing) {
  std::set<std::string> files = PoolFiles();
  for (int n = 1; n <= 3; ++n) {
    SCOPED_TRACE(n);
    fs_.FailNth(Op::kClone, n, Status(Code::kIoError, "injected clone error"));
    SnapshotSetRequest req = Request({a_, b_, c_});
    SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, req), kIoError);
    EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
    EXPECT_TRUE(array().ListSnapshots(prod_, std::nullopt)->empty());
    EXPECT_EQ(PoolFiles(), files);
    // The failed attempt did not use up the id.
    Result<SnapshotSetResult> again = array().CreateSnapshotSet(prod_, req);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, req.snapshot_set_id));
  }
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotTest, FreeSpaceFloorAndReserve) {
  // Default floor 1 GiB, reserve 10 %: a's 2 MiB + b's 1 MiB need
  // 1 GiB + 314572 bytes (rounded down per LUN: 209715 + 104857).
  uint64_t needed = (1ull << 30) + 209715 + 104857;
  fs_.SetSpace({1ull << 40, needed - 1});
  Result<SnapshotSetResult> r =
      array().CreateSnapshotSet(prod_, Request({a_, b_}));
  SP_EXPECT_CODE(r, kInsufficientStorage);
  EXPECT_NE(r.status().message().find(std::to_string(needed)),
            std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 0);
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  fs_.SetSpace({1ull << 40, needed});
  EXPECT_TRUE(array().CreateSnapshotSet(prod_, Request({a_, b_})).ok());

  // A clone that runs out of space anyway fails cleanly.
  fs_.SetSpace({1ull << 40, 1ull << 40});
  fs_.FailNth(Op::kClone, 2,
              Status(Code::kInsufficientStorage, "injected ENOSPC"));
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, Request({a_, b_})),
                 kInsufficientStorage);
  EXPECT_EQ(array().ListSnapshots(admin_, std::nullopt)->size(), 2u);
}

TEST_F(SnapshotTest, BreakGivesANewReadWriteIdentityAndKeepsPresentations) {
  WriteLun(a_, "payload");
  Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, Request({a_}));
  ASSERT_TRUE(r.ok());
  const LunInfo snap = r->snapshots[0];
  AddHost("other");
  SP_ASSERT_OK(array().Present(admin_, snap.id, "other"));

  ASSERT_TRUE(array().Attach(prod_, snap.id).ok());
  SP_EXPECT_CODE(array().BreakSnapshot(prod_, snap.id), kVolumeInUse);
  SP_ASSERT_OK(array().Detach(prod_, snap.id));
  SP_EXPECT_CODE(array().BreakSnapshot(prod_, a_), kInvalidArg);

  Result<LunInfo> broken = array().BreakSnapshot(prod_, snap.id);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  EXPECT_NE(broken->id, snap.id);
  EXPECT_NE(broken->naa, snap.naa);
  EXPECT_NE(broken->serial, snap.serial);
  EXPECT_NE(broken->name, snap.name);
  EXPECT_FALSE(broken->is_snapshot);
  EXPECT_FALSE(broken->read_only);
  EXPECT_EQ(broken->size_bytes, snap.size_bytes);
  Result<LunInfo> admin_view = array().GetLun(admin_, broken->id);
  EXPECT_EQ(admin_view->presented_to,
            (std::vector<std::string>{"other", "prod"}));
  EXPECT_EQ(ReadLun(broken->id, 7), "payload");

  // The snapshot LUN is gone, with its file.
  SP_EXPECT_CODE(array().GetLun(admin_, snap.id), kObjectNotFound);
  EXPECT_EQ(PoolFiles().count(LunFileName(snap.id)), 0u);
  EXPECT_EQ(CatalogueFiles(), PoolFiles());
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());

  // Read-write now, and an ordinary LUN in every respect.
  Result<AttachInfo> at = array().Attach(prod_, broken->id);
  ASSERT_TRUE(at.ok());
  EXPECT_FALSE(at->read_only);
  SP_ASSERT_OK(array().ReportMount(prod_, broken->id, true));
  SP_ASSERT_OK(array().Detach(prod_, broken->id));
  SP_ASSERT_OK(array().ResizeLun(admin_, broken->id, 4 * kMiB));
  EXPECT_TRUE(array().CreateSnapshotSet(prod_, Request({broken->id})).ok());
}

TEST_F(SnapshotTest, DeleteBySetAndIndividually) {
  Result<SnapshotSetResult> one =
      array().CreateSnapshotSet(prod_, Request({a_, b_, c_}));
  ASSERT_TRUE(one.ok());
  Result<SnapshotSetResult> two =
      array().CreateSnapshotSet(prod_, Request({a_}));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(array().ListSnapshots(admin_, std::nullopt)->size(), 4u);

  // One attached LUN refuses the whole set.
  ASSERT_TRUE(array().Attach(prod_, one->snapshots[1].id).ok());
  SP_EXPECT_CODE(array().DeleteSnapshotSet(prod_, one->snapshot_set_id),
                 kVolumeInUse);
  EXPECT_EQ(array().ListSnapshots(admin_, one->snapshot_set_id)->size(), 3u);
  SP_EXPECT_CODE(array().DeleteSnapshot(prod_, one->snapshots[1].id),
                 kVolumeInUse);
  SP_ASSERT_OK(array().Detach(prod_, one->snapshots[1].id));

  SP_ASSERT_OK(array().DeleteSnapshot(prod_, one->snapshots[0].id));
  EXPECT_EQ(array().ListSnapshots(admin_, one->snapshot_set_id)->size(), 2u);
  SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, one->snapshot_set_id));
  EXPECT_TRUE(array().ListSnapshots(admin_, one->snapshot_set_id)->empty());
  SP_EXPECT_CODE(array().DeleteSnapshotSet(admin_, one->snapshot_set_id),
                 kObjectNotFound);
  EXPECT_EQ(array().ListSnapshots(admin_, std::nullopt)->size(), 1u);
  EXPECT_EQ(CatalogueFiles(), PoolFiles());
  EXPECT_EQ(PoolFiles().size(), 4u);

  // A snapshot's origin may go; the snapshot stays and forgets the id.
  SP_ASSERT_OK(array().Unpresent(admin_, a_, "prod"));
  SP_ASSERT_OK(array().DeleteLun(admin_, a_));
  Result<LunInfo> orphan = array().GetLun(admin_, two->snapshots[0].id);
  ASSERT_TRUE(orphan.ok());
  EXPECT_EQ(orphan->origin_lun_id, 0u);
  EXPECT_FALSE(orphan->origin_naa.empty());
  SP_EXPECT_CODE(array().DeleteSnapshot(admin_, b_), kInvalidArg);
}

TEST_F(SnapshotTest, OtherHostsCannotTouchTheSet) {
  AddHost("stranger");
  Caller stranger = Caller::Host("stranger");
  Result<SnapshotSetResult> r = array().CreateSnapshotSet(prod_, Request({a_}));
  ASSERT_TRUE(r.ok());
  uint64_t snap = r->snapshots[0].id;
  SP_EXPECT_CODE(array().GetLun(stranger, snap), kAccessDenied);
  SP_EXPECT_CODE(array().DeleteSnapshot(stranger, snap), kAccessDenied);
  SP_EXPECT_CODE(array().DeleteSnapshotSet(stranger, r->snapshot_set_id),
                 kAccessDenied);
  SP_EXPECT_CODE(array().DeleteSnapshotSet(stranger, *Guid::Random()),
                 kAccessDenied);
  SP_EXPECT_CODE(array().BreakSnapshot(stranger, snap), kAccessDenied);
  EXPECT_TRUE(array().ListSnapshots(stranger, std::nullopt)->empty());
  EXPECT_TRUE(array().ListSnapshots(stranger, r->snapshot_set_id)->empty());
  EXPECT_TRUE(array().GetLun(admin_, snap).ok());
}

// The three-step creation (PrepareSnapshotSet / CommitSnapshotSet /
// FinishSnapshotSet): what each step does to the pool, and its refusals.
class SnapshotStepsTest : public SnapshotTest {
 protected:
  std::string SnapPath(const SnapshotSetResult& r, size_t i) const {
    return LunPath(r.snapshots[i].id);
  }
};

TEST_F(SnapshotStepsTest, OnlyTheClonesInCommitTheSyncAndCatalogueInFinish) {
  WriteLun(a_, "alpha-before", 4096);
  const std::set<std::string> before = PoolFiles();
  SnapshotSetRequest req = Request({a_, b_});

  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 0);
  EXPECT_EQ(PoolFiles(), before);
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());

  Result<int64_t> clone_us =
      array().CommitSnapshotSet(prod_, req.snapshot_set_id);
  ASSERT_TRUE(clone_us.ok()) << clone_us.status().ToString();
  EXPECT_GE(*clone_us, 0);
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 2);
  EXPECT_EQ(fs_.CountCalls(Op::kSyncFiles), 0);
  EXPECT_EQ(fs_.Unsynced().size(), 2u);
  EXPECT_EQ(PoolFiles().size(), before.size() + 2);
  // Made but not durable: nobody sees the set yet.
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  EXPECT_TRUE(array().ListSnapshots(prod_, req.snapshot_set_id)->empty());
  EXPECT_EQ(array().GetStatus(admin_)->snapshot_count, 0u);

  // The point in time is the Commit: later writes do not reach the set.
  WriteLun(a_, "alpha-after!", 4096);
  Result<SnapshotSetResult> r =
      array().FinishSnapshotSet(prod_, req.snapshot_set_id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 2);  // no clone after the window
  ASSERT_EQ(fs_.CountCalls(Op::kSyncFiles), 1);
  EXPECT_EQ(fs_.Calls().back().op, Op::kSyncFiles);
  EXPECT_EQ(fs_.Calls().back().paths,
            (std::vector<std::string>{SnapPath(*r, 0), SnapPath(*r, 1)}));
  EXPECT_TRUE(fs_.Unsynced().empty());
  EXPECT_GE(r->sync_us, 0);
  EXPECT_GE(r->commit_us, r->sync_us);
  ASSERT_EQ(r->snapshots.size(), 2u);
  EXPECT_EQ(r->snapshots[0].origin_lun_id, a_);
  EXPECT_EQ(r->snapshots[1].origin_lun_id, b_);
  EXPECT_EQ(r->snapshots[0].presented_to, std::vector<std::string>{"prod"});
  EXPECT_EQ(ReadLun(r->snapshots[0].id, 12, 4096), "alpha-before");
  EXPECT_EQ(array().ListSnapshots(prod_, req.snapshot_set_id)->size(), 2u);
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, StepsOutOfOrderOrFromAnotherCallerAreRefused) {
  AddHost("stranger");
  const Caller stranger = Caller::Host("stranger");
  SnapshotSetRequest req = Request({a_});
  const Guid& id = req.snapshot_set_id;
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, id), kObjectNotFound);
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, id), kObjectNotFound);
  // Prepare refuses what CreateSnapshotSet refuses, and leaves nothing.
  SP_EXPECT_CODE(array().PrepareSnapshotSet(prod_, Request({})), kInvalidArg);
  SP_EXPECT_CODE(array().PrepareSnapshotSet(stranger, req), kAccessDenied);

  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  SP_EXPECT_CODE(array().PrepareSnapshotSet(prod_, req), kObjectAlreadyExists);
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, id), kBadState);
  // Another host, or the admin, cannot continue prod's set: to them it is
  // not there (a host cannot tell another's set from none).
  SP_EXPECT_CODE(array().CommitSnapshotSet(stranger, id), kObjectNotFound);
  SP_EXPECT_CODE(array().CommitSnapshotSet(admin_, id), kObjectNotFound);
  SP_EXPECT_CODE(array().CommitSnapshotSet(Caller::Host("ghost"), id),
                 kUnauthenticated);
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 0);

  ASSERT_TRUE(array().CommitSnapshotSet(prod_, id).ok());
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, id), kBadState);
  SP_EXPECT_CODE(array().FinishSnapshotSet(stranger, id), kObjectNotFound);
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 1);
  ASSERT_TRUE(array().FinishSnapshotSet(prod_, id).ok());
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, id), kObjectNotFound);
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, id), kObjectNotFound);
  EXPECT_EQ(array().ListSnapshots(prod_, id)->size(), 1u);
}

TEST_F(SnapshotStepsTest, DeleteSnapshotSetUndoesASetBeingCreated) {
  const std::set<std::string> before = PoolFiles();
  AddHost("stranger");
  for (bool committed : {false, true}) {
    SCOPED_TRACE(committed ? "after Commit" : "after Prepare");
    SnapshotSetRequest req = Request({a_, b_});
    const Guid& id = req.snapshot_set_id;
    SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
    if (committed) {
      ASSERT_TRUE(array().CommitSnapshotSet(prod_, id).ok());
    }
    SP_EXPECT_CODE(array().DeleteSnapshotSet(Caller::Host("stranger"), id),
                   kAccessDenied);
    SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, id));  // the abort
    EXPECT_EQ(PoolFiles(), before);
    EXPECT_TRUE(fs_.Unsynced().empty());
    SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, id), kObjectNotFound);
    // Nothing was returned, so the id is free again.
    ASSERT_TRUE(array().CreateSnapshotSet(prod_, req).ok());
    SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, id));
  }
  // The admin may abort a host's set too.
  SnapshotSetRequest req = Request({a_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, req.snapshot_set_id).ok());
  SP_ASSERT_OK(array().DeleteSnapshotSet(admin_, req.snapshot_set_id));
  EXPECT_EQ(PoolFiles(), before);
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, AFailedCloneOrSyncUndoesTheWholeSet) {
  const std::set<std::string> before = PoolFiles();
  for (int n = 1; n <= 3; ++n) {
    SCOPED_TRACE(n);
    fs_.FailNth(Op::kClone, n, Status(Code::kIoError, "injected clone error"));
    SnapshotSetRequest req = Request({a_, b_, c_});
    SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
    SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, req.snapshot_set_id),
                   kIoError);
    EXPECT_EQ(PoolFiles(), before);
    EXPECT_TRUE(fs_.Unsynced().empty());
    SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, req.snapshot_set_id),
                   kObjectNotFound);
    SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));  // id free again
    SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, req.snapshot_set_id));
  }
  fs_.FailNth(Op::kSyncFiles, 1, Status(Code::kIoError, "injected EIO"));
  SnapshotSetRequest req = Request({a_, b_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, req.snapshot_set_id).ok());
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, req.snapshot_set_id),
                 kIoError);
  EXPECT_EQ(PoolFiles(), before);
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, req.snapshot_set_id),
                 kObjectNotFound);
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, FinishAfterTheArrayRestartedIsRefused) {
  const std::set<std::string> before = PoolFiles();
  SnapshotSetRequest req = Request({a_, b_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, req.snapshot_set_id).ok());
  Reopen();  // the unsynced clones are not trusted: recovery undoes the set
  EXPECT_EQ(PoolFiles(), before);
  Result<SnapshotSetResult> late =
      array().FinishSnapshotSet(prod_, req.snapshot_set_id);
  SP_EXPECT_CODE(late, kObjectNotFound);
  EXPECT_NE(late.status().message().find("restarted"), std::string::npos)
      << late.status().ToString();
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, req.snapshot_set_id),
                 kObjectNotFound);
  // The requester may make the set again under the same id.
  ASSERT_TRUE(array().CreateSnapshotSet(prod_, req).ok());
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, AnAbandonedSetIsUndoneAfterItsTimeout) {
  ArrayOptions o = Options();
  o.abandoned_set_timeout = std::chrono::milliseconds(0);
  SP_EXPECT_CODE(Array::Open(o, &fs_), kInvalidArg);  // (pool still open)
  Close();
  o.abandoned_set_timeout = std::chrono::milliseconds(300);
  Result<std::unique_ptr<Array>> opened = Array::Open(o, &fs_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  array_ = std::move(opened).value();

  const std::set<std::string> before = PoolFiles();
  SnapshotSetRequest req = Request({a_, b_});
  const Guid& id = req.snapshot_set_id;
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, req));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, id).ok());
  // Within its time a set being created is left alone.
  ASSERT_TRUE(array().GetStatus(admin_).ok());
  EXPECT_EQ(PoolFiles().size(), before.size() + 2);

  // The host never comes back: the next call that reports space undoes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(PoolFiles().size(), before.size() + 2);  // nothing by itself
  ASSERT_TRUE(array().GetStatus(admin_).ok());
  EXPECT_EQ(PoolFiles(), before);
  bool audited = false;
  for (const std::string& line : audit_) {
    audited |= line.find(id.ToString()) != std::string::npos &&
               line.find("host 'prod'") != std::string::npos &&
               line.find("abandoned") != std::string::npos;
  }
  EXPECT_TRUE(audited);
  Result<SnapshotSetResult> late = array().FinishSnapshotSet(prod_, id);
  SP_EXPECT_CODE(late, kObjectNotFound);
  EXPECT_NE(late.status().message().find("abandoned"), std::string::npos)
      << late.status().ToString();

  // A set prepared after that is not touched by the expiry of another, and
  // Prepare itself expires: the id of the undone set is free again.
  SnapshotSetRequest next = Request({c_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, next));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(array().CreateSnapshotSet(prod_, req).ok());
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, next.snapshot_set_id),
                 kObjectNotFound);
  EXPECT_EQ(array().ListSnapshots(prod_, id)->size(), 2u);
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, FinishSyncsWithoutHoldingOtherHostsUp) {
  AddHost("other");
  const uint64_t theirs = NewLunFor("other");
  const Caller other = Caller::Host("other");
  SnapshotSetRequest mine = Request({a_, b_});
  const Guid& id = mine.snapshot_set_id;
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, mine));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, id).ok());

  // prod's Finish stops inside its sync until the test lets it go.
  std::promise<void> entered, release;
  std::shared_future<void> go = release.get_future().share();
  fs_.SetSyncHook([&entered, go, once = std::make_shared<bool>(false)] {
    if (*once) return;
    *once = true;
    entered.set_value();
    go.wait();
  });
  std::future<Result<SnapshotSetResult>> finishing = std::async(
      std::launch::async, [&] { return array().FinishSnapshotSet(prod_, id); });
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);

  // Meanwhile another host snapshots in full (its Commit is in its own
  // freeze window), and nobody can pull prod's set from under the sync.
  std::future<Result<SnapshotSetResult>> theirs_made =
      std::async(std::launch::async, [&] {
        SnapshotSetRequest r = Request({theirs});
        Status prepared = array().PrepareSnapshotSet(other, r);
        if (!prepared.ok()) return Result<SnapshotSetResult>(prepared);
        Result<int64_t> committed =
            array().CommitSnapshotSet(other, r.snapshot_set_id);
        if (!committed.ok())
          return Result<SnapshotSetResult>(committed.status());
        return array().FinishSnapshotSet(other, r.snapshot_set_id);
      });
  if (theirs_made.wait_for(std::chrono::seconds(10)) !=
      std::future_status::ready) {
    release.set_value();  // let everything end before failing
    finishing.wait();
    theirs_made.wait();
    fs_.SetSyncHook(nullptr);
    FAIL() << "another host's snapshot set waited for prod's sync";
  }
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, id), kBadState);
  SP_EXPECT_CODE(array().DeleteSnapshotSet(prod_, id), kBadState);
  SP_EXPECT_CODE(array().DeleteSnapshotSet(admin_, id), kBadState);
  release.set_value();

  Result<SnapshotSetResult> r = finishing.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->snapshots.size(), 2u);
  Result<SnapshotSetResult> t = theirs_made.get();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(fs_.Unsynced().empty());
  fs_.SetSyncHook(nullptr);
  SP_ASSERT_OK(array().DeleteSnapshotSet(prod_, id));
  Close();
  ExpectNoIntentRows();
}

TEST_F(SnapshotStepsTest, CommitTakesTheOriginsAsTheyAreThen) {
  SnapshotSetRequest grown = Request({a_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, grown));
  SP_ASSERT_OK(array().ResizeLun(admin_, a_, 4 * kMiB));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, grown.snapshot_set_id).ok());
  Result<SnapshotSetResult> r =
      array().FinishSnapshotSet(prod_, grown.snapshot_set_id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->snapshots[0].size_bytes, 4 * kMiB);

  // An origin no longer presented to the host: the set is undone.
  const std::set<std::string> before = PoolFiles();
  SnapshotSetRequest masked = Request({b_, c_});
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, masked));
  SP_ASSERT_OK(array().Unpresent(admin_, c_, "prod"));
  SP_EXPECT_CODE(array().CommitSnapshotSet(prod_, masked.snapshot_set_id),
                 kAccessDenied);
  EXPECT_EQ(PoolFiles(), before);
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, masked.snapshot_set_id),
                 kObjectNotFound);
}

}  // namespace
}  // namespace sp::array
