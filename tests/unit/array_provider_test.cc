// The array provider (src/providers/array) against an in-process array behind
// the real gRPC server (array_rpc_fixture.h; no root, no loop devices: a
// volume is an os::VolumeInfo naming a LUN's backing file), and the provider
// registry's choice (src/providers/provider_registry.h) with a test provider.
#include "providers/array/array_provider.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "array/identity.h"
#include "providers/provider_registry.h"
#include "shadowport/context.h"
#include "unit/array_rpc_fixture.h"

namespace sp::providers {
namespace {

using array::rpc::CodeOf;
using array::rpc::StatusText;
using Op = fakes::FakePoolFilesystem::Op;

Guid NewGuid() {
  Result<Guid> g = Guid::Random();
  EXPECT_TRUE(g.ok());
  return g.ok() ? *g : Guid();
}

class ArrayProviderTest : public array::rpc::RpcTest {
 protected:
  void SetUp() override {
    RpcTest::SetUp();
    if (HasFatalFailure()) return;
    cred_a_ = AddHost("hostA");
    provider_ = MakeProvider("hostA", cred_a_);
  }

  std::unique_ptr<ArrayProvider> MakeProvider(const std::string& host,
                                              const std::string& credential) {
    return std::make_unique<ArrayProvider>(AsHost(host, credential));
  }

  // A volume on LUN `id` as the probe would describe its loop device: the
  // LUN attached by `host` (as its loop setup would), "/dev/loop<n>".
  os::VolumeInfo Volume(uint64_t id, int n, const std::string& host = "hostA",
                        const std::string& credential = "") {
    Result<array::AttachInfo> attached =
        AsHost(host, credential.empty() ? cred_a_ : credential)->Attach(id);
    EXPECT_TRUE(attached.ok()) << attached.status().ToString();
    os::VolumeInfo v;
    v.device = "/dev/loop" + std::to_string(n);
    v.mount_point = "/srv/v" + std::to_string(n);
    v.fs_type = "xfs";
    if (attached.ok()) v.loop_backing_file = attached->backing_file;
    return v;
  }

  // The whole creation sequence up to PostCommitSnapshots.
  Status Create(ArrayProvider* p, const Guid& set,
                const std::vector<std::pair<Guid, os::VolumeInfo>>& volumes,
                uint32_t attributes,
                const std::vector<std::string>& importers = {}) {
    for (const auto& [snapshot, volume] : volumes) {
      SP_RETURN_IF_ERROR(p->AreLunsSupported(volume, attributes));
    }
    for (const auto& [snapshot, volume] : volumes) {
      SP_RETURN_IF_ERROR(p->BeginPrepareSnapshot(set, snapshot, volume,
                                                 attributes, importers));
    }
    SP_RETURN_IF_ERROR(p->EndPrepareSnapshots(set));
    SP_RETURN_IF_ERROR(p->PreCommitSnapshots(set));
    SP_RETURN_IF_ERROR(p->CommitSnapshots(set));
    return p->PostCommitSnapshots(set);
  }

  std::vector<array::LunInfo> ArraySnapshots(std::optional<Guid> set = {}) {
    Result<std::vector<array::LunInfo>> luns = Admin()->ListSnapshots(set);
    EXPECT_TRUE(luns.ok()) << luns.status().ToString();
    return luns.ok() ? *luns : std::vector<array::LunInfo>{};
  }

  // The sequence up to PreCommitSnapshots (the array has the intent).
  Status PreCommit(
      const Guid& set,
      const std::vector<std::pair<Guid, os::VolumeInfo>>& volumes) {
    for (const auto& [snapshot, volume] : volumes) {
      SP_RETURN_IF_ERROR(
          provider_->BeginPrepareSnapshot(set, snapshot, volume, 0, {}));
    }
    SP_RETURN_IF_ERROR(provider_->EndPrepareSnapshots(set));
    return provider_->PreCommitSnapshots(set);
  }

  // Names of the files in the pool's luns/.
  std::set<std::string> PoolFiles() const {
    std::set<std::string> names;
    for (const auto& entry :
         std::filesystem::directory_iterator(dir_ + "/pool/luns")) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  std::string ArrayId() {
    Result<array::PoolStatus> status = Admin()->GetStatus();
    EXPECT_TRUE(status.ok()) << status.status().ToString();
    return status.ok() ? status->array_id : "";
  }

  std::string cred_a_;
  std::unique_ptr<ArrayProvider> provider_;
};

TEST_F(ArrayProviderTest, IdentityAndCapabilities) {
  EXPECT_EQ(provider_->id(), kArrayProviderId);
  EXPECT_EQ(provider_->id().ToString(),
            "{5d0f3a61-7c2e-4b8a-9e14-3a6c2f8b1d07}");
  EXPECT_EQ(provider_->name(), "array");
  EXPECT_EQ(provider_->capabilities(),
            capability::kCompliant | capability::kMultipleImport);
}

TEST_F(ArrayProviderTest, PresentedLunIsSupportedAndItsDeviceReported) {
  const uint64_t lun = NewLun("hostA");
  os::VolumeInfo v = Volume(lun, 3);
  SP_RPC_ASSERT_OK(provider_->AreLunsSupported(v, 0));
  SP_RPC_ASSERT_OK(provider_->AreLunsSupported(v, attr::kTransportable));
  Result<array::LunInfo> info = AsHost("hostA", cred_a_)->GetLun(lun);
  SP_RPC_ASSERT_OK(info);
  ASSERT_EQ(info->attachments.size(), 1u);
  EXPECT_EQ(info->attachments[0].device, "/dev/loop3");
}

TEST_F(ArrayProviderTest, LunNotPresentedToThisHostIsNotSupported) {
  const std::string b = AddHost("hostB");
  const uint64_t lun = NewLun("hostB");
  os::VolumeInfo v = Volume(lun, 4, "hostB", b);
  Status s = provider_->AreLunsSupported(v, 0);
  SP_RPC_EXPECT_CODE(s, kVolumeNotSupportedByProvider);
  EXPECT_NE(s.message().find("array provider: /dev/loop4"), std::string::npos)
      << s.message();
}

TEST_F(ArrayProviderTest, BackingFileOfTheSameNameElsewhereIsNotTheLun) {
  const uint64_t lun = NewLun("hostA");
  Result<array::LunInfo> info = Admin()->GetLun(lun);
  SP_RPC_ASSERT_OK(info);
  os::VolumeInfo v;
  v.device = "/dev/loop5";
  v.loop_backing_file = dir_ + "/elsewhere/" + info->name + ".img";
  SP_RPC_EXPECT_CODE(provider_->AreLunsSupported(v, 0),
                     kVolumeNotSupportedByProvider);
  // The check's own attachment is undone.
  Result<array::LunInfo> after = Admin()->GetLun(lun);
  SP_RPC_ASSERT_OK(after);
  EXPECT_TRUE(after->attachments.empty());
}

TEST_F(ArrayProviderTest, NonLoopVolumeIsNotSupported) {
  os::VolumeInfo v;
  v.device = "/dev/sda1";
  v.mount_point = "/srv/disk";
  Status s = provider_->AreLunsSupported(v, 0);
  SP_RPC_EXPECT_CODE(s, kVolumeNotSupportedByProvider);
  EXPECT_NE(s.message().find("not a loop device"), std::string::npos);
}

TEST_F(ArrayProviderTest, DifferentialAndPlexAreRefused) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 3);
  Status diff = provider_->AreLunsSupported(v, attr::kDifferential);
  SP_RPC_EXPECT_CODE(diff, kVolumeNotSupportedByProvider);
  EXPECT_NE(diff.message().find("DIFFERENTIAL"), std::string::npos);
  Status plex = provider_->AreLunsSupported(v, attr::kPlex);
  SP_RPC_EXPECT_CODE(plex, kVolumeNotSupportedByProvider);
  EXPECT_NE(plex.message().find("PLEX"), std::string::npos);
  SP_RPC_EXPECT_CODE(
      provider_->BeginPrepareSnapshot(NewGuid(), NewGuid(), v, attr::kPlex, {}),
      kVolumeNotSupportedByProvider);
}

TEST_F(ArrayProviderTest, TwoVolumesMakeOneArraySetWithBcdMappings) {
  const uint64_t lun1 = NewLun("hostA");
  const uint64_t lun2 = NewLun("hostA");
  os::VolumeInfo v1 = Volume(lun1, 1);
  os::VolumeInfo v2 = Volume(lun2, 2);
  const Guid set = NewGuid();
  const Guid s1 = NewGuid();
  const Guid s2 = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{s1, v1}, {s2, v2}}, 0));

  std::vector<array::LunInfo> snaps = ArraySnapshots(set);
  ASSERT_EQ(snaps.size(), 2u);
  EXPECT_EQ(ArraySnapshots().size(), 2u);  // one set, nothing else
  const std::string array_id = ArrayId();
  ASSERT_FALSE(array_id.empty());

  for (const auto& [snapshot, origin] :
       {std::pair{s1, lun1}, std::pair{s2, lun2}}) {
    Result<std::vector<SnapshotLun>> target =
        provider_->GetTargetLuns(set, snapshot);
    SP_RPC_ASSERT_OK(target);
    ASSERT_EQ(target->size(), 1u);
    const SnapshotLun& t = (*target)[0];
    auto snap = std::find_if(snaps.begin(), snaps.end(), [&](const auto& l) {
      return l.origin_lun_id == origin;
    });
    ASSERT_NE(snap, snaps.end());
    EXPECT_EQ(t.provider_lun_id, std::to_string(snap->id));
    Result<array::LunInfo> orig = Admin()->GetLun(origin);
    SP_RPC_ASSERT_OK(orig);
    EXPECT_EQ(t.mapping.source.array_id, array_id);
    EXPECT_EQ(t.mapping.source.unique_id, orig->naa);
    EXPECT_EQ(t.mapping.source.lun_id, orig->name);
    EXPECT_EQ(t.mapping.source.size_bytes, orig->size_bytes);
    EXPECT_EQ(t.mapping.destination.array_id, array_id);
    EXPECT_EQ(t.mapping.destination.unique_id, snap->naa);
    EXPECT_EQ(t.mapping.destination.serial_number, snap->serial);
    EXPECT_NE(t.mapping.destination.unique_id, t.mapping.source.unique_id);
  }
  // Every snapshot answered: the provider forgot the set.
  SP_RPC_EXPECT_CODE(provider_->GetTargetLuns(set, s1), kObjectNotFound);
}

TEST_F(ArrayProviderTest, SnapshotLunIsNotAnOrigin) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid set = NewGuid();
  const Guid snapshot = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{snapshot, v}}, 0));
  Result<std::vector<SnapshotLun>> target =
      provider_->GetTargetLuns(set, snapshot);
  SP_RPC_ASSERT_OK(target);
  // A non-transportable set is presented to its creator: attach it.
  os::VolumeInfo snap_volume =
      Volume(std::stoull((*target)[0].provider_lun_id), 9);
  Status s = provider_->AreLunsSupported(snap_volume, 0);
  SP_RPC_EXPECT_CODE(s, kVolumeNotSupportedByProvider);
  EXPECT_NE(s.message().find("snapshot"), std::string::npos) << s.message();
}

TEST_F(ArrayProviderTest, CallsOutOfOrderAreBadState) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid set = NewGuid();
  SP_RPC_EXPECT_CODE(provider_->EndPrepareSnapshots(set), kObjectNotFound);
  SP_RPC_ASSERT_OK(provider_->BeginPrepareSnapshot(set, NewGuid(), v, 0, {}));
  SP_RPC_EXPECT_CODE(provider_->CommitSnapshots(set), kBadState);
  SP_RPC_EXPECT_CODE(provider_->GetTargetLuns(set, NewGuid()), kBadState);
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ArrayProviderTest, TransportableSetIsLocatedByItsImporterOnly) {
  const std::string b = AddHost("hostB");
  const std::string c = AddHost("hostC");
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);

  // Transportable needs importers.
  const Guid lonely = NewGuid();
  SP_RPC_ASSERT_OK(provider_->BeginPrepareSnapshot(lonely, NewGuid(), v,
                                                   attr::kTransportable, {}));
  SP_RPC_EXPECT_CODE(provider_->EndPrepareSnapshots(lonely), kInvalidArg);
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(lonely));

  const Guid set = NewGuid();
  const Guid snapshot = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{snapshot, v}},
                          attr::kTransportable, {"hostB"}));
  Result<std::vector<SnapshotLun>> target =
      provider_->GetTargetLuns(set, snapshot);
  SP_RPC_ASSERT_OK(target);
  ASSERT_EQ(target->size(), 1u);
  const SnapshotLun& made = (*target)[0];

  std::unique_ptr<ArrayProvider> other = MakeProvider("hostC", c);
  SP_RPC_EXPECT_CODE(other->LocateLuns({made.mapping.destination}),
                     kAccessDenied);
  std::unique_ptr<ArrayProvider> importer = MakeProvider("hostB", b);
  Result<std::vector<SnapshotLun>> located =
      importer->LocateLuns({made.mapping.destination});
  SP_RPC_ASSERT_OK(located);
  ASSERT_EQ(located->size(), 1u);
  EXPECT_EQ((*located)[0].provider_lun_id, made.provider_lun_id);
  EXPECT_EQ((*located)[0].mapping.destination, made.mapping.destination);
  EXPECT_EQ((*located)[0].mapping.source.unique_id,
            made.mapping.source.unique_id);
  EXPECT_EQ((*located)[0].mapping.source.array_id, ArrayId());
  Result<array::LunInfo> seen =
      AsHost("hostB", b)->GetLun(std::stoull(made.provider_lun_id));
  SP_RPC_ASSERT_OK(seen);
  EXPECT_EQ(seen->presented_to, std::vector<std::string>{"hostB"});
}

TEST_F(ArrayProviderTest, AbortAfterCommitLeavesNothingAtTheArray) {
  os::VolumeInfo v1 = Volume(NewLun("hostA"), 1);
  os::VolumeInfo v2 = Volume(NewLun("hostA"), 2);
  const Guid set = NewGuid();
  SP_RPC_ASSERT_OK(
      Create(provider_.get(), set, {{NewGuid(), v1}, {NewGuid(), v2}}, 0));
  ASSERT_EQ(ArraySnapshots().size(), 2u);
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
  EXPECT_TRUE(ArraySnapshots().empty());
  // Again, and for a set never seen: nothing there is fine.
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(NewGuid()));
  SP_RPC_EXPECT_CODE(provider_->GetTargetLuns(set, NewGuid()), kObjectNotFound);
}

TEST_F(ArrayProviderTest, AbortBeforeCommitNeedsNoArray) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid prepared = NewGuid();
  SP_RPC_ASSERT_OK(
      provider_->BeginPrepareSnapshot(prepared, NewGuid(), v, 0, {}));
  const Guid refused = NewGuid();
  SP_RPC_EXPECT_CODE(provider_->BeginPrepareSnapshot(refused, NewGuid(), v,
                                                     attr::kDifferential, {}),
                     kVolumeNotSupportedByProvider);
  StopServer();
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(prepared));
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(refused));
  // A set it does not know may have been committed: only the array can say.
  SP_RPC_EXPECT_CODE(provider_->AbortSnapshots(NewGuid()), kUnavailable);
}

TEST_F(ArrayProviderTest, OnlyTheClonesHappenInsideCommitSnapshots) {
  os::VolumeInfo v1 = Volume(NewLun("hostA"), 1);
  os::VolumeInfo v2 = Volume(NewLun("hostA"), 2);
  const Guid set = NewGuid();
  const Guid s1 = NewGuid();
  SP_RPC_ASSERT_OK(PreCommit(set, {{s1, v1}, {NewGuid(), v2}}));
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 0);

  SP_RPC_ASSERT_OK(provider_->CommitSnapshots(set));  // the freeze window
  EXPECT_EQ(fs_.CountCalls(Op::kClone), 2);
  EXPECT_EQ(fs_.Unsynced().size(), 2u);
  EXPECT_EQ(fs_.CountCalls(Op::kSyncFiles), 0);
  EXPECT_TRUE(ArraySnapshots().empty());  // not a set before PostCommit
  SP_RPC_EXPECT_CODE(provider_->GetTargetLuns(set, s1), kBadState);
  SP_RPC_EXPECT_CODE(provider_->CommitSnapshots(set), kBadState);

  SP_RPC_ASSERT_OK(provider_->PostCommitSnapshots(set));
  EXPECT_EQ(fs_.CountCalls(Op::kSyncFiles), 1);
  EXPECT_TRUE(fs_.Unsynced().empty());
  EXPECT_EQ(ArraySnapshots(set).size(), 2u);
  SP_RPC_ASSERT_OK(provider_->GetTargetLuns(set, s1));
}

TEST_F(ArrayProviderTest, AbortBeforePostCommitLeavesNothingAtTheArray) {
  os::VolumeInfo v1 = Volume(NewLun("hostA"), 1);
  os::VolumeInfo v2 = Volume(NewLun("hostA"), 2);
  const std::set<std::string> before = PoolFiles();
  for (bool cloned : {false, true}) {
    SCOPED_TRACE(cloned ? "after CommitSnapshots" : "after PreCommitSnapshots");
    const Guid set = NewGuid();
    SP_RPC_ASSERT_OK(PreCommit(set, {{NewGuid(), v1}, {NewGuid(), v2}}));
    if (cloned) {
      SP_RPC_ASSERT_OK(provider_->CommitSnapshots(set));
    }
    SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
    EXPECT_EQ(PoolFiles(), before);
    EXPECT_TRUE(fs_.Unsynced().empty());
    EXPECT_TRUE(ArraySnapshots().empty());
    SP_RPC_EXPECT_CODE(provider_->PostCommitSnapshots(set), kObjectNotFound);
  }
}

TEST_F(ArrayProviderTest, RestartedProviderUndoesASetCutOffBeforePostCommit) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const std::set<std::string> before = PoolFiles();
  const Guid set = NewGuid();
  SP_RPC_ASSERT_OK(PreCommit(set, {{NewGuid(), v}}));
  SP_RPC_ASSERT_OK(provider_->CommitSnapshots(set));
  // shadowportd restarted: it aborts the set it had recorded as creating.
  std::unique_ptr<ArrayProvider> restarted = MakeProvider("hostA", cred_a_);
  SP_RPC_ASSERT_OK(restarted->DeleteSnapshotSetLuns(set));
  EXPECT_EQ(PoolFiles(), before);
  // Another host cannot finish it either: it is not there for anybody.
  const std::string b = AddHost("hostB");
  SP_RPC_EXPECT_CODE(AsHost("hostB", b)->FinishSnapshotSet(set),
                     kObjectNotFound);
  SP_RPC_EXPECT_CODE(provider_->PostCommitSnapshots(set), kObjectNotFound);
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ArrayProviderTest, PostCommitAfterTheArrayRestartedFailsCleanly) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const std::set<std::string> before = PoolFiles();
  const Guid set = NewGuid();
  SP_RPC_ASSERT_OK(PreCommit(set, {{NewGuid(), v}}));
  SP_RPC_ASSERT_OK(provider_->CommitSnapshots(set));
  RestartArray();
  if (HasFatalFailure()) return;
  EXPECT_EQ(PoolFiles(), before);  // the unsynced clone was not trusted
  // The provider's channel still points at the old server's connection:
  // a read-only call until it has reconnected (the first may see
  // UNAVAILABLE, "broken pipe"), so that Finish reaches the new array.
  for (int i = 0; i < 100; ++i) {
    auto listed = provider_->ListSurfacedLuns();
    if (listed.ok() || listed.status().code() != Code::kUnavailable) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Status late = provider_->PostCommitSnapshots(set);
  SP_RPC_EXPECT_CODE(late, kObjectNotFound);
  EXPECT_NE(late.message().find("restarted"), std::string::npos)
      << late.ToString();
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ArrayProviderTest, FailedSyncInPostCommitLeavesNothing) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const std::set<std::string> before = PoolFiles();
  const Guid set = NewGuid();
  SP_RPC_ASSERT_OK(PreCommit(set, {{NewGuid(), v}}));
  SP_RPC_ASSERT_OK(provider_->CommitSnapshots(set));
  fs_.FailNth(Op::kSyncFiles, 1,
              Status(Code::kIoError, "injected fsync failure"));
  SP_RPC_EXPECT_CODE(provider_->PostCommitSnapshots(set), kIoError);
  EXPECT_EQ(PoolFiles(), before);
  EXPECT_TRUE(ArraySnapshots().empty());
  SP_RPC_ASSERT_OK(provider_->AbortSnapshots(set));
}

TEST_F(ArrayProviderTest, DeletionIsIdempotent) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid set = NewGuid();
  const Guid snapshot = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{snapshot, v}}, 0));
  Result<std::vector<SnapshotLun>> target =
      provider_->GetTargetLuns(set, snapshot);
  SP_RPC_ASSERT_OK(target);
  SP_RPC_ASSERT_OK(provider_->DeleteSnapshotLuns(*target));
  EXPECT_TRUE(ArraySnapshots().empty());
  SP_RPC_ASSERT_OK(provider_->DeleteSnapshotLuns(*target));
  SP_RPC_ASSERT_OK(provider_->DeleteSnapshotSetLuns(set));

  SnapshotLun bogus;
  bogus.provider_lun_id = "lun-7";
  SP_RPC_EXPECT_CODE(provider_->DeleteSnapshotLuns({bogus}), kInvalidArg);
}

TEST_F(ArrayProviderTest, DeleteSnapshotSetLunsByIdAlone) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid set = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{NewGuid(), v}}, 0));
  // A fresh provider (after a restart) knows nothing of the set.
  std::unique_ptr<ArrayProvider> restarted = MakeProvider("hostA", cred_a_);
  SP_RPC_ASSERT_OK(restarted->DeleteSnapshotSetLuns(set));
  EXPECT_TRUE(ArraySnapshots().empty());
  SP_RPC_ASSERT_OK(restarted->DeleteSnapshotSetLuns(set));
}

TEST_F(ArrayProviderTest, BreakGivesANewIdentity) {
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  const Guid set = NewGuid();
  const Guid snapshot = NewGuid();
  SP_RPC_ASSERT_OK(Create(provider_.get(), set, {{snapshot, v}}, 0));
  Result<std::vector<SnapshotLun>> target =
      provider_->GetTargetLuns(set, snapshot);
  SP_RPC_ASSERT_OK(target);
  Result<SnapshotLun> broken = provider_->BreakSnapshotLun((*target)[0]);
  SP_RPC_ASSERT_OK(broken);
  EXPECT_NE(broken->provider_lun_id, (*target)[0].provider_lun_id);
  EXPECT_NE(broken->mapping.destination.unique_id,
            (*target)[0].mapping.destination.unique_id);
  EXPECT_EQ(broken->mapping.source, (*target)[0].mapping.source);
  EXPECT_TRUE(ArraySnapshots().empty());
}

// ---- Import ----------------------------------------------------------------

// A transportable set of one LUN of hostA, importable by `importers`; its
// snapshot LUN as GetTargetLuns describes it.
class ArrayProviderImportTest : public ArrayProviderTest {
 protected:
  SnapshotLun Transportable(const std::vector<std::string>& importers,
                            uint64_t origin = 0) {
    os::VolumeInfo v = Volume(origin == 0 ? NewLun("hostA") : origin, 1);
    const Guid set = NewGuid();
    const Guid snapshot = NewGuid();
    Status made = Create(provider_.get(), set, {{snapshot, v}},
                         attr::kTransportable, importers);
    EXPECT_TRUE(made.ok()) << made.ToString();
    Result<std::vector<SnapshotLun>> target =
        provider_->GetTargetLuns(set, snapshot);
    EXPECT_TRUE(target.ok() && target->size() == 1u)
        << target.status().ToString();
    return target.ok() && !target->empty() ? (*target)[0] : SnapshotLun{};
  }

  static uint64_t Id(const SnapshotLun& lun) {
    return std::stoull(lun.provider_lun_id);
  }

  std::vector<std::string> PresentedTo(const SnapshotLun& lun) {
    Result<array::LunInfo> info = Admin()->GetLun(Id(lun));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->presented_to : std::vector<std::string>{};
  }

  std::vector<array::Attachment> Attachments(uint64_t id) {
    Result<array::LunInfo> info = Admin()->GetLun(id);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->attachments : std::vector<array::Attachment>{};
  }
};

TEST_F(ArrayProviderImportTest, AreLunsSupportedReportsReadWriteMounts) {
  const uint64_t lun = NewLun("hostA");
  os::VolumeInfo v = Volume(lun, 3);
  v.read_only = false;
  SP_RPC_ASSERT_OK(provider_->AreLunsSupported(v, 0));
  Result<array::LunInfo> info = Admin()->GetLun(lun);
  SP_RPC_ASSERT_OK(info);
  EXPECT_EQ(info->mounted_read_write_by, std::vector<std::string>{"hostA"});
  // Remounted read-only: reported as not read-write.
  v.read_only = true;
  SP_RPC_ASSERT_OK(provider_->AreLunsSupported(v, attr::kTransportable));
  info = Admin()->GetLun(lun);
  SP_RPC_ASSERT_OK(info);
  EXPECT_TRUE(info->mounted_read_write_by.empty());
}

TEST_F(ArrayProviderImportTest, ClusterRuleThroughTheProvider) {
  const std::string p = AddHost("prodP", "prod");
  const std::string q = AddHost("prodQ", "prod");
  const std::string r = AddHost("backR", "back");
  std::unique_ptr<ArrayProvider> prod = MakeProvider("prodP", p);
  const uint64_t lun = NewLun("prodP");
  os::VolumeInfo v = Volume(lun, 2, "prodP", p);
  v.read_only = false;
  SP_RPC_ASSERT_OK(prod->AreLunsSupported(v, attr::kTransportable));
  const Guid set = NewGuid();
  const Guid snapshot = NewGuid();
  SP_RPC_ASSERT_OK(prod->BeginPrepareSnapshot(
      set, snapshot, v, attr::kTransportable, {"prodQ", "backR"}));
  SP_RPC_ASSERT_OK(prod->EndPrepareSnapshots(set));
  SP_RPC_ASSERT_OK(prod->PreCommitSnapshots(set));
  SP_RPC_ASSERT_OK(prod->CommitSnapshots(set));
  SP_RPC_ASSERT_OK(prod->PostCommitSnapshots(set));
  Result<std::vector<SnapshotLun>> target = prod->GetTargetLuns(set, snapshot);
  SP_RPC_ASSERT_OK(target);
  const LunInformation& dest = (*target)[0].mapping.destination;

  // prodQ shares prodP's cluster, where the original is mounted read-write.
  std::unique_ptr<ArrayProvider> same_cluster = MakeProvider("prodQ", q);
  Result<std::vector<SnapshotLun>> collided = same_cluster->LocateLuns({dest});
  SP_RPC_EXPECT_CODE(collided, kImportCollision);
  EXPECT_NE(StatusText(collided).find("array provider: "), std::string::npos);
  EXPECT_TRUE(PresentedTo((*target)[0]).empty());
  SP_RPC_ASSERT_OK(MakeProvider("backR", r)->LocateLuns({dest}));
  // Once prodP reports the original read-only, prodQ may import.
  v.read_only = true;
  SP_RPC_ASSERT_OK(prod->AreLunsSupported(v, 0));
  SP_RPC_ASSERT_OK(same_cluster->LocateLuns({dest}));
}

TEST_F(ArrayProviderImportTest, LocateRefusedWhileAnotherHostHasTheSet) {
  const std::string b = AddHost("hostB");
  const std::string c = AddHost("hostC");
  const SnapshotLun made = Transportable({"hostB", "hostC"});
  std::unique_ptr<ArrayProvider> importer_b = MakeProvider("hostB", b);
  std::unique_ptr<ArrayProvider> importer_c = MakeProvider("hostC", c);
  SP_RPC_ASSERT_OK(importer_b->LocateLuns({made.mapping.destination}));
  // hostB has it attached (as SurfaceLun would, minus the loop device).
  SP_RPC_ASSERT_OK(AsHost("hostB", b)->Attach(Id(made)));
  Result<std::vector<SnapshotLun>> refused =
      importer_c->LocateLuns({made.mapping.destination});
  SP_RPC_EXPECT_CODE(refused, kVolumeInUse);
  EXPECT_NE(StatusText(refused).find("hostB"), std::string::npos)
      << StatusText(refused);
  EXPECT_EQ(PresentedTo(made), std::vector<std::string>{"hostB"});
  // Released by hostB: hostC may import.
  SP_RPC_ASSERT_OK(importer_b->UnsurfaceLun(made));
  SP_RPC_ASSERT_OK(importer_b->ReleaseLuns({made}));
  SP_RPC_ASSERT_OK(importer_c->LocateLuns({made.mapping.destination}));
  EXPECT_EQ(PresentedTo(made), std::vector<std::string>{"hostC"});
}

TEST_F(ArrayProviderImportTest, ReleaseLunsMasksAgainAndIsIdempotent) {
  const std::string b = AddHost("hostB");
  const SnapshotLun made = Transportable({"hostB"});
  std::unique_ptr<ArrayProvider> importer = MakeProvider("hostB", b);
  Result<std::vector<SnapshotLun>> located =
      importer->LocateLuns({made.mapping.destination});
  SP_RPC_ASSERT_OK(located);
  EXPECT_EQ(PresentedTo(made), std::vector<std::string>{"hostB"});

  // Attached: refused (unsurface first), nothing changes.
  SP_RPC_ASSERT_OK(AsHost("hostB", b)->Attach(Id(made)));
  SP_RPC_EXPECT_CODE(importer->ReleaseLuns(*located), kVolumeInUse);
  EXPECT_EQ(PresentedTo(made), std::vector<std::string>{"hostB"});
  SP_RPC_ASSERT_OK(AsHost("hostB", b)->Detach(Id(made)));

  SP_RPC_ASSERT_OK(importer->ReleaseLuns(*located));
  EXPECT_TRUE(PresentedTo(made).empty());
  SP_RPC_EXPECT_CODE(AsHost("hostB", b)->Attach(Id(made)), kAccessDenied);
  SP_RPC_ASSERT_OK(importer->ReleaseLuns(*located));  // again
  SP_RPC_ASSERT_OK(importer->ReleaseLuns({}));
  // Gone altogether.
  SP_RPC_ASSERT_OK(provider_->DeleteSnapshotLuns({made}));
  SP_RPC_ASSERT_OK(importer->ReleaseLuns(*located));

  SnapshotLun bogus;
  bogus.provider_lun_id = "x";
  SP_RPC_EXPECT_CODE(importer->ReleaseLuns({bogus}), kInvalidArg);
}

TEST_F(ArrayProviderImportTest, ListSurfacedLunsFromTheArraysRecords) {
  const std::string b = AddHost("hostB");
  const SnapshotLun one = Transportable({"hostB"});
  const SnapshotLun two = Transportable({"hostB"});
  const SnapshotLun three = Transportable({"hostB"});
  std::unique_ptr<ArrayProvider> importer = MakeProvider("hostB", b);
  SP_RPC_ASSERT_OK(
      importer->LocateLuns({one.mapping.destination, two.mapping.destination,
                            three.mapping.destination}));
  Result<std::vector<SurfacedLun>> none = importer->ListSurfacedLuns();
  SP_RPC_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());

  // As a crash could leave them: one with its device reported, one without.
  auto client = AsHost("hostB", b);
  SP_RPC_ASSERT_OK(client->Attach(Id(one)));
  SP_RPC_ASSERT_OK(client->SetAttachmentDevice(Id(one), "/dev/sp-test-none"));
  SP_RPC_ASSERT_OK(client->Attach(Id(two)));
  Result<std::vector<SurfacedLun>> listed = importer->ListSurfacedLuns();
  SP_RPC_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  std::sort(listed->begin(), listed->end(),
            [](const auto& x, const auto& y) { return Id(x.lun) < Id(y.lun); });
  const SurfacedLun& first = (*listed)[0];
  EXPECT_EQ(first.lun.provider_lun_id, one.provider_lun_id);
  EXPECT_EQ(first.lun.mapping.destination, one.mapping.destination);
  EXPECT_EQ(first.lun.mapping.source.unique_id, one.mapping.source.unique_id);
  EXPECT_EQ(first.device, "/dev/sp-test-none");
  EXPECT_EQ(first.size_bytes, one.mapping.destination.size_bytes);
  EXPECT_TRUE(first.read_only);
  Result<array::LunInfo> info = Admin()->GetLun(Id(one));
  SP_RPC_ASSERT_OK(info);
  EXPECT_EQ(first.snapshot_set_id, info->snapshot_set_id);
  EXPECT_EQ((*listed)[1].lun.provider_lun_id, two.provider_lun_id);
  EXPECT_EQ((*listed)[1].device, "");  // no loop device backs the file

  // The creating host has surfaced nothing.
  Result<std::vector<SurfacedLun>> creator = provider_->ListSurfacedLuns();
  SP_RPC_ASSERT_OK(creator);
  EXPECT_TRUE(creator->empty());

  // UnsurfaceLun clears what no loop device backs; OK when not surfaced.
  SP_RPC_ASSERT_OK(importer->UnsurfaceLun(one));
  SP_RPC_ASSERT_OK(importer->UnsurfaceLun(two));
  SP_RPC_ASSERT_OK(importer->UnsurfaceLun(three));
  EXPECT_TRUE(Attachments(Id(one)).empty());
  EXPECT_TRUE(Attachments(Id(two)).empty());
  EXPECT_TRUE(Attachments(Id(three)).empty());
  listed = importer->ListSurfacedLuns();
  SP_RPC_ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  // Not presented to this host at all: nothing surfaced.
  SP_RPC_ASSERT_OK(importer->ReleaseLuns({one}));
  SP_RPC_ASSERT_OK(importer->UnsurfaceLun(one));
}

TEST_F(ArrayProviderImportTest, FailedSurfaceLeavesNoAttachment) {
  const std::string b = AddHost("hostB");
  const SnapshotLun made = Transportable({"hostB"});
  std::unique_ptr<ArrayProvider> importer = MakeProvider("hostB", b);
  SP_RPC_ASSERT_OK(importer->LocateLuns({made.mapping.destination}));
  // The array records the attachment and names the LUN's file, but the
  // loop device cannot be set up on it (a missing file as root; without
  // root, no loop device at all): the provider must take the attachment
  // back.
  ASSERT_TRUE(std::filesystem::remove(dir_ + "/pool/luns/" +
                                      array::LunFileName(Id(made))));
  Result<SurfacedLun> surfaced = importer->SurfaceLun(made, true);
  EXPECT_FALSE(surfaced.ok());
  EXPECT_NE(StatusText(surfaced).find("array provider: "), std::string::npos);
  EXPECT_TRUE(Attachments(Id(made)).empty());
}

TEST_F(ArrayProviderImportTest, SurfaceNeedsALocatedLun) {
  const std::string c = AddHost("hostC");
  const SnapshotLun made = Transportable({"hostC"});
  std::unique_ptr<ArrayProvider> importer = MakeProvider("hostC", c);
  // Not located yet: the array refuses the attachment.
  SP_RPC_EXPECT_CODE(importer->SurfaceLun(made, true), kAccessDenied);
  SnapshotLun bogus;
  bogus.provider_lun_id = "0";
  SP_RPC_EXPECT_CODE(importer->SurfaceLun(bogus, true), kInvalidArg);
  SP_RPC_EXPECT_CODE(importer->UnsurfaceLun(bogus), kInvalidArg);
  EXPECT_TRUE(Attachments(Id(made)).empty());
}

// ---- The registry ----------------------------------------------------------

// Supports devices starting with `prefix`; refuses `refused` attributes with
// `refusal`; fails every check with `failure` unless kOk. Tag 0: null id.
class TestProvider final : public providers::Provider {
 public:
  TestProvider(uint8_t tag, std::string name, std::string prefix,
               uint32_t refused = 0, Code refusal = Code::kOk,
               Code failure = Code::kOk)
      : id_(tag == 0 ? Guid() : Guid(std::array<uint8_t, 16>{tag, 1})),
        name_(std::move(name)),
        prefix_(std::move(prefix)),
        refused_(refused),
        refusal_(refusal),
        failure_(failure) {}

  Guid id() const override { return id_; }
  std::string_view name() const override { return name_; }
  uint32_t capabilities() const override { return capability::kCompliant; }

  Status AreLunsSupported(const os::VolumeInfo& volume,
                          uint32_t attributes) override {
    if (failure_ != Code::kOk) return Status(failure_, name_ + ": down");
    if (!volume.device.starts_with(prefix_)) {
      return Status(Code::kVolumeNotSupportedByProvider, name_ + ": not mine");
    }
    if ((attributes & refused_) != 0) {
      return Status(refusal_, name_ + ": refuses " +
                                  AttributesToString(attributes & refused_));
    }
    return Status::Ok();
  }

  Status BeginPrepareSnapshot(const Guid&, const Guid&, const os::VolumeInfo&,
                              uint32_t,
                              const std::vector<std::string>&) override {
    return Unused();
  }
  Status EndPrepareSnapshots(const Guid&) override { return Unused(); }
  Status PreCommitSnapshots(const Guid&) override { return Unused(); }
  Status CommitSnapshots(const Guid&) override { return Unused(); }
  Status PostCommitSnapshots(const Guid&) override { return Unused(); }
  Result<std::vector<SnapshotLun>> GetTargetLuns(const Guid&,
                                                 const Guid&) override {
    return Unused();
  }
  Status AbortSnapshots(const Guid&) override { return Unused(); }
  Status DeleteSnapshotLuns(const std::vector<SnapshotLun>&) override {
    return Unused();
  }
  Status DeleteSnapshotSetLuns(const Guid&) override { return Unused(); }
  Result<std::vector<SnapshotLun>> LocateLuns(
      const std::vector<LunInformation>&) override {
    return Unused();
  }
  Result<SurfacedLun> SurfaceLun(const SnapshotLun&, bool) override {
    return Unused();
  }
  Status UnsurfaceLun(const SnapshotLun&) override { return Unused(); }
  Status ReleaseLuns(const std::vector<SnapshotLun>&) override {
    return Unused();
  }
  Result<std::vector<SurfacedLun>> ListSurfacedLuns() override {
    return Unused();
  }
  Result<SnapshotLun> BreakSnapshotLun(const SnapshotLun&) override {
    return Unused();
  }
  Result<bool> AnySnapshotLunExists(const std::vector<SnapshotLun>&) override {
    return Unused();
  }

 private:
  static Status Unused() { return Status(Code::kNotImplemented, "test"); }

  const Guid id_;
  const std::string name_;
  const std::string prefix_;
  const uint32_t refused_;
  const Code refusal_;
  const Code failure_;
};

os::VolumeInfo Device(const std::string& device) {
  os::VolumeInfo v;
  v.device = device;
  v.mount_point = "/srv/x";
  return v;
}

Guid TagId(uint8_t tag) { return Guid(std::array<uint8_t, 16>{tag, 1}); }

TEST(ProviderRegistryTest, AddFindAndOrder) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(1, "one", "/dev/a")));
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(2, "two", "/dev/b")));
  SP_RPC_EXPECT_CODE(
      registry.Add(std::make_unique<TestProvider>(1, "uno", "/dev/c")),
      kObjectAlreadyExists);
  SP_RPC_EXPECT_CODE(
      registry.Add(std::make_unique<TestProvider>(3, "two", "/dev/c")),
      kObjectAlreadyExists);
  SP_RPC_EXPECT_CODE(registry.Add(nullptr), kInvalidArg);
  SP_RPC_EXPECT_CODE(
      registry.Add(std::make_unique<TestProvider>(0, "null", "/dev/c")),
      kInvalidArg);

  ASSERT_EQ(registry.All().size(), 2u);
  EXPECT_EQ(registry.All()[0]->name(), "one");
  EXPECT_EQ(registry.All()[1]->name(), "two");
  ASSERT_NE(registry.Find(TagId(2)), nullptr);
  EXPECT_EQ(registry.Find(TagId(2))->name(), "two");
  EXPECT_EQ(registry.Find(TagId(9)), nullptr);
  ASSERT_NE(registry.FindByName("one"), nullptr);
  EXPECT_EQ(registry.FindByName("one")->id(), TagId(1));
  EXPECT_EQ(registry.FindByName("three"), nullptr);
}

TEST(ProviderRegistryTest, AutomaticChoiceIsTheFirstThatSupports) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(1, "one", "/dev/a")));
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(2, "two", "/dev/")));
  Result<Provider*> a = registry.SelectFor(Device("/dev/a1"), 0, std::nullopt);
  SP_RPC_ASSERT_OK(a);
  EXPECT_EQ((*a)->name(), "one");
  Result<Provider*> b = registry.SelectFor(Device("/dev/b1"), 0, std::nullopt);
  SP_RPC_ASSERT_OK(b);
  EXPECT_EQ((*b)->name(), "two");

  Result<Provider*> none =
      registry.SelectFor(Device("/mnt/nfs"), 0, std::nullopt);
  SP_RPC_EXPECT_CODE(none, kVolumeNotSupported);
  EXPECT_NE(StatusText(none).find("one: not mine"), std::string::npos);
  EXPECT_NE(StatusText(none).find("two: not mine"), std::string::npos);

  ProviderRegistry empty;
  SP_RPC_EXPECT_CODE(empty.SelectFor(Device("/dev/a1"), 0, std::nullopt),
                     kVolumeNotSupported);
}

TEST(ProviderRegistryTest, ARecognisingProviderExplainsItsRefusal) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(1, "other", "/dev/z")));
  SP_RPC_ASSERT_OK(registry.Add(
      std::make_unique<TestProvider>(2, "nodiff", "/dev/a", attr::kDifferential,
                                     Code::kVolumeNotSupportedByProvider)));
  SP_RPC_ASSERT_OK(registry.Add(std::make_unique<TestProvider>(
      3, "ctx", "/dev/b", attr::kPlex, Code::kUnsupportedContext)));

  Result<Provider*> diff =
      registry.SelectFor(Device("/dev/a1"), attr::kDifferential, std::nullopt);
  SP_RPC_EXPECT_CODE(diff, kVolumeNotSupportedByProvider);
  EXPECT_NE(StatusText(diff).find("nodiff: refuses DIFFERENTIAL"),
            std::string::npos)
      << StatusText(diff);
  Result<Provider*> plex =
      registry.SelectFor(Device("/dev/b1"), attr::kPlex, std::nullopt);
  SP_RPC_EXPECT_CODE(plex, kUnsupportedContext);
  // Nobody knows the volume: the attribute does not matter.
  SP_RPC_EXPECT_CODE(
      registry.SelectFor(Device("/dev/q"), attr::kDifferential, std::nullopt),
      kVolumeNotSupported);
  // A later provider that supports it wins over an earlier refusal.
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(4, "any", "/dev/")));
  Result<Provider*> any =
      registry.SelectFor(Device("/dev/a1"), attr::kDifferential, std::nullopt);
  SP_RPC_ASSERT_OK(any);
  EXPECT_EQ((*any)->name(), "any");
}

TEST(ProviderRegistryTest, BackendFailureIsReportedWhenNobodySupports) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(registry.Add(std::make_unique<TestProvider>(
      1, "down", "/dev/", 0, Code::kOk, Code::kUnavailable)));
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(2, "two", "/dev/b")));
  SP_RPC_EXPECT_CODE(registry.SelectFor(Device("/dev/a1"), 0, std::nullopt),
                     kUnavailable);
  Result<Provider*> b = registry.SelectFor(Device("/dev/b1"), 0, std::nullopt);
  SP_RPC_ASSERT_OK(b);
  EXPECT_EQ((*b)->name(), "two");
}

TEST(ProviderRegistryTest, RequestedProvider) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(
      registry.Add(std::make_unique<TestProvider>(1, "one", "/dev/")));
  SP_RPC_ASSERT_OK(registry.Add(std::make_unique<TestProvider>(
      2, "two", "/dev/", attr::kPlex, Code::kVolumeNotSupportedByProvider)));
  Result<Provider*> two =
      registry.SelectFor(Device("/dev/a1"), 0, std::optional<Guid>(TagId(2)));
  SP_RPC_ASSERT_OK(two);
  EXPECT_EQ((*two)->name(), "two");
  SP_RPC_EXPECT_CODE(registry.SelectFor(Device("/dev/a1"), attr::kPlex,
                                        std::optional<Guid>(TagId(2))),
                     kVolumeNotSupportedByProvider);
  SP_RPC_EXPECT_CODE(
      registry.SelectFor(Device("/dev/a1"), 0, std::optional<Guid>(TagId(7))),
      kObjectNotFound);
}

TEST_F(ArrayProviderTest, RegistryChoosesTheArrayForItsLuns) {
  ProviderRegistry registry;
  SP_RPC_ASSERT_OK(registry.Add(std::move(provider_)));
  os::VolumeInfo v = Volume(NewLun("hostA"), 1);
  Result<Provider*> chosen = registry.SelectFor(v, 0, std::nullopt);
  SP_RPC_ASSERT_OK(chosen);
  EXPECT_EQ((*chosen)->id(), kArrayProviderId);
  EXPECT_EQ(registry.FindByName("array"), *chosen);
  SP_RPC_EXPECT_CODE(registry.SelectFor(v, attr::kDifferential, std::nullopt),
                     kVolumeNotSupportedByProvider);
  SP_RPC_EXPECT_CODE(registry.SelectFor(Device("/dev/sda1"), 0, std::nullopt),
                     kVolumeNotSupported);
  SP_RPC_EXPECT_CODE(registry.SelectFor(Device("/dev/sda1"),
                                        attr::kDifferential, std::nullopt),
                     kVolumeNotSupported);
}

}  // namespace
}  // namespace sp::providers
