// The embedded array's crash safety: for every crash point, a child process
// opens the pool with ArrayOptions::crash_at, starts the operation and is
// SIGKILLed at that point; the parent reopens the pool (recovery) and checks
// that the catalogue and luns/ agree, no intent row is left, and the
// operation either happened entirely or not at all.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <functional>

#include "array/identity.h"
#include "unit/array_fixture.h"

namespace sp::array {
namespace {

class ArrayCrashDeathTest : public ArrayTest {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "fast");  // fork: the child sees our pool
    ArrayTest::SetUp();
    AddHost("prod");
    AddHost("backup");
    a_ = NewLunFor("prod");
    b_ = NewLunFor("prod");
    c_ = NewLunFor("prod");
    set_id_ = *Guid::Random();
  }

  // Runs `op` in a forked child whose Array crashes at `point`; then
  // reopens here and checks the pool is consistent.
  void CrashAt(const std::string& point,
               const std::function<void(Array&)>& op) {
    Close();
    EXPECT_EXIT(RunChild(point, op), ::testing::KilledBySignal(SIGKILL), "")
        << point;
    ExpectNoIntentRowsAfterRecovery();
  }

  void ExpectNoIntentRowsAfterRecovery() {
    Open();  // recovery
    EXPECT_EQ(CatalogueFiles(), PoolFiles());
    Close();
    ExpectNoIntentRows();
    Open();
  }

  void RunChild(const std::string& point,
                const std::function<void(Array&)>& op) {
    ArrayOptions o = Options();
    o.crash_at = point;
    Result<std::unique_ptr<Array>> a = Array::Open(o, &fs_);
    if (!a.ok()) _exit(2);
    op(**a);
    _exit(0);  // the crash point was not reached
  }

  SnapshotSetRequest Request() const {
    SnapshotSetRequest r;
    r.snapshot_set_id = set_id_;
    r.lun_ids = {a_, b_, c_};
    r.transportable = true;
    r.importers = {"backup"};
    return r;
  }

  const Caller prod_ = Caller::Host("prod");
  uint64_t a_ = 0, b_ = 0, c_ = 0;
  Guid set_id_;
};

TEST_F(ArrayCrashDeathTest, CreateLun) {
  for (const char* point : {"lun.after-intent", "lun.after-file"}) {
    SCOPED_TRACE(point);
    CrashAt(point, [](Array& a) { (void)a.CreateLun(Caller::Admin(), kMiB); });
    EXPECT_EQ(array().ListLuns(admin_)->size(), 3u);
    EXPECT_EQ(PoolFiles().size(), 3u);
  }
  // The id burnt by the crash is not reused.
  Result<LunInfo> next = array().CreateLun(admin_, kMiB);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id, c_ + 3);
}

TEST_F(ArrayCrashDeathTest, ResizeIsFinished) {
  CrashAt("resize.after-grow", [this](Array& a) {
    (void)a.ResizeLun(Caller::Admin(), a_, 3 * kMiB);
  });
  EXPECT_EQ(array().GetLun(admin_, a_)->size_bytes, 3 * kMiB);
}

class SnapshotCrashDeathTest
    : public ArrayCrashDeathTest,
      public ::testing::WithParamInterface<const char*> {};

TEST_P(SnapshotCrashDeathTest, HalfMadeSetIsUndone) {
  CrashAt(GetParam(),
          [this](Array& a) { (void)a.CreateSnapshotSet(prod_, Request()); });
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  EXPECT_EQ(PoolFiles().size(), 3u);
  // Nothing of it was ever returned, so its id is still free.
  Result<SnapshotSetResult> again = array().CreateSnapshotSet(prod_, Request());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->snapshots.size(), 3u);
}

// The same crash points, reached through the three-step creation: the array
// dies in Prepare, in Commit (between or after the clones, nothing synced)
// or in Finish (synced, not committed). A host that calls Finish after the
// restart is refused (the set is gone), no clone file is left, and the set
// can be made again under its id.
TEST_P(SnapshotCrashDeathTest, HalfMadeSetOfTheThreeStepsIsUndone) {
  CrashAt(GetParam(), [this](Array& a) {
    if (!a.PrepareSnapshotSet(prod_, Request()).ok()) return;
    if (!a.CommitSnapshotSet(prod_, set_id_).ok()) return;
    (void)a.FinishSnapshotSet(prod_, set_id_);
  });
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  EXPECT_EQ(PoolFiles().size(), 3u);
  // (The fixture opened the pool twice since the crash, so the second Open
  // found nothing to undo and cannot say "restarted"; SnapshotStepsTest
  // checks that message after one reopen.)
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, set_id_), kObjectNotFound);
  SP_ASSERT_OK(array().PrepareSnapshotSet(prod_, Request()));
  ASSERT_TRUE(array().CommitSnapshotSet(prod_, set_id_).ok());
  Result<SnapshotSetResult> again = array().FinishSnapshotSet(prod_, set_id_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->snapshots.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(
    Points, SnapshotCrashDeathTest,
    ::testing::Values("snapshot.after-intent", "snapshot.after-clone-1",
                      "snapshot.after-clone-2", "snapshot.after-clone-3",
                      "snapshot.after-clones", "snapshot.before-commit"));

TEST_F(ArrayCrashDeathTest, CommittedSetSurvives) {
  CrashAt("snapshot.after-commit",
          [this](Array& a) { (void)a.CreateSnapshotSet(prod_, Request()); });
  Result<std::vector<LunInfo>> snaps = array().ListSnapshots(admin_, set_id_);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_TRUE(snaps->front().transportable);
  EXPECT_EQ(snaps->front().importers, std::vector<std::string>{"backup"});
  EXPECT_EQ(PoolFiles().size(), 6u);
  SP_EXPECT_CODE(array().CreateSnapshotSet(prod_, Request()),
                 kObjectAlreadyExists);
}

TEST_F(ArrayCrashDeathTest, FinishedSetOfTheThreeStepsSurvives) {
  CrashAt("snapshot.after-commit", [this](Array& a) {
    if (!a.PrepareSnapshotSet(prod_, Request()).ok()) return;
    if (!a.CommitSnapshotSet(prod_, set_id_).ok()) return;
    (void)a.FinishSnapshotSet(prod_, set_id_);
  });
  EXPECT_EQ(array().ListSnapshots(admin_, set_id_)->size(), 3u);
  EXPECT_EQ(PoolFiles().size(), 6u);
  SP_EXPECT_CODE(array().FinishSnapshotSet(prod_, set_id_), kObjectNotFound);
}

TEST_F(ArrayCrashDeathTest, DeletionsAreFinished) {
  for (const char* point : {"delete.after-intent", "delete.after-remove"}) {
    SCOPED_TRACE(point);
    set_id_ = *Guid::Random();
    ASSERT_TRUE(array().CreateSnapshotSet(prod_, Request()).ok());
    Guid set = set_id_;
    CrashAt(point, [set](Array& a) {
      (void)a.DeleteSnapshotSet(Caller::Admin(), set);
    });
    EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
    EXPECT_EQ(PoolFiles().size(), 3u);
  }
  SP_ASSERT_OK(array().Unpresent(admin_, c_, "prod"));
  CrashAt("delete.after-remove",
          [this](Array& a) { (void)a.DeleteLun(Caller::Admin(), c_); });
  SP_EXPECT_CODE(array().GetLun(admin_, c_), kObjectNotFound);
  EXPECT_EQ(PoolFiles().count(LunFileName(c_)), 0u);
}

TEST_F(ArrayCrashDeathTest, HalfMadeBreakIsUndone) {
  Result<SnapshotSetResult> set = array().CreateSnapshotSet(prod_, Request());
  ASSERT_TRUE(set.ok());
  uint64_t snap = set->snapshots[0].id;
  ASSERT_TRUE(
      array().LocateLuns(Caller::Host("backup"), {set->snapshots[0].naa}).ok());
  for (const char* point : {"break.after-intent", "break.after-clone"}) {
    SCOPED_TRACE(point);
    CrashAt(point, [snap](Array& a) {
      (void)a.BreakSnapshot(Caller::Host("backup"), snap);
    });
    Result<LunInfo> still = array().GetLun(admin_, snap);
    ASSERT_TRUE(still.ok()) << still.status().ToString();
    EXPECT_TRUE(still->is_snapshot);
    EXPECT_EQ(still->presented_to, std::vector<std::string>{"backup"});
    EXPECT_EQ(array().ListLuns(admin_)->size(), 3u);
    EXPECT_EQ(PoolFiles().size(), 6u);
  }
}

TEST_F(ArrayCrashDeathTest, CommittedBreakIsFinished) {
  Result<SnapshotSetResult> set = array().CreateSnapshotSet(prod_, Request());
  ASSERT_TRUE(set.ok());
  uint64_t snap = set->snapshots[0].id;
  ASSERT_TRUE(
      array().LocateLuns(Caller::Host("backup"), {set->snapshots[0].naa}).ok());
  CrashAt("break.after-commit", [snap](Array& a) {
    (void)a.BreakSnapshot(Caller::Host("backup"), snap);
  });
  SP_EXPECT_CODE(array().GetLun(admin_, snap), kObjectNotFound);
  Result<std::vector<LunInfo>> luns = array().ListLuns(Caller::Host("backup"));
  ASSERT_TRUE(luns.ok());
  ASSERT_EQ(luns->size(), 1u);
  EXPECT_FALSE(luns->front().read_only);
  EXPECT_EQ(array().ListSnapshots(admin_, std::nullopt)->size(), 2u);
  EXPECT_EQ(PoolFiles().size(), 6u);
}

}  // namespace
}  // namespace sp::array
