// The array behind gRPC on a Unix socket (no root): authentication of every
// call, masking through the RPC layer, exact status codes across the wire,
// deadlines, and an unreachable array.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "unit/array_rpc_fixture.h"

namespace sp::array::rpc {
namespace {

const std::string kWrongCredential(64, 'f');

TEST_F(RpcTest, SocketIsForOwnerAndGroupOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(RpcTest, AdminAndHostsAreWhoTheySay) {
  Result<Caller> admin = Admin()->WhoAmI();
  SP_RPC_ASSERT_OK(admin);
  EXPECT_TRUE(admin->admin);
  const std::string credential = AddHost("hostA", "c1");
  Result<Caller> host = AsHost("hostA", credential)->WhoAmI();
  SP_RPC_ASSERT_OK(host);
  EXPECT_FALSE(host->admin);
  EXPECT_EQ(host->host, "hostA");
}

TEST_F(RpcTest, CallWithoutCredentialIsRefusedAndLogged) {
  std::unique_ptr<ArrayClient> nobody = Anonymous();
  SP_RPC_EXPECT_CODE(nobody->ListLuns(), kUnauthenticated);
  SP_RPC_EXPECT_CODE(nobody->CreateLun(1 << 20), kUnauthenticated);
  EXPECT_TRUE(log_.HasLine(
      {"warning", "refused ListLuns", "from unix:", "no credential"}))
      << ::testing::PrintToString(log_.Lines());
  EXPECT_TRUE(log_.HasLine({"refused CreateLun"}));
  // Nothing was created.
  Result<std::vector<LunInfo>> luns = Admin()->ListLuns();
  SP_RPC_ASSERT_OK(luns);
  EXPECT_TRUE(luns->empty());
}

TEST_F(RpcTest, WrongCredentialIsRefusedAndLoggedWithoutTheCredential) {
  const std::string credential = AddHost("hostA");
  std::unique_ptr<ArrayClient> impostor = AsHost("hostA", kWrongCredential);
  SP_RPC_EXPECT_CODE(impostor->ListLuns(), kUnauthenticated);
  SP_RPC_EXPECT_CODE(impostor->WhoAmI(), kUnauthenticated);
  // Someone else's real credential does not work either.
  AddHost("hostB");
  SP_RPC_EXPECT_CODE(AsHost("hostB", credential)->ListLuns(), kUnauthenticated);
  // An unknown host.
  SP_RPC_EXPECT_CODE(AsHost("ghost", credential)->ListLuns(), kUnauthenticated);

  EXPECT_TRUE(log_.HasLine(
      {"refused ListLuns", "from unix:", "claiming \"hostA\"", "wrong"}))
      << ::testing::PrintToString(log_.Lines());
  EXPECT_TRUE(log_.HasLine({"refused ListLuns", "claiming \"ghost\""}));
  EXPECT_FALSE(log_.Mentions(kWrongCredential));
  EXPECT_FALSE(log_.Mentions(credential));
}

TEST_F(RpcTest, WrongOrMixedAdminTokenIsRefused) {
  ClientOptions options = UnixOptions();
  options.admin_token = std::string(64, '0');
  SP_RPC_EXPECT_CODE(MakeClient(options)->ListHosts(), kUnauthenticated);
  EXPECT_TRUE(log_.HasLine(
      {"refused ListHosts", "claiming \"admin\"", "wrong admin token"}));
  EXPECT_FALSE(log_.Mentions(kAdminToken));

  // A host may not call admin-only methods.
  const std::string credential = AddHost("hostA");
  SP_RPC_EXPECT_CODE(AsHost("hostA", credential)->CreateLun(1 << 20),
                     kAccessDeniedLocal);
  SP_RPC_EXPECT_CODE(AsHost("hostA", credential)->AddHost("hostC", ""),
                     kAccessDeniedLocal);
}

TEST_F(RpcTest, AdminCommonNameCannotBeRegisteredAsAHost) {
  SP_RPC_EXPECT_CODE(Admin()->AddHost(kDefaultAdminCommonName, ""),
                     kInvalidArg);
}

TEST_F(RpcTest, MaskingHoldsOverRpc) {
  const std::string a = AddHost("hostA");
  const std::string b = AddHost("hostB");
  const uint64_t lun = NewLun("hostA");
  std::unique_ptr<ArrayClient> host_a = AsHost("hostA", a);
  std::unique_ptr<ArrayClient> host_b = AsHost("hostB", b);

  Result<std::vector<LunInfo>> seen_a = host_a->ListLuns();
  SP_RPC_ASSERT_OK(seen_a);
  ASSERT_EQ(seen_a->size(), 1u);
  EXPECT_EQ((*seen_a)[0].id, lun);

  Result<std::vector<LunInfo>> seen_b = host_b->ListLuns();
  SP_RPC_ASSERT_OK(seen_b);
  EXPECT_TRUE(seen_b->empty());
  SP_RPC_EXPECT_CODE(host_b->GetLun(lun), kAccessDenied);
  SP_RPC_EXPECT_CODE(host_b->Attach(lun), kAccessDenied);
  SP_RPC_EXPECT_CODE(host_b->FindLunByNaa((*seen_a)[0].naa), kAccessDenied);

  // The owner attaches, reports its device, and the admin sees it.
  Result<AttachInfo> attached = host_a->Attach(lun);
  SP_RPC_ASSERT_OK(attached);
  EXPECT_FALSE(attached->backing_file.empty());
  EXPECT_EQ(attached->lun.id, lun);
  SP_RPC_ASSERT_OK(host_a->SetAttachmentDevice(lun, "/dev/loop7"));
  Result<LunInfo> info = Admin()->GetLun(lun);
  SP_RPC_ASSERT_OK(info);
  ASSERT_EQ(info->attachments.size(), 1u);
  EXPECT_EQ(info->attachments[0].host, "hostA");
  EXPECT_EQ(info->attachments[0].device, "/dev/loop7");
  SP_RPC_ASSERT_OK(host_a->Detach(lun));
}

TEST_F(RpcTest, StatusRoundTripKeepsTheExactCodeAndMessage) {
  std::unique_ptr<ArrayClient> admin = Admin();
  // The same failure, straight from the Array and through gRPC.
  const Status direct = array_->GetLun(Caller::Admin(), 4242).status();
  const Status remote = admin->GetLun(4242).status();
  EXPECT_EQ(direct.code(), Code::kObjectNotFound);
  EXPECT_EQ(remote, direct) << remote.ToString();

  // Codes that share a gRPC status with others arrive exactly.
  const std::string credential = AddHost("hostA");
  SP_RPC_EXPECT_CODE(admin->AddHost("hostA", ""), kObjectAlreadyExists);
  const uint64_t lun = NewLun("hostA");
  SP_RPC_EXPECT_CODE(admin->DeleteLun(lun), kVolumeInUse);  // presented
  SP_RPC_EXPECT_CODE(admin->CreateLun(1000), kInvalidArg);

  // VSS_E_INSUFFICIENT_STORAGE (RESOURCE_EXHAUSTED, like E_OUTOFMEMORY).
  fs_.SetSpace(os::SpaceInfo{1ull << 40, 1 << 20});
  SnapshotSetRequest request;
  Result<Guid> set_id = Guid::Random();
  SP_RPC_ASSERT_OK(set_id);
  request.snapshot_set_id = *set_id;
  request.lun_ids = {lun};
  Result<SnapshotSetResult> set =
      AsHost("hostA", credential)->CreateSnapshotSet(request);
  SP_RPC_EXPECT_CODE(set, kInsufficientStorage);
  EXPECT_EQ(set.status().info().name, "VSS_E_INSUFFICIENT_STORAGE");
}

TEST_F(RpcTest, SnapshotSetAndLocateLunsTravel) {
  const std::string a = AddHost("hostA");
  const std::string b = AddHost("hostB");
  const uint64_t lun = NewLun("hostA");
  SnapshotSetRequest request;
  Result<Guid> set_id = Guid::Random();
  SP_RPC_ASSERT_OK(set_id);
  request.snapshot_set_id = *set_id;
  request.lun_ids = {lun};
  request.transportable = true;
  request.importers = {"hostB"};
  Result<SnapshotSetResult> set =
      AsHost("hostA", a)->CreateSnapshotSet(request);
  SP_RPC_ASSERT_OK(set);
  EXPECT_EQ(set->snapshot_set_id, *set_id);
  ASSERT_EQ(set->snapshots.size(), 1u);
  const LunInfo& snap = set->snapshots[0];
  EXPECT_TRUE(snap.is_snapshot);
  EXPECT_TRUE(snap.transportable);
  EXPECT_EQ(snap.origin_lun_id, lun);
  EXPECT_EQ(snap.snapshot_set_id, *set_id);
  EXPECT_EQ(snap.importers, std::vector<std::string>{"hostB"});
  // A host learns the array's id from every LUN (GetStatus is admin-only).
  Result<PoolStatus> status = Admin()->GetStatus();
  SP_RPC_ASSERT_OK(status);
  EXPECT_FALSE(snap.array_id.empty());
  EXPECT_EQ(snap.array_id, status->array_id);
  EXPECT_EQ(snap.ToLunInformation().array_id, status->array_id);

  Result<std::vector<LunInfo>> listed =
      Admin()->ListSnapshots(std::optional<Guid>(*set_id));
  SP_RPC_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].naa, snap.naa);

  // Only the importer can locate it.
  const std::string c = AddHost("hostC");
  SP_RPC_EXPECT_CODE(AsHost("hostC", c)->LocateLuns({snap.naa}), kAccessDenied);
  Result<std::vector<LunInfo>> located =
      AsHost("hostB", b)->LocateLuns({snap.naa});
  SP_RPC_ASSERT_OK(located);
  ASSERT_EQ(located->size(), 1u);
  EXPECT_EQ((*located)[0].presented_to, std::vector<std::string>{"hostB"});
  Result<AttachInfo> attached = AsHost("hostB", b)->Attach(snap.id);
  SP_RPC_ASSERT_OK(attached);
  EXPECT_TRUE(attached->read_only);
  SP_RPC_ASSERT_OK(AsHost("hostB", b)->Detach(snap.id));
  SP_RPC_ASSERT_OK(AsHost("hostB", b)->DeleteSnapshotSet(*set_id));
}

TEST_F(RpcTest, DeadlineExpiringGivesDeadlineExceeded) {
  delayed_->status_delay_ms = 1500;
  ClientOptions options = UnixOptions();
  options.admin_token = kAdminToken;
  options.deadline = std::chrono::milliseconds(200);
  std::unique_ptr<ArrayClient> impatient = MakeClient(options);
  const auto start = std::chrono::steady_clock::now();
  Result<PoolStatus> status = impatient->GetStatus();
  const auto waited = std::chrono::steady_clock::now() - start;
  SP_RPC_EXPECT_CODE(status, kDeadlineExceeded);
  EXPECT_LT(waited, std::chrono::milliseconds(1200));
  EXPECT_EQ(status.status().info().retry, Retry::kTransient);

  // A call within its deadline still works.
  delayed_->status_delay_ms = 0;
  SP_RPC_ASSERT_OK(impatient->GetStatus());
}

TEST_F(RpcTest, UnreachableArrayIsUnavailable) {
  ClientOptions options = UnixOptions();
  options.target = "unix:" + dir_ + "/nobody-listens.sock";
  options.admin_token = kAdminToken;
  Result<PoolStatus> status = MakeClient(options)->GetStatus();
  SP_RPC_EXPECT_CODE(status, kUnavailable);
  EXPECT_NE(status.status().message().find("GetStatus on unix:"),
            std::string::npos)
      << status.status().ToString();

  StopServer();
  SP_RPC_EXPECT_CODE(Admin()->ListLuns(), kUnavailable);
}

TEST_F(RpcTest, SecondServerOnTheSameSocketIsRefused) {
  ListenOptions listen;
  listen.unix_socket = socket_;
  Result<std::unique_ptr<RpcServer>> second =
      RpcServer::Start(listen, service_.get());
  SP_RPC_EXPECT_CODE(second, kObjectAlreadyExists);
  // The first still serves.
  SP_RPC_ASSERT_OK(Admin()->WhoAmI());
}

TEST_F(RpcTest, TcpWithoutTlsIsRefused) {
  ListenOptions listen;
  listen.tcp_address = "127.0.0.1:0";
  SP_RPC_EXPECT_CODE(RpcServer::Start(listen, service_.get()), kInvalidArg);
  ClientOptions options;
  options.target = "127.0.0.1:1";
  SP_RPC_EXPECT_CODE(ArrayClient::Create(options), kInvalidArg);
}

TEST_F(RpcTest, PoolStatusAndHostsTravel) {
  AddHost("hostA", "c1");
  NewLun();
  Result<PoolStatus> status = Admin()->GetStatus();
  SP_RPC_ASSERT_OK(status);
  EXPECT_EQ(status->pool_dir, dir_ + "/pool");
  EXPECT_EQ(status->lun_count, 1u);
  EXPECT_EQ(status->host_count, 1u);
  EXPECT_FALSE(status->array_id.empty());
  Result<std::vector<HostInfo>> hosts = Admin()->ListHosts();
  SP_RPC_ASSERT_OK(hosts);
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].name, "hostA");
  EXPECT_EQ((*hosts)[0].cluster, "c1");
  EXPECT_GT((*hosts)[0].created_us, 0);
}

TEST_F(RpcTest, ThreeStepSnapshotSetTravels) {
  const std::string a = AddHost("hostA");
  const std::string b = AddHost("hostB");
  const uint64_t lun = NewLun("hostA");
  std::unique_ptr<ArrayClient> host_a = AsHost("hostA", a);
  SnapshotSetRequest request;
  Result<Guid> set_id = Guid::Random();
  SP_RPC_ASSERT_OK(set_id);
  request.snapshot_set_id = *set_id;
  request.lun_ids = {lun};

  SP_RPC_ASSERT_OK(host_a->PrepareSnapshotSet(request));
  Result<SnapshotSetResult> early = host_a->FinishSnapshotSet(*set_id);
  SP_RPC_EXPECT_CODE(early, kBadState);
  EXPECT_EQ(early.status().info().name, "VSS_E_BAD_STATE");
  Result<int64_t> foreign = AsHost("hostB", b)->CommitSnapshotSet(*set_id);
  SP_RPC_EXPECT_CODE(foreign, kObjectNotFound);
  EXPECT_EQ(foreign.status().info().name, "VSS_E_OBJECT_NOT_FOUND");
  Result<int64_t> clone_us = host_a->CommitSnapshotSet(*set_id);
  SP_RPC_ASSERT_OK(clone_us);
  EXPECT_GE(*clone_us, 0);
  Result<SnapshotSetResult> set = host_a->FinishSnapshotSet(*set_id);
  SP_RPC_ASSERT_OK(set);
  EXPECT_EQ(set->snapshot_set_id, *set_id);
  ASSERT_EQ(set->snapshots.size(), 1u);
  EXPECT_EQ(set->snapshots[0].origin_lun_id, lun);
  EXPECT_GE(set->commit_us, set->sync_us);
  SP_RPC_EXPECT_CODE(host_a->FinishSnapshotSet(*set_id), kObjectNotFound);
  SP_RPC_EXPECT_CODE(host_a->CommitSnapshotSet(Guid()), kObjectNotFound);
}

}  // namespace
}  // namespace sp::array::rpc
