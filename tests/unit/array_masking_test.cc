// The embedded array: masking, presentation, attachments, mount reports.
#include <gtest/gtest.h>

#include "array/identity.h"
#include "unit/array_fixture.h"

namespace sp::array {
namespace {

class MaskingTest : public ArrayTest {
 protected:
  void SetUp() override {
    ArrayTest::SetUp();
    AddHost("alpha");
    AddHost("beta");
    mine_ = NewLunFor("alpha");
    theirs_ = NewLunFor("beta");
  }
  const Caller alpha_ = Caller::Host("alpha");
  const Caller beta_ = Caller::Host("beta");
  uint64_t mine_ = 0;
  uint64_t theirs_ = 0;
};

TEST_F(MaskingTest, HostSeesOnlyWhatIsPresentedToIt) {
  Result<std::vector<LunInfo>> list = array().ListLuns(alpha_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, mine_);
  // A host does not learn who else has the LUN.
  EXPECT_EQ(list->front().presented_to, std::vector<std::string>{"alpha"});
  EXPECT_TRUE(array().GetLun(alpha_, mine_).ok());
  EXPECT_TRUE(array().ListSnapshots(alpha_, std::nullopt)->empty());
}

TEST_F(MaskingTest, UnpresentedLunIsAccessDeniedAndNothingChanges) {
  std::string naa = array().GetLun(admin_, theirs_)->naa;
  Result<LunInfo> before = array().GetLun(admin_, theirs_);
  std::set<std::string> files = PoolFiles();
  audit_.clear();

  SP_EXPECT_CODE(array().GetLun(alpha_, theirs_), kAccessDenied);
  SP_EXPECT_CODE(array().FindLunByNaa(alpha_, naa), kAccessDenied);
  SP_EXPECT_CODE(array().Attach(alpha_, theirs_), kAccessDenied);
  SP_EXPECT_CODE(array().SetAttachmentDevice(alpha_, theirs_, "/dev/loop0"),
                 kAccessDenied);
  SP_EXPECT_CODE(array().Detach(alpha_, theirs_), kAccessDenied);
  SP_EXPECT_CODE(array().ReportMount(alpha_, theirs_, true), kAccessDenied);
  SP_EXPECT_CODE(array().BreakSnapshot(alpha_, theirs_), kAccessDenied);
  SP_EXPECT_CODE(array().DeleteSnapshot(alpha_, theirs_), kAccessDenied);
  SnapshotSetRequest req;
  req.snapshot_set_id = *Guid::Random();
  req.lun_ids = {mine_, theirs_};
  SP_EXPECT_CODE(array().CreateSnapshotSet(alpha_, req), kAccessDenied);
  SP_EXPECT_CODE(array().LocateLuns(alpha_, {naa}), kAccessDenied);
  // Deleting and presenting are the admin's, whatever the LUN.
  SP_EXPECT_CODE(array().DeleteLun(alpha_, theirs_), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().Present(alpha_, theirs_, "alpha"), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().ResizeLun(alpha_, theirs_, 2 * kMiB),
                 kAccessDeniedLocal);
  EXPECT_GE(audit_.size(), 10u);

  Result<LunInfo> after = array().GetLun(admin_, theirs_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->presented_to, before->presented_to);
  EXPECT_TRUE(after->attachments.empty());
  EXPECT_TRUE(after->mounted_read_write_by.empty());
  EXPECT_EQ(after->size_bytes, before->size_bytes);
  EXPECT_EQ(PoolFiles(), files);
  EXPECT_TRUE(array().ListSnapshots(admin_, std::nullopt)->empty());
  EXPECT_EQ(fs_.CountCalls(fakes::FakePoolFilesystem::Op::kClone), 0);
}

TEST_F(MaskingTest, MissingAndMaskedLookTheSameToAHost) {
  Status masked = array().GetLun(alpha_, theirs_).status();
  Status missing = array().GetLun(alpha_, 4242).status();
  EXPECT_EQ(masked.code(), Code::kAccessDenied);
  EXPECT_EQ(missing.code(), Code::kAccessDenied);
  // Same words apart from the id.
  std::string a = masked.message(), b = missing.message();
  a.replace(a.find(std::to_string(theirs_)), std::to_string(theirs_).size(),
            "N");
  b.replace(b.find("4242"), 4, "N");
  EXPECT_EQ(a, b);
  // The admin is told the truth.
  SP_EXPECT_CODE(array().GetLun(admin_, 4242), kObjectNotFound);
  SP_EXPECT_CODE(array().FindLunByNaa(alpha_, "naa.6" + std::string(31, '0')),
                 kAccessDenied);
}

TEST_F(MaskingTest, PresentAndUnpresent) {
  SP_ASSERT_OK(array().Present(admin_, theirs_, "alpha"));
  SP_ASSERT_OK(array().Present(admin_, theirs_, "alpha"));  // idempotent
  EXPECT_EQ(array().ListLuns(alpha_)->size(), 2u);
  EXPECT_EQ(array().GetLun(admin_, theirs_)->presented_to,
            (std::vector<std::string>{"alpha", "beta"}));
  SP_EXPECT_CODE(array().Present(admin_, theirs_, "gamma"), kObjectNotFound);
  SP_EXPECT_CODE(array().Present(admin_, 999, "alpha"), kObjectNotFound);

  ASSERT_TRUE(array().Attach(alpha_, theirs_).ok());
  SP_EXPECT_CODE(array().Unpresent(admin_, theirs_, "alpha"), kVolumeInUse);
  SP_ASSERT_OK(array().Detach(alpha_, theirs_));
  SP_ASSERT_OK(array().Unpresent(admin_, theirs_, "alpha"));
  SP_ASSERT_OK(array().Unpresent(admin_, theirs_, "alpha"));  // idempotent
  SP_EXPECT_CODE(array().GetLun(alpha_, theirs_), kAccessDenied);
}

TEST_F(MaskingTest, HostUnpresentsASnapshotLunFromItselfOnly) {
  SnapshotSetRequest req;
  req.snapshot_set_id = *Guid::Random();
  req.lun_ids = {mine_};
  Result<SnapshotSetResult> set = array().CreateSnapshotSet(alpha_, req);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const uint64_t snap = set->snapshots[0].id;  // presented to alpha
  audit_.clear();

  // Not for another host, not an ordinary LUN, not what it cannot use.
  SP_EXPECT_CODE(array().Unpresent(alpha_, snap, "beta"), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().Unpresent(alpha_, mine_, "alpha"), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().Unpresent(alpha_, theirs_, "alpha"), kAccessDenied);
  SP_EXPECT_CODE(array().Unpresent(beta_, snap, "beta"), kAccessDenied);
  SP_EXPECT_CODE(array().Unpresent(beta_, 4242, "beta"), kAccessDenied);
  SP_EXPECT_CODE(array().Unpresent(Caller::Host("ghost"), snap, "ghost"),
                 kUnauthenticated);
  EXPECT_GE(audit_.size(), 5u);
  EXPECT_EQ(array().GetLun(admin_, mine_)->presented_to,
            std::vector<std::string>{"alpha"});
  EXPECT_EQ(array().GetLun(admin_, snap)->presented_to,
            std::vector<std::string>{"alpha"});

  // Refused while attached, as for the admin.
  ASSERT_TRUE(array().Attach(alpha_, snap).ok());
  SP_EXPECT_CODE(array().Unpresent(alpha_, snap, "alpha"), kVolumeInUse);
  SP_ASSERT_OK(array().Detach(alpha_, snap));
  SP_ASSERT_OK(array().Unpresent(alpha_, snap, "alpha"));
  EXPECT_TRUE(array().GetLun(admin_, snap)->presented_to.empty());
  // Masked now: not usable, a second release is refused like any masked
  // LUN; the creator still sees (and may delete) it.
  SP_EXPECT_CODE(array().Unpresent(alpha_, snap, "alpha"), kAccessDenied);
  SP_EXPECT_CODE(array().Attach(alpha_, snap), kAccessDenied);
  EXPECT_EQ(array().ListSnapshots(alpha_, std::nullopt)->size(), 1u);
  SP_ASSERT_OK(array().DeleteSnapshot(alpha_, snap));
}

TEST_F(MaskingTest, DeleteRefusedWhilePresentedOrAttached) {
  SP_EXPECT_CODE(array().DeleteLun(admin_, mine_), kVolumeInUse);
  ASSERT_TRUE(array().Attach(alpha_, mine_).ok());
  SP_ASSERT_OK(array().Unpresent(admin_, mine_, "beta"));  // not beta's
  SP_EXPECT_CODE(array().DeleteLun(admin_, mine_), kVolumeInUse);
  SP_ASSERT_OK(array().Detach(alpha_, mine_));
  SP_ASSERT_OK(array().Unpresent(admin_, mine_, "alpha"));
  SP_ASSERT_OK(array().DeleteLun(admin_, mine_));
  EXPECT_EQ(PoolFiles().count(LunFileName(mine_)), 0u);
}

TEST_F(MaskingTest, AttachDetachAndDevices) {
  Result<AttachInfo> at = array().Attach(alpha_, mine_);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->backing_file, LunPath(mine_));
  EXPECT_FALSE(at->read_only);
  EXPECT_EQ(at->lun.id, mine_);
  ASSERT_TRUE(array().Attach(alpha_, mine_).ok());  // idempotent

  SP_EXPECT_CODE(array().SetAttachmentDevice(alpha_, mine_, "loop0"),
                 kInvalidArg);
  SP_ASSERT_OK(array().SetAttachmentDevice(alpha_, mine_, "/dev/loop7"));
  Result<LunInfo> lun = array().GetLun(admin_, mine_);
  ASSERT_EQ(lun->attachments.size(), 1u);
  EXPECT_EQ(lun->attachments[0].host, "alpha");
  EXPECT_EQ(lun->attachments[0].device, "/dev/loop7");
  EXPECT_GT(lun->attachments[0].since_us, 0);

  // The admin has no host identity to attach with.
  SP_EXPECT_CODE(array().Attach(admin_, mine_), kInvalidArg);

  SP_ASSERT_OK(array().Detach(alpha_, mine_));
  SP_ASSERT_OK(array().Detach(alpha_, mine_));  // idempotent
  EXPECT_TRUE(array().GetLun(admin_, mine_)->attachments.empty());
  SP_EXPECT_CODE(array().SetAttachmentDevice(alpha_, mine_, "/dev/loop7"),
                 kBadState);
}

TEST_F(MaskingTest, AttachmentsSurviveRestartAndAreReclaimed) {
  SP_ASSERT_OK(array().Present(admin_, theirs_, "alpha"));
  ASSERT_TRUE(array().Attach(alpha_, mine_).ok());
  ASSERT_TRUE(array().Attach(alpha_, theirs_).ok());
  ASSERT_TRUE(array().Attach(beta_, theirs_).ok());
  SP_ASSERT_OK(array().ReportMount(alpha_, mine_, true));
  Reopen();
  EXPECT_EQ(array().GetLun(admin_, theirs_)->attachments.size(), 2u);
  EXPECT_EQ(array().GetLun(admin_, mine_)->mounted_read_write_by,
            std::vector<std::string>{"alpha"});

  // alpha crashed: the admin reclaims what it held.
  SP_ASSERT_OK(array().ReclaimHost(admin_, "alpha"));
  EXPECT_TRUE(array().GetLun(admin_, mine_)->attachments.empty());
  EXPECT_TRUE(array().GetLun(admin_, mine_)->mounted_read_write_by.empty());
  Result<LunInfo> shared = array().GetLun(admin_, theirs_);
  ASSERT_EQ(shared->attachments.size(), 1u);
  EXPECT_EQ(shared->attachments[0].host, "beta");
  SP_EXPECT_CODE(array().ReclaimHost(admin_, "nobody"), kObjectNotFound);
  // Presentations stay: reclaim is about the data path only.
  EXPECT_EQ(array().ListLuns(alpha_)->size(), 2u);
}

TEST_F(MaskingTest, MountReports) {
  SP_EXPECT_CODE(array().ReportMount(alpha_, mine_, true), kBadState);
  ASSERT_TRUE(array().Attach(alpha_, mine_).ok());
  SP_ASSERT_OK(array().ReportMount(alpha_, mine_, true));
  EXPECT_EQ(array().GetLun(admin_, mine_)->mounted_read_write_by,
            std::vector<std::string>{"alpha"});
  SP_ASSERT_OK(array().ReportMount(alpha_, mine_, false));
  EXPECT_TRUE(array().GetLun(admin_, mine_)->mounted_read_write_by.empty());
  SP_ASSERT_OK(array().ReportMount(alpha_, mine_, true));
  SP_ASSERT_OK(array().Detach(alpha_, mine_));  // detaching unmounts
  EXPECT_TRUE(array().GetLun(admin_, mine_)->mounted_read_write_by.empty());
}

}  // namespace
}  // namespace sp::array
