// The embedded array: opening a pool, LUN lifecycle, identities, sizes.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <set>

#include "array/identity.h"
#include "unit/array_fixture.h"

namespace sp::array {
namespace {

using Op = fakes::FakePoolFilesystem::Op;

TEST_F(ArrayTest, OpenRefusesPoolThatCannotReflink) {
  Close();
  fs_.SetReflinkSupported(false, "ext4");
  Result<std::unique_ptr<Array>> a = Array::Open(Options(), &fs_);
  SP_EXPECT_CODE(a, kNotSupported);
  EXPECT_NE(a.status().message().find("ext4"), std::string::npos)
      << a.status().ToString();
}

TEST_F(ArrayTest, OpenRefusesMissingPoolAndBadOptions) {
  Close();
  ArrayOptions o = Options();
  o.pool_dir = pool_ + "/nope";
  SP_EXPECT_CODE(Array::Open(o, &fs_), kObjectNotFound);
  o = Options();
  o.crash_at = "snapshot.after-klone-1";
  SP_EXPECT_CODE(Array::Open(o, &fs_), kInvalidArg);
  o = Options();
  o.snapshot_reserve_percent = 101;
  SP_EXPECT_CODE(Array::Open(o, &fs_), kInvalidArg);
}

TEST_F(ArrayTest, OnePoolOneArray) {
  SP_EXPECT_CODE(Array::Open(Options(), &fs_), kVolumeInUse);
  Close();
  Open();  // the lock went with the first Array
}

TEST_F(ArrayTest, ArrayIdIsFixedAcrossReopen) {
  Result<PoolStatus> first = array().GetStatus(admin_);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(Guid::Parse(first->array_id).ok()) << first->array_id;
  Reopen();
  Result<PoolStatus> second = array().GetStatus(admin_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->array_id, second->array_id);
}

TEST_F(ArrayTest, LunLifecycle) {
  Result<LunInfo> lun = array().CreateLun(admin_, 4 * kMiB);
  ASSERT_TRUE(lun.ok()) << lun.status().ToString();
  EXPECT_EQ(lun->size_bytes, 4 * kMiB);
  EXPECT_EQ(lun->name,
            "lun-" + std::string(6 - std::to_string(lun->id).size(), '0') +
                std::to_string(lun->id));
  EXPECT_EQ(lun->vendor, "SHADOWPT");
  EXPECT_EQ(lun->product, "EMBEDDED LUN");
  EXPECT_FALSE(lun->read_only);
  EXPECT_FALSE(lun->is_snapshot);
  EXPECT_GT(lun->created_us, 0);
  EXPECT_TRUE(IsWellFormedNaa(lun->naa)) << lun->naa;
  EXPECT_EQ(std::filesystem::file_size(LunPath(lun->id)), 4 * kMiB);

  Result<std::vector<LunInfo>> list = array().ListLuns(admin_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().naa, lun->naa);

  Result<LunInfo> by_naa = array().FindLunByNaa(admin_, lun->naa);
  ASSERT_TRUE(by_naa.ok());
  EXPECT_EQ(by_naa->id, lun->id);
  // Case does not matter for lookups.
  std::string upper = lun->naa;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(array().FindLunByNaa(admin_, upper).ok());

  SP_ASSERT_OK(array().DeleteLun(admin_, lun->id));
  SP_EXPECT_CODE(array().GetLun(admin_, lun->id), kObjectNotFound);
  SP_EXPECT_CODE(array().FindLunByNaa(admin_, lun->naa), kObjectNotFound);
  SP_EXPECT_CODE(array().DeleteLun(admin_, lun->id), kObjectNotFound);
  EXPECT_TRUE(PoolFiles().empty());
}

TEST_F(ArrayTest, LunInformationForTheBcd) {
  Result<LunInfo> lun = array().CreateLun(admin_, kMiB);
  ASSERT_TRUE(lun.ok());
  Result<PoolStatus> st = array().GetStatus(admin_);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(lun->array_id, st->array_id);
  LunInformation info = lun->ToLunInformation();
  EXPECT_EQ(info.array_id, st->array_id);
  EXPECT_EQ(info.lun_id, lun->name);
  EXPECT_EQ(info.vendor_id, "SHADOWPT");
  EXPECT_EQ(info.product_id, "EMBEDDED LUN");
  EXPECT_EQ(info.product_revision, lun->revision);
  EXPECT_EQ(info.serial_number, lun->serial);
  EXPECT_EQ(info.unique_id, lun->naa);
  EXPECT_EQ(info.size_bytes, kMiB);
}

TEST_F(ArrayTest, IdentitiesAreUniqueAndNeverReused) {
  std::set<uint64_t> ids;
  std::set<std::string> serials, naas, names;
  auto remember = [&](const LunInfo& l) {
    EXPECT_TRUE(ids.insert(l.id).second) << l.id;
    EXPECT_TRUE(serials.insert(l.serial).second) << l.serial;
    EXPECT_TRUE(naas.insert(l.naa).second) << l.naa;
    EXPECT_TRUE(names.insert(l.name).second) << l.name;
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) {
      Result<LunInfo> l = array().CreateLun(admin_, kMiB);
      ASSERT_TRUE(l.ok());
      remember(*l);
    }
    // Delete the newest (the one AUTOINCREMENT-less rowids would reuse),
    // then reopen: the next id is still new.
    SP_ASSERT_OK(array().DeleteLun(admin_, *ids.rbegin()));
    Reopen();
  }
  EXPECT_EQ(ids.size(), 9u);
}

TEST_F(ArrayTest, IdentityDerivation) {
  Guid a = *Guid::Parse("{00112233-4455-4677-8899-aabbccddeeff}");
  Guid b = *Guid::Parse("{00112233-4455-4677-8899-aabbccddeef0}");
  Result<LunIdentity> a7 = DeriveIdentity(a, 7);
  Result<LunIdentity> b7 = DeriveIdentity(b, 7);
  ASSERT_TRUE(a7.ok() && b7.ok());
  EXPECT_EQ(a7->name, "lun-000007");
  EXPECT_TRUE(IsWellFormedNaa(a7->naa));
  EXPECT_EQ(a7->naa.substr(a7->naa.size() - 16), "0000000000000007");
  EXPECT_NE(a7->naa, b7->naa);  // unique per array
  EXPECT_NE(a7->serial, b7->serial);
  EXPECT_EQ(a7->serial.size(), 20u);
  EXPECT_EQ(LunFileName(7), "lun-000007.img");
  EXPECT_EQ(ParseLunFileName("lun-000007.img"), 7u);
  EXPECT_EQ(ParseLunFileName("lun-1234567.img"), 1234567u);
  EXPECT_FALSE(ParseLunFileName("lun-0000007.img"));
  EXPECT_FALSE(ParseLunFileName("lun-000000.img"));
  EXPECT_FALSE(ParseLunFileName("lun-00000x.img"));
  EXPECT_FALSE(ParseLunFileName("array.db"));
}

TEST_F(ArrayTest, SizeRules) {
  SP_EXPECT_CODE(array().CreateLun(admin_, 0), kInvalidArg);
  SP_EXPECT_CODE(array().CreateLun(admin_, kMiB + 1), kInvalidArg);
  SP_EXPECT_CODE(array().CreateLun(admin_, (1ull << 50) + 512), kInvalidArg);
  EXPECT_TRUE(PoolFiles().empty());

  uint64_t id = NewLun(2 * kMiB);
  SP_EXPECT_CODE(array().ResizeLun(admin_, id, kMiB), kInvalidArg);  // shrink
  SP_EXPECT_CODE(array().ResizeLun(admin_, id, 0), kInvalidArg);
  SP_EXPECT_CODE(array().ResizeLun(admin_, id, 3 * kMiB + 100), kInvalidArg);
  SP_EXPECT_CODE(array().ResizeLun(admin_, id + 100, 4 * kMiB),
                 kObjectNotFound);
  SP_ASSERT_OK(array().ResizeLun(admin_, id, 2 * kMiB));  // same: no-op
  EXPECT_EQ(fs_.CountCalls(Op::kGrowFile), 0);
  SP_ASSERT_OK(array().ResizeLun(admin_, id, 3 * kMiB));
  EXPECT_EQ(array().GetLun(admin_, id)->size_bytes, 3 * kMiB);
  EXPECT_EQ(std::filesystem::file_size(LunPath(id)), 3 * kMiB);
  Reopen();
  EXPECT_EQ(array().GetLun(admin_, id)->size_bytes, 3 * kMiB);
}

TEST_F(ArrayTest, CreateLunFailureLeavesNothing) {
  fs_.FailNth(Op::kCreateSparseFile, 1,
              Status(Code::kInsufficientStorage, "injected ENOSPC"));
  SP_EXPECT_CODE(array().CreateLun(admin_, kMiB), kInsufficientStorage);
  EXPECT_TRUE(PoolFiles().empty());
  EXPECT_TRUE(array().ListLuns(admin_)->empty());
  Close();
  ExpectNoIntentRows();
}

TEST_F(ArrayTest, RecoveryRemovesUnknownFiles) {
  uint64_t id = NewLun();
  Close();
  // A stray file, and a file named like a LUN the catalogue never had.
  SP_ASSERT_OK(fs_.CreateSparseFile(luns_dir() + "/stray.tmp", 512));
  SP_ASSERT_OK(fs_.CreateSparseFile(luns_dir() + "/lun-000999.img", 512));
  Open();
  EXPECT_EQ(PoolFiles(), std::set<std::string>{LunFileName(id)});
  EXPECT_EQ(CatalogueFiles(), PoolFiles());
}

TEST_F(ArrayTest, StatusCounts) {
  AddHost("h1");
  NewLun();
  NewLun();
  Result<PoolStatus> st = array().GetStatus(admin_);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->lun_count, 2u);
  EXPECT_EQ(st->snapshot_count, 0u);
  EXPECT_EQ(st->host_count, 1u);
  EXPECT_EQ(st->pool_dir, pool_);
  EXPECT_EQ(st->space.free_bytes, 1ull << 40);
  SP_EXPECT_CODE(array().GetStatus(Caller::Host("h1")), kAccessDeniedLocal);
}

}  // namespace
}  // namespace sp::array
