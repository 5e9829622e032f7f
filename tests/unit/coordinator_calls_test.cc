// BackupSession's VSS call order and context rules, and AddToSnapshotSet's
// volume checks, on fakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "unit/coordinator_fixture.h"

namespace sp::service::coordinator_test {
namespace {

using ::testing::HasSubstr;

// A session after InitializeForBackup only.
std::unique_ptr<BackupSession> Initialized(Service* service) {
  auto session = std::make_unique<BackupSession>(service, "unit");
  EXPECT_TRUE(session->InitializeForBackup("").ok());
  return session;
}

TEST_F(CoordinatorTest, CallsOutOfOrderAreBadState) {
  const std::string vol = AddVolume(1);
  {
    auto s = std::make_unique<BackupSession>(service_.get(), "unit");
    EXPECT_EQ(s->SetContext(kBackup).code(), Code::kBadState);  // not init
    EXPECT_EQ(s->StartSnapshotSet({}).status().code(), Code::kBadState);
  }
  std::unique_ptr<BackupSession> s = Initialized(service_.get());
  EXPECT_EQ(s->InitializeForBackup("").code(), Code::kBadState);
  EXPECT_EQ(s->DoSnapshotSet().status().code(), Code::kBadState);
  EXPECT_EQ(s->AddToSnapshotSet(vol, Guid()).status().code(), Code::kBadState);
  EXPECT_EQ(s->BackupComplete("").status().code(), Code::kBadState);

  ASSERT_TRUE(s->SetContext(kAppRollback).ok());
  Status twice = s->SetContext(kAppRollback);
  EXPECT_EQ(twice.code(), Code::kBadState);
  EXPECT_THAT(twice.message(), HasSubstr("only once"));
  ASSERT_TRUE(s->GatherWriterMetadata().ok());
  EXPECT_EQ(s->GatherWriterMetadata().status().code(), Code::kBadState);
  ASSERT_TRUE(s->StartSnapshotSet({}).ok());
  EXPECT_EQ(s->SetContext(kBackup).code(), Code::kBadState);
  EXPECT_EQ(s->StartSnapshotSet({}).status().code(), Code::kBadState);
  EXPECT_EQ(s->BackupComplete("").status().code(), Code::kBadState);
  // No volume yet, and PrepareForBackup missing in a writer context.
  EXPECT_EQ(s->DoSnapshotSet().status().code(), Code::kBadState);
  ASSERT_TRUE(s->AddToSnapshotSet(vol, Guid()).ok());
  Result<std::string> unprepared = s->DoSnapshotSet();
  EXPECT_EQ(unprepared.status().code(), Code::kBadState);
  EXPECT_THAT(unprepared.status().message(), HasSubstr("PrepareForBackup"));
  EXPECT_TRUE(journal_.empty());
  ASSERT_TRUE(s->PrepareForBackup("", {}).ok());
  EXPECT_EQ(s->PrepareForBackup("", {}).status().code(), Code::kBadState);
  ASSERT_TRUE(s->DoSnapshotSet().ok());
  EXPECT_EQ(s->DoSnapshotSet().status().code(), Code::kBadState);
  EXPECT_EQ(s->AddToSnapshotSet(vol, Guid()).status().code(), Code::kBadState);
  ASSERT_TRUE(s->BackupComplete("").ok());
  EXPECT_EQ(s->BackupComplete("").status().code(), Code::kBadState);
  ASSERT_TRUE(s->End().ok());
  EXPECT_TRUE(s->End().ok());  // idempotent
  EXPECT_EQ(s->StartSnapshotSet({}).status().code(), Code::kBadState);
}

TEST_F(CoordinatorTest, WriterCallsInANoWritersContextAreBadState) {
  const std::string vol = AddVolume(1);
  std::unique_ptr<BackupSession> s = Initialized(service_.get());
  ASSERT_TRUE(s->SetContext(kNasRollback).ok());
  // No GatherWriterMetadata needed without writers.
  ASSERT_TRUE(s->StartSnapshotSet({}).ok());
  ASSERT_TRUE(s->AddToSnapshotSet(vol, Guid()).ok());
  Result<std::string> prepare = s->PrepareForBackup("", {});
  EXPECT_EQ(prepare.status().code(), Code::kBadState);
  EXPECT_THAT(prepare.status().message(), HasSubstr("without writers"));
  ASSERT_TRUE(s->DoSnapshotSet().ok());
  EXPECT_EQ(s->BackupComplete("").status().code(), Code::kBadState);
}

TEST_F(CoordinatorTest, StartSnapshotSetNeedsMetadataInAWriterContext) {
  for (uint32_t context : {kBackup, kAppRollback}) {
    std::unique_ptr<BackupSession> s = Initialized(service_.get());
    if (context != kBackup) {
      ASSERT_TRUE(s->SetContext(context).ok());
    }
    Result<Guid> set = s->StartSnapshotSet({});
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.status().code(), Code::kBadState);
    EXPECT_THAT(set.status().message(), HasSubstr("GatherWriterMetadata"));
    EXPECT_FALSE(service_->CreationInFlight().has_value());
  }
}

TEST_F(CoordinatorTest, InvalidContextsAreRefused) {
  struct Case {
    uint32_t context;
    Code code;
  };
  const Case cases[] = {
      {static_cast<uint32_t>(Context::kAll), Code::kInvalidArg},
      {kBackup | attr::kDifferential | attr::kPlex, Code::kInvalidArg},
      {static_cast<uint32_t>(Context::kClientAccessible) | attr::kTransportable,
       Code::kUnsupportedContext},
      {kBackup | attr::kPersistent, Code::kInvalidArg},  // service-only bit
  };
  for (const Case& c : cases) {
    std::unique_ptr<BackupSession> s = Initialized(service_.get());
    Status status = s->SetContext(c.context);
    EXPECT_EQ(status.code(), c.code)
        << std::hex << c.context << ": " << status.ToString();
  }
}

TEST_F(CoordinatorTest, SameVolumeTwiceIsRefused) {
  const std::string vol = AddVolume(1);
  // Another path on the same filesystem probes to the same device number.
  system_.AddVolume(vol + "/sub", Volume(1));
  std::unique_ptr<BackupSession> s = Open(kBackup);
  Start(*s, {vol});
  Result<AddedVolume> again = s->AddToSnapshotSet(vol + "/sub", Guid());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kObjectAlreadyExists);
  // The set still holds the volume once.
  ASSERT_TRUE(s->DoSnapshotSet().ok());
  EXPECT_EQ(
      std::count(journal_.begin(), journal_.end(), "BeginPrepare /dev/fake1"),
      1);
}

TEST_F(CoordinatorTest, VolumesThatCannotBeSnapshottedAreRefused) {
  const std::string ok = AddVolume(1);
  const std::string refused = AddVolume(2);
  system_.RefuseFreeze(refused);
  os::VolumeInfo foreign = Volume(3);  // the provider does not know it
  system_.AddVolume(foreign.mount_point, foreign);

  std::unique_ptr<BackupSession> s = Open(kBackup);
  Start(*s, {ok});
  EXPECT_EQ(s->AddToSnapshotSet(refused, Guid()).status().code(),
            Code::kFreezeRefused);
  Result<AddedVolume> unsupported =
      s->AddToSnapshotSet(foreign.mount_point, Guid());
  EXPECT_EQ(unsupported.status().code(), Code::kVolumeNotSupported);
  EXPECT_THAT(unsupported.status().message(), HasSubstr("/dev/fake3"));
  EXPECT_EQ(s->AddToSnapshotSet("/nowhere", Guid()).status().code(),
            Code::kObjectNotFound);
  // A provider named by id that does not exist.
  Result<AddedVolume> unknown = s->AddToSnapshotSet(
      AddVolume(4), *Guid::Parse("{00000000-0000-4000-8000-00000000dead}"));
  EXPECT_EQ(unknown.status().code(), Code::kObjectNotFound);
  // Refusals leave the set as it was: only the first volume is snapshotted.
  ASSERT_TRUE(s->DoSnapshotSet().ok());
  EXPECT_EQ(journal_.front(), "BeginPrepare /dev/fake1");
  EXPECT_EQ(std::count(journal_.begin(), journal_.end(),
                       "BeginPrepare "
                       "/dev/fake2"),
            0);
}

TEST_F(CoordinatorTest, AttributeTheProviderRefusesIsNotSupportedByProvider) {
  const std::string vol = AddVolume(1);
  provider_->RefuseAttributes(attr::kTransportable);
  std::unique_ptr<BackupSession> s = Open(kAppRollback | attr::kTransportable);
  Start(*s, {});
  Result<AddedVolume> added = s->AddToSnapshotSet(vol, Guid());
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), Code::kVolumeNotSupportedByProvider);
  EXPECT_THAT(added.status().message(), HasSubstr("TRANSPORTABLE"));
  // Named explicitly, the provider's own answer.
  EXPECT_EQ(s->AddToSnapshotSet(vol, provider_->id()).status().code(),
            Code::kVolumeNotSupportedByProvider);
  // Without TRANSPORTABLE the same volume is fine.
  std::unique_ptr<BackupSession> plain = Open(kAppRollback);
  ASSERT_TRUE(s->AbortBackup().ok());
  ASSERT_TRUE(plain->StartSnapshotSet({}).ok());
  Result<AddedVolume> named = plain->AddToSnapshotSet(vol, provider_->id());
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->provider, provider_);
}

TEST_F(CoordinatorTest, SixtyFifthVolumeIsRefused) {
  std::unique_ptr<BackupSession> s = Open(kBackup);
  std::vector<std::string> vols;
  for (int n = 1; n <= 65; ++n) vols.push_back(AddVolume(n));
  Start(*s, std::vector<std::string>(vols.begin(), vols.begin() + 64));
  Result<AddedVolume> extra = s->AddToSnapshotSet(vols[64], Guid());
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().code(), Code::kMaxVolumesReached);
  Result<std::string> xml = s->DoSnapshotSet();
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_EQ(provider_->live_luns().size(), 64u);
  EXPECT_EQ(system_.freeze_calls(), 1);
}

}  // namespace
}  // namespace sp::service::coordinator_test
