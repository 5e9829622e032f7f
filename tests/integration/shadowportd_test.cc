// shadowportd for real (issue 4): sets of ext4 and XFS volumes on array LUNs,
// frozen with FIFREEZE by the watchdog, committed by the array provider, and
// the lifetime rules of VSS contexts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/shadowportd_fixture.h"
#include "shadowport/context.h"
#include "shadowport/documents.h"

namespace sp::testing_support {
namespace {

#define SP_ASSERT_OK(expr)                                        \
  do {                                                            \
    const ::sp::Status sp_s_ = (expr);                            \
    ASSERT_TRUE(sp_s_.ok()) << #expr << ": " << sp_s_.ToString(); \
  } while (0)

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The usual requester sequence up to DoSnapshotSet.
Status CreateSet(BackupComponents& b, uint32_t context,
                 const std::vector<std::string>& volumes) {
  SP_RETURN_IF_ERROR(b.InitializeForBackup());
  SP_RETURN_IF_ERROR(b.SetContext(context));
  SP_RETURN_IF_ERROR(b.SetBackupState(true, false, BackupType::kFull));
  const bool writers = (context & attr::kNoWriters) == 0;
  if (writers) SP_RETURN_IF_ERROR(b.GatherWriterMetadata());
  SP_RETURN_IF_ERROR(b.StartSnapshotSet().status());
  for (const std::string& v : volumes) {
    SP_RETURN_IF_ERROR(b.AddToSnapshotSet(v).status());
  }
  if (writers) SP_RETURN_IF_ERROR(b.PrepareForBackup());
  return b.DoSnapshotSet();
}

TEST_F(ShadowportdTest, SnapshotOfXfsAndExt4IsConsistentAndAutoReleased) {
  TestVolume xfs = MakeVolume("xfs");
  TestVolume ext4 = MakeVolume("ext4");
  StartService();
  WriteFile(xfs.mount_point + "/data.txt", "xfs before");
  WriteFile(ext4.mount_point + "/data.txt", "ext4 before");

  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                         {xfs.mount_point, ext4.mount_point}));
  WriteFile(xfs.mount_point + "/data.txt", "xfs after");

  const BackupComponentsDocument& bcd = backup->document();
  ASSERT_TRUE(bcd.snapshot_set.has_value());
  ASSERT_EQ(bcd.snapshot_set->snapshots.size(), 2u);
  EXPECT_EQ(bcd.snapshot_set->creating_host, "one");
  std::vector<array::LunInfo> at_array = ArraySnapshots();
  ASSERT_EQ(at_array.size(), 2u);
  for (const SnapshotDescription& s : bcd.snapshot_set->snapshots) {
    ASSERT_EQ(s.luns.size(), 1u);
    EXPECT_FALSE(s.luns[0].source.array_id.empty());
    EXPECT_NE(s.luns[0].destination.unique_id, s.luns[0].source.unique_id);
    EXPECT_TRUE(s.attributes & attr::kHardwareAssisted);
  }

  // The snapshot of the XFS volume holds the data of the freeze point and
  // mounts without log recovery.
  const SnapshotDescription& first = bcd.snapshot_set->snapshots[0];
  EXPECT_EQ(first.original.mount_point, xfs.mount_point);
  Result<array::LunInfo> snap =
      one().FindLunByNaa(first.luns[0].destination.unique_id);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  const std::string device = AttachLun(one(), snap->id);
  os::MountOptions ro;
  ro.read_only = true;
  ro.data = "nouuid,norecovery";
  const std::string dir = MountDevice(device, "xfs", ro);
  EXPECT_EQ(ReadFile(dir + "/data.txt"), "xfs before");
  Unmount(dir);
  DetachLun(one(), snap->id);

  // Auto-release: the set goes with the session.
  SP_ASSERT_OK(backup->Release());
  EXPECT_TRUE(ArraySnapshots().empty());
  Result<std::vector<SnapshotProperties>> left =
      BackupComponents::QueryService(socket());
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace sp::testing_support
