// The coordinator of shadowportd (Service, BackupSession, DoSnapshotSet)
// without root: a real Inventory in a temporary directory, a real
// WriterManager with no writer connected, a ProviderRegistry holding one
// FakeProvider, a FakeSystem, and a logger that keeps its lines. The fakes
// share one journal, so the whole protocol's order is visible.
#ifndef SHADOWPORT_TESTS_UNIT_COORDINATOR_FIXTURE_H_
#define SHADOWPORT_TESTS_UNIT_COORDINATOR_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "array/rpc/logger.h"
#include "providers/provider_registry.h"
#include "service/config.h"
#include "service/inventory.h"
#include "service/service.h"
#include "service/session.h"
#include "service/writer_manager.h"
#include "shadowport/context.h"
#include "support/fake_provider.h"
#include "support/fake_system.h"

namespace sp {
// gtest prints a Code by its name.
inline void PrintTo(Code code, std::ostream* os) { *os << InfoOf(code).name; }
}  // namespace sp

namespace sp::service::coordinator_test {

using fakes::FakeProvider;
using Step = FakeProvider::Step;

inline constexpr char kProviderId[] = "{5f0e0000-0000-4000-8000-0000000000aa}";
inline constexpr uint32_t kBackup = static_cast<uint32_t>(Context::kBackup);
inline constexpr uint32_t kAppRollback =
    static_cast<uint32_t>(Context::kAppRollback);
inline constexpr uint32_t kNasRollback =
    static_cast<uint32_t>(Context::kNasRollback);

class RecordingLogger : public array::rpc::Logger {
 public:
  void Log(array::rpc::LogLevel level, std::string_view message) override {
    std::lock_guard lock(mu_);
    lines_.push_back(std::string(array::rpc::LogLevelName(level)) + " " +
                     std::string(message));
  }
  // Whether a line holds `text`.
  bool Has(std::string_view text) {
    std::lock_guard lock(mu_);
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Volume `n`: /dev/fakeN (device number 250:N) mounted at /srv/vN.
inline os::VolumeInfo Volume(int n) {
  os::VolumeInfo v;
  v.device = "/dev/fake" + std::to_string(n);
  v.device_number = makedev(250, n);
  v.mount_point = "/srv/v" + std::to_string(n);
  v.fs_type = "xfs";
  v.fs_uuid = "0000-" + std::to_string(n);
  return v;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sp_coordinator_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Result<std::unique_ptr<Inventory>> inventory = Inventory::Open(dir_);
    ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
    inventory_ = std::move(inventory).value();
    writers_ = WriterManager::Create(WriterManagerOptions{});
    auto provider =
        std::make_unique<FakeProvider>(journal_, *Guid::Parse(kProviderId));
    provider_ = provider.get();
    ASSERT_TRUE(registry_.Add(std::move(provider)).ok());
    config_.host = "host-one";
    config_.state_dir = dir_;
    config_.flush_timeout = std::chrono::milliseconds(1234);
    config_.hold_timeout = std::chrono::milliseconds(5678);
    service_ = std::make_unique<Service>(
        ServiceDeps{&config_, &registry_, inventory_.get(), writers_.get(),
                    &system_, &logger_, ""});
  }
  void TearDown() override {
    service_.reset();
    writers_.reset();
    inventory_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Declares volume `n` to the system (by its mount point) and the provider.
  std::string AddVolume(int n) {
    const os::VolumeInfo v = Volume(n);
    system_.AddVolume(v.mount_point, v);
    provider_->AddDevice(v.device);
    return v.mount_point;
  }

  // A session with `context` set; with writers, metadata gathered and
  // PrepareForBackup done (no writer is connected).
  std::unique_ptr<BackupSession> Open(uint32_t context = kBackup) {
    auto session = std::make_unique<BackupSession>(service_.get(), "unit");
    EXPECT_TRUE(session->InitializeForBackup("").ok());
    EXPECT_TRUE(session->SetContext(context).ok());
    if ((context & attr::kNoWriters) == 0) {
      EXPECT_TRUE(session->GatherWriterMetadata().ok());
      EXPECT_TRUE(session->PrepareForBackup("", {}).ok());
    }
    return session;
  }

  // StartSnapshotSet and AddToSnapshotSet for each of `volumes`.
  Guid Start(BackupSession& session, const std::vector<std::string>& volumes,
             std::vector<std::string> importers = {}) {
    Result<Guid> set = session.StartSnapshotSet(std::move(importers));
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    if (!set.ok()) return Guid();
    for (const std::string& v : volumes) {
      Result<AddedVolume> added = session.AddToSnapshotSet(v, Guid());
      EXPECT_TRUE(added.ok()) << v << ": " << added.status().ToString();
    }
    return *set;
  }

  // A whole creation in a new session; the session is returned (alive).
  std::unique_ptr<BackupSession> Create(uint32_t context,
                                        const std::vector<std::string>& vols,
                                        Guid* set_id) {
    std::unique_ptr<BackupSession> session = Open(context);
    *set_id = Start(*session, vols);
    Result<std::string> bcd = session->DoSnapshotSet();
    EXPECT_TRUE(bcd.ok()) << bcd.status().ToString();
    return session;
  }

  size_t SetCount() {
    Result<std::vector<SetRecord>> sets = inventory_->ListSets();
    EXPECT_TRUE(sets.ok());
    return sets.ok() ? sets->size() : 0;
  }

  std::string dir_;
  std::vector<std::string> journal_;
  fakes::FakeSystem system_{journal_};
  providers::ProviderRegistry registry_;
  FakeProvider* provider_ = nullptr;  // owned by registry_
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<WriterManager> writers_;
  RecordingLogger logger_;
  ServiceConfig config_;
  std::unique_ptr<Service> service_;
};

}  // namespace sp::service::coordinator_test

#endif  // SHADOWPORT_TESTS_UNIT_COORDINATOR_FIXTURE_H_
