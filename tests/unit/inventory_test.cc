// shadowportd's inventory (src/service/inventory.h): records, persistence,
// sessions, the start-time rules of reference 2.4, and damaged files.
#include "service/inventory.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

#include "shadowport/context.h"
#include "sqlite/sqlite.h"

namespace sp::service {
namespace {

namespace fs = std::filesystem;

#define SP_ASSERT_OK(expr)                                        \
  do {                                                            \
    const ::sp::Status& sp_s_ = (expr);                           \
    ASSERT_TRUE(sp_s_.ok()) << #expr << ": " << sp_s_.ToString(); \
  } while (0)

Guid NewGuid() {
  Result<Guid> g = Guid::Random();
  if (!g.ok()) __builtin_trap();
  return *g;
}

LunInformation Lun(const std::string& id) {
  LunInformation lun;
  lun.array_id = "{00000000-0000-4000-8000-000000000001}";
  lun.lun_id = id;
  lun.vendor_id = "SHADOWPT";
  lun.product_id = "POOL LUN";
  lun.product_revision = "0001";
  lun.serial_number = "SN-" + id;
  lun.unique_id = "naa.6" + std::string(31, 'a');
  lun.size_bytes = 1ull << 34;
  return lun;
}

SnapshotRecord Snapshot(const Guid& set_id, uint32_t attributes) {
  SnapshotRecord s;
  s.snapshot_id = NewGuid();
  s.snapshot_set_id = set_id;
  s.provider_id = NewGuid();
  s.attributes = attributes;
  s.original = {"/dev/loop3", "/srv/F", "xfs", "1234-abcd"};
  return s;
}

SetRecord Set(Context context, int snapshots = 1) {
  SetRecord set;
  set.snapshot_set_id = NewGuid();
  set.context = static_cast<uint32_t>(context);
  set.state = SetState::kCreated;
  set.session_id = NewGuid();
  set.creating_host = "systemOne";
  set.created_us = 1700000000000000;
  set.provider = "array";
  for (int i = 0; i < snapshots; ++i) {
    set.snapshots.push_back(
        Snapshot(set.snapshot_set_id, ImpliedAttributes(context)));
  }
  return set;
}

void ExpectSame(const SetRecord& a, const SetRecord& b) {
  EXPECT_EQ(a.snapshot_set_id, b.snapshot_set_id);
  EXPECT_EQ(a.context, b.context);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.creating_host, b.creating_host);
  EXPECT_EQ(a.created_us, b.created_us);
  EXPECT_EQ(a.provider, b.provider);
  ASSERT_EQ(a.snapshots.size(), b.snapshots.size());
  for (size_t i = 0; i < a.snapshots.size(); ++i) {
    const SnapshotRecord& x = a.snapshots[i];
    const SnapshotRecord& y = b.snapshots[i];
    EXPECT_EQ(x.snapshot_id, y.snapshot_id);
    EXPECT_EQ(x.snapshot_set_id, y.snapshot_set_id);
    EXPECT_EQ(x.provider_id, y.provider_id);
    EXPECT_EQ(x.attributes, y.attributes);
    EXPECT_EQ(x.original, y.original);
    ASSERT_EQ(x.luns.size(), y.luns.size());
    for (size_t j = 0; j < x.luns.size(); ++j) {
      EXPECT_EQ(x.luns[j].provider_lun_id, y.luns[j].provider_lun_id);
      EXPECT_EQ(x.luns[j].mapping, y.luns[j].mapping);
    }
    EXPECT_EQ(x.device, y.device);
    EXPECT_EQ(x.exposed_path, y.exposed_path);
  }
}

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sp_inventory_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Open();
  }
  void TearDown() override {
    inventory_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Open() {
    Result<std::unique_ptr<Inventory>> inv = Inventory::Open(dir_);
    ASSERT_TRUE(inv.ok()) << inv.status().ToString();
    inventory_ = std::move(inv).value();
  }
  Inventory& inv() { return *inventory_; }

  std::string dir_;
  std::unique_ptr<Inventory> inventory_;
};

TEST_F(InventoryTest, AddGetRoundTrip) {
  SetRecord set = Set(Context::kAppRollback, 2);
  set.context |= attr::kTransportable;
  set.snapshots[0].luns.push_back({"7", {Lun("3"), Lun("7")}});
  set.snapshots[0].luns.push_back({"8", {Lun("4"), Lun("8")}});
  set.snapshots[1].device = "/dev/sdx";
  set.snapshots[1].exposed_path = "/mnt/x";
  SP_ASSERT_OK(inv().AddSet(set));

  Result<SetRecord> got = inv().GetSet(set.snapshot_set_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSame(*got, set);

  Result<SetRecord> by_snapshot =
      inv().FindSnapshot(set.snapshots[1].snapshot_id);
  ASSERT_TRUE(by_snapshot.ok());
  EXPECT_EQ(by_snapshot->snapshot_set_id, set.snapshot_set_id);
}

TEST_F(InventoryTest, SnapshotNamingAnotherSetIsRefused) {
  SetRecord set = Set(Context::kBackup);
  set.snapshots[0].snapshot_set_id = NewGuid();
  EXPECT_EQ(inv().AddSet(set).code(), Code::kInvalidArg);
  EXPECT_EQ(inv().GetSet(set.snapshot_set_id).status().code(),
            Code::kObjectNotFound);  // rolled back
}

TEST_F(InventoryTest, DuplicateIdsAreRefused) {
  SetRecord set = Set(Context::kBackup);
  SP_ASSERT_OK(inv().AddSet(set));
  Status again = inv().AddSet(set);
  EXPECT_EQ(again.code(), Code::kObjectAlreadyExists) << again.ToString();
  EXPECT_NE(again.message().find(set.snapshot_set_id.ToString()),
            std::string::npos);

  // Another set reusing a snapshot id: refused, nothing of it stored.
  SetRecord other = Set(Context::kBackup);
  other.snapshots[0].snapshot_id = set.snapshots[0].snapshot_id;
  EXPECT_EQ(inv().AddSet(other).code(), Code::kObjectAlreadyExists);
  EXPECT_EQ(inv().GetSet(other.snapshot_set_id).status().code(),
            Code::kObjectNotFound);
}

TEST_F(InventoryTest, UnknownIdsAreNotFound) {
  Guid unknown = NewGuid();
  EXPECT_EQ(inv().GetSet(unknown).status().code(), Code::kObjectNotFound);
  EXPECT_EQ(inv().FindSnapshot(unknown).status().code(), Code::kObjectNotFound);
  EXPECT_EQ(inv().SetState(unknown, SetState::kDeleting).code(),
            Code::kObjectNotFound);
  EXPECT_EQ(inv().RemoveSet(unknown).code(), Code::kObjectNotFound);
  EXPECT_EQ(inv().RemoveSnapshot(unknown).code(), Code::kObjectNotFound);
  SetRecord set = Set(Context::kBackup);
  EXPECT_EQ(inv().UpdateSet(set).code(), Code::kObjectNotFound);
}

TEST_F(InventoryTest, UpdateReplacesStateAndSnapshots) {
  SetRecord set = Set(Context::kAppRollback, 1);
  set.state = SetState::kCreating;
  SP_ASSERT_OK(inv().AddSet(set));

  set.state = SetState::kCreated;
  set.snapshots[0].luns.push_back({"12", {Lun("2"), Lun("12")}});
  set.snapshots.push_back(
      Snapshot(set.snapshot_set_id, ImpliedAttributes(Context::kAppRollback)));
  SP_ASSERT_OK(inv().UpdateSet(set));
  Result<SetRecord> got = inv().GetSet(set.snapshot_set_id);
  ASSERT_TRUE(got.ok());
  ExpectSame(*got, set);

  SP_ASSERT_OK(inv().SetState(set.snapshot_set_id, SetState::kDeleting));
  got = inv().GetSet(set.snapshot_set_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state, SetState::kDeleting);
  EXPECT_EQ(got->snapshots.size(), 2u);
}

TEST_F(InventoryTest, ListAndRemove) {
  SetRecord a = Set(Context::kBackup);
  SetRecord b = Set(Context::kAppRollback);
  b.created_us = a.created_us + 1;
  SP_ASSERT_OK(inv().AddSet(b));
  SP_ASSERT_OK(inv().AddSet(a));
  Result<std::vector<SetRecord>> all = inv().ListSets();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].snapshot_set_id, a.snapshot_set_id);  // by creation
  EXPECT_EQ((*all)[1].snapshot_set_id, b.snapshot_set_id);
  EXPECT_EQ((*all)[1].snapshots.size(), 1u);

  SP_ASSERT_OK(inv().RemoveSet(a.snapshot_set_id));
  EXPECT_EQ(inv().FindSnapshot(a.snapshots[0].snapshot_id).status().code(),
            Code::kObjectNotFound);
  all = inv().ListSets();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].snapshot_set_id, b.snapshot_set_id);
}

TEST_F(InventoryTest, RemoveSnapshotTakesTheSetWithTheLast) {
  SetRecord set = Set(Context::kAppRollback, 2);
  SP_ASSERT_OK(inv().AddSet(set));
  SP_ASSERT_OK(inv().RemoveSnapshot(set.snapshots[0].snapshot_id));
  Result<SetRecord> got = inv().GetSet(set.snapshot_set_id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->snapshots.size(), 1u);
  EXPECT_EQ(got->snapshots[0].snapshot_id, set.snapshots[1].snapshot_id);

  SP_ASSERT_OK(inv().RemoveSnapshot(set.snapshots[1].snapshot_id));
  EXPECT_EQ(inv().GetSet(set.snapshot_set_id).status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(inv().RemoveSnapshot(set.snapshots[1].snapshot_id).code(),
            Code::kObjectNotFound);
}

TEST_F(InventoryTest, ListSetsOfSession) {
  SetRecord a = Set(Context::kBackup);
  SetRecord b = Set(Context::kBackup);
  b.session_id = a.session_id;
  b.created_us = a.created_us + 5;
  SetRecord c = Set(Context::kBackup);
  SP_ASSERT_OK(inv().AddSet(a));
  SP_ASSERT_OK(inv().AddSet(b));
  SP_ASSERT_OK(inv().AddSet(c));
  Result<std::vector<SetRecord>> mine = inv().ListSetsOfSession(a.session_id);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].snapshot_set_id, a.snapshot_set_id);
  EXPECT_EQ((*mine)[1].snapshot_set_id, b.snapshot_set_id);
  Result<std::vector<SetRecord>> none = inv().ListSetsOfSession(NewGuid());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(InventoryTest, SurvivesReopen) {
  SetRecord set = Set(Context::kNasRollback, 3);
  set.snapshots[2].luns.push_back({"lun-9", {Lun("1"), Lun("9")}});
  SP_ASSERT_OK(inv().AddSet(set));
  inventory_.reset();
  Open();
  Result<SetRecord> got = inv().GetSet(set.snapshot_set_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSame(*got, set);
}

TEST_F(InventoryTest, NotADatabaseIsAClearError) {
  inventory_.reset();
  {
    std::ofstream out(dir_ + "/inventory.db", std::ios::trunc);
    out << std::string(4096, 'x');
  }
  Result<std::unique_ptr<Inventory>> inv = Inventory::Open(dir_);
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.status().code(), Code::kIoError);
  EXPECT_NE(inv.status().message().find("not an SQLite database"),
            std::string::npos)
      << inv.status().ToString();
}

TEST_F(InventoryTest, DamagedDatabaseIsAClearError) {
  SetRecord set = Set(Context::kAppRollback, 40);
  SP_ASSERT_OK(inv().AddSet(set));
  inventory_.reset();  // checkpoints the WAL into the main file
  std::string path = dir_ + "/inventory.db";
  ASSERT_GT(fs::file_size(path), 4096u);
  {
    // Keep the header page, overwrite the rest with garbage.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    std::string junk(fs::file_size(path) - 4096, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  Result<std::unique_ptr<Inventory>> inv = Inventory::Open(dir_);
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.status().code(), Code::kIoError);
  EXPECT_NE(inv.status().message().find(path), std::string::npos)
      << inv.status().ToString();
  RecordProperty("error", inv.status().ToString());
}

TEST_F(InventoryTest, NewerSchemaIsRefused) {
  inventory_.reset();
  {
    Result<std::unique_ptr<sql::Database>> db =
        sql::Database::Open(dir_ + "/inventory.db");
    ASSERT_TRUE(db.ok());
    SP_ASSERT_OK((*db)->Exec("PRAGMA user_version=999"));
  }
  Result<std::unique_ptr<Inventory>> inv = Inventory::Open(dir_);
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.status().code(), Code::kNotSupported);
  EXPECT_NE(inv.status().message().find("999"), std::string::npos);
}

// ---- ActionAtStart (reference 2.4) ----

TEST(ActionAtStartTest, AutoReleaseBackupIsDeleted) {
  SetRecord set = Set(Context::kBackup);
  set.context |= attr::kTransportable;
  set.snapshots[0].attributes |= attr::kTransportable | attr::kHardwareAssisted;
  EXPECT_EQ(ActionAtStart(set), StartAction::kDelete);
  EXPECT_EQ(ActionAtStart(Set(Context::kFileShareBackup)),
            StartAction::kDelete);
}

TEST(ActionAtStartTest, PersistentContextsAreKept) {
  for (Context c :
       {Context::kAppRollback, Context::kNasRollback,
        Context::kClientAccessible, Context::kClientAccessibleWriters}) {
    EXPECT_EQ(ActionAtStart(Set(c)), StartAction::kKeep) << ContextName(c);
  }
}

TEST(ActionAtStartTest, NonPersistentNoAutoReleaseDiesAtRestart) {
  SetRecord set = Set(Context::kBackup);
  set.snapshots[0].attributes = attr::kNoAutoRelease | attr::kTransportable;
  ASSERT_EQ(LifetimeOf(set.snapshots[0].attributes),
            Lifetime::kUntilServiceRestart);
  EXPECT_EQ(ActionAtStart(set), StartAction::kDelete);
}

TEST(ActionAtStartTest, InterruptedWorkIsResolved) {
  SetRecord creating = Set(Context::kAppRollback);
  creating.state = SetState::kCreating;
  EXPECT_EQ(ActionAtStart(creating), StartAction::kAbort);
  SetRecord importing = Set(Context::kAppRollback);
  importing.state = SetState::kImporting;
  EXPECT_EQ(ActionAtStart(importing), StartAction::kAbort);
  SetRecord deleting = Set(Context::kAppRollback);
  deleting.state = SetState::kDeleting;
  EXPECT_EQ(ActionAtStart(deleting), StartAction::kDelete);
}

TEST(ActionAtStartTest, ImportedSetsFollowTheirAttributes) {
  SetRecord kept = Set(Context::kAppRollback);
  kept.state = SetState::kImported;
  kept.snapshots[0].attributes |= attr::kImported | attr::kTransportable;
  EXPECT_EQ(ActionAtStart(kept), StartAction::kKeep);
  SetRecord gone = Set(Context::kBackup);
  gone.state = SetState::kImported;
  gone.snapshots[0].attributes |= attr::kImported | attr::kTransportable;
  EXPECT_EQ(ActionAtStart(gone), StartAction::kDelete);
}

TEST(ActionAtStartTest, SetWithoutSnapshotsGoesByItsContext) {
  SetRecord persistent = Set(Context::kAppRollback, 0);
  persistent.context |= attr::kTransportable;
  EXPECT_EQ(ActionAtStart(persistent), StartAction::kKeep);
  EXPECT_EQ(ActionAtStart(Set(Context::kBackup, 0)), StartAction::kDelete);
}

TEST(ActionAtStartTest, OnePersistentSnapshotKeepsAMixedSet) {
  SetRecord set = Set(Context::kBackup, 2);
  set.snapshots[1].attributes = ImpliedAttributes(Context::kAppRollback);
  EXPECT_EQ(ActionAtStart(set), StartAction::kKeep);
}

TEST(SetStateNameTest, Names) {
  EXPECT_EQ(SetStateName(SetState::kCreating), "creating");
  EXPECT_EQ(SetStateName(SetState::kCreated), "created");
  EXPECT_EQ(SetStateName(SetState::kImporting), "importing");
  EXPECT_EQ(SetStateName(SetState::kImported), "imported");
  EXPECT_EQ(SetStateName(SetState::kDeleting), "deleting");
}

}  // namespace
}  // namespace sp::service
