#include "integration/shadowportd_fixture.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "os/process.h"
#include "shadowport/component_selection.h"
#include "shadowport/context.h"

namespace sp::testing_support {

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

Status CreateSet(BackupComponents& b, uint32_t context,
                 const std::vector<std::string>& volumes,
                 const std::vector<std::string>& importers) {
  SP_RETURN_IF_ERROR(b.InitializeForBackup());
  SP_RETURN_IF_ERROR(b.SetContext(context));
  SP_RETURN_IF_ERROR(b.SetBackupState(true, false, BackupType::kFull));
  const bool writers = (context & attr::kNoWriters) == 0;
  if (writers) {
    SP_RETURN_IF_ERROR(b.GatherWriterMetadata());
    // The whole of every writer: its top-level components (the rest is
    // included implicitly, component_selection.h).
    for (const WriterMetadataInfo& w : b.GetWriterMetadata()) {
      for (const WmdComponent* c : TopLevelComponents(w.wmd)) {
        SP_RETURN_IF_ERROR(b.AddComponent(w.instance_id, w.writer_id, c->type,
                                          c->logical_path, c->name));
      }
    }
  }
  SP_RETURN_IF_ERROR(b.StartSnapshotSet(importers).status());
  for (const std::string& v : volumes) {
    SP_RETURN_IF_ERROR(b.AddToSnapshotSet(v).status());
  }
  if (writers) SP_RETURN_IF_ERROR(b.PrepareForBackup());
  return b.DoSnapshotSet();
}

bool WriteCompletes(const std::string& mount_point,
                    std::chrono::milliseconds limit) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  const std::string path = mount_point + "/probe-" +
                           std::to_string(::getpid()) + "-" +
                           std::to_string(std::rand());
  std::thread([done, path] {
    {
      std::ofstream out(path);
      out << "probe";
    }
    *done = true;
  }).detach();
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!*done && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *done;
}

void ShadowportdTest::SetUp() {
  ArraydTest::SetUp();
  if (::testing::Test::IsSkipped() || HasFatalFailure()) return;
  StartDaemon();
  ASSERT_FALSE(HasFatalFailure());
  Result<array::NewHost> host = Admin()->AddHost("one", "");
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  ASSERT_TRUE(Admin()->AddHost("two", "").ok());
  {
    std::ofstream out(work_dir() + "/one.credential");
    out << host->credential << '\n';
  }
  ::chmod((work_dir() + "/one.credential").c_str(), 0600);
  one_ = AsHost("one", host->credential);
  service_socket_ = work_dir() + "/run/shadowportd.sock";
}

void ShadowportdTest::TearDown() {
  StopService();
  ArraydTest::TearDown();
}

TestVolume ShadowportdTest::MakeVolume(const std::string& fs_type,
                                       uint64_t size) {
  TestVolume v;
  v.fs_type = fs_type;
  Result<array::LunInfo> lun = Admin()->CreateLun(size);
  EXPECT_TRUE(lun.ok()) << lun.status().ToString();
  if (!lun.ok()) return v;
  v.lun_id = lun->id;
  v.naa = lun->naa;
  EXPECT_TRUE(Admin()->Present(lun->id, "one").ok());
  v.device = AttachLun(*one_, lun->id);
  std::vector<std::string> mkfs = {"mkfs." + fs_type, "-q"};
  if (fs_type == "ext4") mkfs.push_back("-F");
  if (fs_type == "xfs") mkfs.push_back("-f");
  mkfs.push_back(v.device);
  Result<os::ProcessResult> made = os::RunProcessChecked(mkfs);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  v.mount_point = MountDevice(v.device, fs_type, {});
  return v;
}

void ShadowportdTest::WriteServiceConfig(const ServiceOptions& options) {
  std::ofstream out(work_dir() + "/shadowportd.toml");
  out << "host = \"one\"\n"
      << "state_dir = \"" << work_dir() << "/state\"\n"
      << "socket = \"" << service_socket_ << "\"\n"
      << "log_level = \"debug\"\n"
      << "shutdown_grace_ms = 2000\n"
      << "[snapshots]\n"
      << "hold_timeout_ms = " << options.hold_timeout_ms << "\n"
      << "flush_timeout_ms = 10000\n"
      << "freezer = \"" << Program("src/os/shadowport-freezer") << "\"\n"
      << "default_importers = [";
  for (size_t i = 0; i < options.default_importers.size(); ++i) {
    out << (i ? ", " : "") << '"' << options.default_importers[i] << '"';
  }
  out << "]\n"
      << "[writers]\n"
      << "event_timeout_ms = 5000\n"
      << "freeze_timeout_ms = 10000\n"
      << "[providers.array]\n"
      << "target = \"unix:" << array_socket() << "\"\n"
      << "credential_file = \"" << work_dir() << "/one.credential\"\n";
}

void ShadowportdTest::StartServiceNoWait(const ServiceOptions& options) {
  StopService();
  WriteServiceConfig(options);
  std::vector<std::string> env;
  if (!options.crash_at.empty()) {
    env.push_back("SHADOWPORTD_CRASH_AT=" + options.crash_at);
  }
  service_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{Program("src/service/shadowportd"), "--config",
                               work_dir() + "/shadowportd.toml"},
      env, work_dir() + "/shadowportd.log");
  ASSERT_GT(service_->pid(), 0);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end && !service_->Poll() &&
         ::access(service_socket_.c_str(), F_OK) != 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void ShadowportdTest::StartService(const ServiceOptions& options) {
  StartServiceNoWait(options);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    ASSERT_FALSE(service_->Poll()) << "shadowportd exited:\n" << ServiceLog();
    if (::access(service_socket_.c_str(), F_OK) == 0 &&
        BackupComponents::GetServiceStatus(service_socket_).ok()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "shadowportd did not answer within 20 s:\n" << ServiceLog();
}

void ShadowportdTest::StopService() {
  if (service_) service_->Kill(SIGTERM);
  service_.reset();
}

void ShadowportdTest::KillService() {
  if (service_) service_->Kill(SIGKILL);
  service_.reset();
}

std::string ShadowportdTest::ServiceLog() const {
  std::ifstream in(work_dir() + "/shadowportd.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<BackupComponents> ShadowportdTest::Connect() {
  Result<std::unique_ptr<BackupComponents>> backup =
      BackupComponents::Connect(service_socket_, "test");
  EXPECT_TRUE(backup.ok()) << backup.status().ToString();
  return backup.ok() ? std::move(backup).value() : nullptr;
}

std::vector<array::LunInfo> ShadowportdTest::ArraySnapshots() const {
  Result<std::vector<array::LunInfo>> luns = Admin()->ListSnapshots({});
  EXPECT_TRUE(luns.ok()) << luns.status().ToString();
  return luns.ok() ? *luns : std::vector<array::LunInfo>{};
}

int ShadowportdTest::RunCli(const std::vector<std::string>& args,
                            std::string* out) {
  std::vector<std::string> argv = {Program("src/cli/shadowport")};
  argv.insert(argv.end(), args.begin(), args.end());
  os::RunOptions options;
  options.timeout = std::chrono::seconds(60);
  Result<os::ProcessResult> result = os::RunProcess(argv, options);
  if (!result.ok()) {
    *out = result.status().ToString();
    return -1;
  }
  *out = result->out + result->err;
  return result->exit_code;
}

}  // namespace sp::testing_support
