#include "integration/arrayd_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "os/pool_filesystem.h"
#include "support/require_root.h"

namespace sp::testing_support {

namespace fs = std::filesystem;
using array::rpc::ArrayClient;
using array::rpc::ClientOptions;

std::unique_ptr<os::PoolImage> ArraydTest::pool_image_;
std::string ArraydTest::suite_dir_;

std::string ArraydTest::Program(const std::string& name) {
  return std::string(SP_BUILD_DIR) + "/" + name;
}

void ArraydTest::SetUpTestSuite() {
  if (geteuid() != 0) return;  // each test skips or fails in SetUp
  char dir[] = "/var/tmp/sp-arrayd-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  suite_dir_ = dir;
  std::unique_ptr<os::PoolFilesystem> pool_fs = os::MakePoolFilesystem();
  os::PoolImageOptions options;
  options.image = suite_dir_ + "/pool.img";
  options.size_bytes = 4ull << 30;
  options.mount_dir = suite_dir_ + "/pool";
  Result<os::PoolImage> image = os::CreatePoolImage(options, *pool_fs);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  pool_image_ = std::make_unique<os::PoolImage>(*image);
}

void ArraydTest::TearDownTestSuite() {
  if (pool_image_) {
    Status destroyed = os::DestroyPoolImage(pool_image_->mount_dir);
    EXPECT_TRUE(destroyed.ok()) << destroyed.ToString();
    pool_image_.reset();
  }
  if (!suite_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(suite_dir_, ec);
    suite_dir_.clear();
  }
}

void ArraydTest::SetUp() {
  SP_REQUIRE_ROOT();
  ASSERT_TRUE(pool_image_) << "the suite's XFS pool could not be made";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  work_dir_ = suite_dir_ + "/" + info->name();
  pool_dir_ = pool_image_->mount_dir + "/" + info->name();
  fs::create_directories(work_dir_);
  fs::create_directories(pool_dir_);
  socket_ = work_dir_ + "/arrayd.sock";
  token_file_ = work_dir_ + "/admin.token";
}

void ArraydTest::TearDown() {
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
    Status s = os::Unmount(*it);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  mounts_.clear();
  for (auto& [id, device] : attached_) {
    Status s = os::DetachLoopDevice(device);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  attached_.clear();
  StopDaemon();
  std::error_code ec;
  if (!pool_dir_.empty()) fs::remove_all(pool_dir_, ec);
}

void ArraydTest::WriteConfig(const DaemonOptions& options) {
  std::ofstream config(work_dir_ + "/arrayd.toml");
  config << "pool_dir = \"" << pool_dir_ << "\"\n"
         << "free_space_floor = " << options.free_space_floor << "\n"
         << "snapshot_reserve_percent = " << options.reserve_percent << "\n"
         << "admin_token_file = \"" << token_file_ << "\"\n"
         << "log_level = \"debug\"\n"
         << "shutdown_grace_ms = 500\n"
         << "[listen]\nsocket = \"" << socket_ << "\"\n";
}

void ArraydTest::StartDaemonNoWait(const DaemonOptions& options) {
  StopDaemon();
  WriteConfig(options);
  std::vector<std::string> env;
  if (!options.crash_at.empty()) {
    env.push_back("SHADOWPORT_ARRAYD_CRASH_AT=" + options.crash_at);
  }
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{Program("src/array/daemon/shadowport-arrayd"),
                               "--config", work_dir_ + "/arrayd.toml"},
      env, work_dir_ + "/arrayd.log");
  ASSERT_GT(daemon_->pid(), 0);
  // Until the socket exists (a client that connects too early backs off for
  // seconds) or the daemon has died.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end && !daemon_->Poll() &&
         (::access(socket_.c_str(), F_OK) != 0 ||
          ::access(token_file_.c_str(), R_OK) != 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void ArraydTest::StartDaemon(const DaemonOptions& options) {
  StartDaemonNoWait(options);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    ASSERT_FALSE(daemon_->Poll()) << "arrayd exited:\n" << DaemonLog();
    if (::access(token_file_.c_str(), R_OK) == 0 &&
        ::access(socket_.c_str(), F_OK) == 0) {
      Result<array::Caller> who = Admin()->WhoAmI();
      if (who.ok()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "arrayd did not answer within 20 s:\n" << DaemonLog();
}

void ArraydTest::StopDaemon() {
  if (daemon_) daemon_->Kill(SIGTERM);
  daemon_.reset();
}

std::string ArraydTest::DaemonLog() const {
  std::ifstream in(work_dir_ + "/arrayd.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint64_t> ArraydTest::LunsPresentedTo(const std::string& host,
                                                  int count, uint64_t size) {
  std::unique_ptr<ArrayClient> admin = Admin();
  std::vector<uint64_t> ids;
  for (int i = 0; i < count; ++i) {
    Result<array::LunInfo> lun = admin->CreateLun(size);
    Status presented = lun.ok() ? admin->Present(lun->id, host) : lun.status();
    EXPECT_TRUE(presented.ok()) << presented.ToString();
    if (!presented.ok()) return {};
    ids.push_back(lun->id);
  }
  return ids;
}

std::unique_ptr<ArrayClient> ArraydTest::Admin() const {
  std::ifstream in(token_file_);
  std::string token;
  std::getline(in, token);
  ClientOptions options;
  options.target = "unix:" + socket_;
  options.admin_token = token;
  Result<std::unique_ptr<ArrayClient>> client = ArrayClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (!client.ok()) return nullptr;
  return std::move(client).value();
}

std::unique_ptr<ArrayClient> ArraydTest::AsHost(
    const std::string& name, const std::string& credential) const {
  ClientOptions options;
  options.target = "unix:" + socket_;
  options.host = name;
  options.credential = credential;
  Result<std::unique_ptr<ArrayClient>> client = ArrayClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (!client.ok()) return nullptr;
  return std::move(client).value();
}

std::unique_ptr<ArrayClient> ArraydTest::NewHost(const std::string& name,
                                                 const std::string& cluster) {
  Result<array::NewHost> host = Admin()->AddHost(name, cluster);
  EXPECT_TRUE(host.ok()) << host.status().ToString();
  return AsHost(name, host.ok() ? host->credential : "");
}

std::string ArraydTest::AttachLun(const ArrayClient& client, uint64_t id) {
  Result<array::AttachInfo> info = client.Attach(id);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return "";
  Result<os::LoopDevice> device = os::AttachLoopDevice(
      info->backing_file,
      info->read_only ? os::LoopAccess::kReadOnly : os::LoopAccess::kReadWrite);
  EXPECT_TRUE(device.ok()) << device.status().ToString();
  if (!device.ok()) return "";
  attached_.emplace_back(id, *device);
  Status reported = client.SetAttachmentDevice(id, device->path);
  EXPECT_TRUE(reported.ok()) << reported.ToString();
  return device->path;
}

void ArraydTest::DetachLun(const ArrayClient& client, uint64_t id) {
  for (auto it = attached_.begin(); it != attached_.end(); ++it) {
    if (it->first != id) continue;
    Status s = os::DetachLoopDevice(it->second);
    EXPECT_TRUE(s.ok()) << s.ToString();
    attached_.erase(it);
    break;
  }
  Status s = client.Detach(id);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

std::string ArraydTest::MountDevice(const std::string& device,
                                    const std::string& fstype,
                                    const os::MountOptions& options) {
  const std::string dir = work_dir_ + "/mnt" + std::to_string(mount_count_++);
  fs::create_directories(dir);
  Status s = os::Mount(device, dir, fstype, options);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (s.ok()) mounts_.push_back(dir);
  return dir;
}

void ArraydTest::Unmount(const std::string& dir) {
  Status s = os::Unmount(dir);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::erase(mounts_, dir);
}

std::vector<std::string> ArraydTest::PoolLunFiles() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pool_dir_ + "/luns", ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sp::testing_support
