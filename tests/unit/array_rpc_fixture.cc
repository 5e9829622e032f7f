#include "unit/array_rpc_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "array/rpc/logger.h"

namespace sp::array::rpc {

void RecordingLogger::Log(LogLevel level, std::string_view message) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_.push_back(std::string(LogLevelName(level)) + " " +
                   std::string(message));
}

std::vector<std::string> RecordingLogger::Lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

bool RecordingLogger::HasLine(const std::vector<std::string>& parts) const {
  for (const std::string& line : Lines()) {
    bool all = true;
    for (const std::string& part : parts) {
      all = all && line.find(part) != std::string::npos;
    }
    if (all) return true;
  }
  return false;
}

bool RecordingLogger::Mentions(std::string_view text) const {
  for (const std::string& line : Lines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

// DelayedArray: plain forwarding.
Result<NewHost> DelayedArray::AddHost(const Caller& c, const std::string& name,
                                      const std::string& cluster) {
  return inner_->AddHost(c, name, cluster);
}
Result<std::vector<HostInfo>> DelayedArray::ListHosts(const Caller& c) {
  return inner_->ListHosts(c);
}
Status DelayedArray::RemoveHost(const Caller& c, const std::string& name) {
  return inner_->RemoveHost(c, name);
}
Result<Caller> DelayedArray::Authenticate(const std::string& host,
                                          const std::string& credential) {
  return inner_->Authenticate(host, credential);
}
Result<LunInfo> DelayedArray::CreateLun(const Caller& c, uint64_t size) {
  return inner_->CreateLun(c, size);
}
Result<std::vector<LunInfo>> DelayedArray::ListLuns(const Caller& c) {
  return inner_->ListLuns(c);
}
Result<LunInfo> DelayedArray::GetLun(const Caller& c, uint64_t id) {
  return inner_->GetLun(c, id);
}
Result<LunInfo> DelayedArray::FindLunByNaa(const Caller& c,
                                           const std::string& naa) {
  return inner_->FindLunByNaa(c, naa);
}
Status DelayedArray::ResizeLun(const Caller& c, uint64_t id, uint64_t size) {
  return inner_->ResizeLun(c, id, size);
}
Status DelayedArray::DeleteLun(const Caller& c, uint64_t id) {
  return inner_->DeleteLun(c, id);
}
Status DelayedArray::Present(const Caller& c, uint64_t id,
                             const std::string& host) {
  return inner_->Present(c, id, host);
}
Status DelayedArray::Unpresent(const Caller& c, uint64_t id,
                               const std::string& host) {
  return inner_->Unpresent(c, id, host);
}
Result<SnapshotSetResult> DelayedArray::CreateSnapshotSet(
    const Caller& c, const SnapshotSetRequest& request) {
  return inner_->CreateSnapshotSet(c, request);
}
Status DelayedArray::PrepareSnapshotSet(const Caller& c,
                                        const SnapshotSetRequest& request) {
  return inner_->PrepareSnapshotSet(c, request);
}
Result<int64_t> DelayedArray::CommitSnapshotSet(const Caller& c,
                                                const Guid& set_id) {
  return inner_->CommitSnapshotSet(c, set_id);
}
Result<SnapshotSetResult> DelayedArray::FinishSnapshotSet(const Caller& c,
                                                          const Guid& set_id) {
  return inner_->FinishSnapshotSet(c, set_id);
}
Result<std::vector<LunInfo>> DelayedArray::ListSnapshots(
    const Caller& c, std::optional<Guid> set_id) {
  return inner_->ListSnapshots(c, set_id);
}
Result<std::vector<LunInfo>> DelayedArray::LocateLuns(
    const Caller& c, const std::vector<std::string>& naa_ids) {
  return inner_->LocateLuns(c, naa_ids);
}
Status DelayedArray::DeleteSnapshot(const Caller& c, uint64_t id) {
  return inner_->DeleteSnapshot(c, id);
}
Status DelayedArray::DeleteSnapshotSet(const Caller& c, const Guid& set_id) {
  return inner_->DeleteSnapshotSet(c, set_id);
}
Result<LunInfo> DelayedArray::BreakSnapshot(const Caller& c, uint64_t id) {
  return inner_->BreakSnapshot(c, id);
}
Result<AttachInfo> DelayedArray::Attach(const Caller& c, uint64_t id) {
  return inner_->Attach(c, id);
}
Status DelayedArray::SetAttachmentDevice(const Caller& c, uint64_t id,
                                         const std::string& device) {
  return inner_->SetAttachmentDevice(c, id, device);
}
Status DelayedArray::Detach(const Caller& c, uint64_t id) {
  return inner_->Detach(c, id);
}
Status DelayedArray::ReclaimHost(const Caller& c, const std::string& host) {
  return inner_->ReclaimHost(c, host);
}
Status DelayedArray::ReportMount(const Caller& c, uint64_t id, bool rw) {
  return inner_->ReportMount(c, id, rw);
}
Result<PoolStatus> DelayedArray::GetStatus(const Caller& c) {
  std::this_thread::sleep_for(std::chrono::milliseconds(status_delay_ms));
  return inner_->GetStatus(c);
}

void RpcTest::SetUp() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "sp_rpc_test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
  socket_ = dir_ + "/arrayd.sock";
  std::filesystem::create_directory(dir_ + "/pool");
  OpenAndServe();
}

void RpcTest::OpenAndServe() {
  ArrayOptions options;
  options.pool_dir = dir_ + "/pool";
  Result<std::unique_ptr<Array>> array = Array::Open(options, &fs_);
  ASSERT_TRUE(array.ok()) << array.status().ToString();
  array_ = std::move(array).value();
  delayed_ = std::make_unique<DelayedArray>(array_.get());

  AuthPolicy policy;
  policy.admin_token = kAdminToken;
  service_ = std::make_unique<GrpcService>(delayed_.get(), policy, &log_);
  ListenOptions listen;
  listen.unix_socket = socket_;
  StartServer(listen);
}

void RpcTest::StartServer(const ListenOptions& listen) {
  Result<std::unique_ptr<RpcServer>> server =
      RpcServer::Start(listen, service_.get());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = std::move(server).value();
}

void RpcTest::RestartArray() {
  StopServer();
  service_.reset();
  delayed_.reset();
  array_.reset();
  OpenAndServe();
}

void RpcTest::StopServer() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::milliseconds(0));
  server_.reset();
}

void RpcTest::TearDown() {
  StopServer();
  service_.reset();
  delayed_.reset();
  array_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

ClientOptions RpcTest::UnixOptions() const {
  ClientOptions options;
  options.target = "unix:" + socket_;
  options.deadline = std::chrono::seconds(10);
  return options;
}

std::unique_ptr<ArrayClient> RpcTest::MakeClient(const ClientOptions& options) {
  Result<std::unique_ptr<ArrayClient>> client = ArrayClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

std::unique_ptr<ArrayClient> RpcTest::Admin() {
  ClientOptions options = UnixOptions();
  options.admin_token = kAdminToken;
  return MakeClient(options);
}

std::unique_ptr<ArrayClient> RpcTest::AsHost(const std::string& host,
                                             const std::string& credential) {
  ClientOptions options = UnixOptions();
  options.host = host;
  options.credential = credential;
  return MakeClient(options);
}

std::unique_ptr<ArrayClient> RpcTest::Anonymous() {
  return MakeClient(UnixOptions());
}

std::string RpcTest::AddHost(const std::string& name,
                             const std::string& cluster) {
  Result<NewHost> host = Admin()->AddHost(name, cluster);
  EXPECT_TRUE(host.ok()) << host.status().ToString();
  return host.ok() ? host->credential : "";
}

uint64_t RpcTest::NewLun(const std::string& host) {
  std::unique_ptr<ArrayClient> admin = Admin();
  Result<LunInfo> lun = admin->CreateLun(1 << 20);
  EXPECT_TRUE(lun.ok()) << lun.status().ToString();
  if (!lun.ok()) return 0;
  if (!host.empty()) {
    Status s = admin->Present(lun->id, host);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return lun->id;
}

}  // namespace sp::array::rpc
