// sp::Writer and WriterRunner (include/shadowport/writer.h) against the real
// daemon side: shadowportd's WriterManager on a gRPC server on a Unix socket
// (no root). Deadlines are short so the freeze window is tested for real.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "array/rpc/server.h"
#include "service/writer_manager.h"
#include "shadowport/documents.h"
#include "shadowport/writer.h"

namespace sp {
namespace {

using service::EventInput;
using service::EventOutcome;
using service::WriterManager;
using service::WriterState;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::ElementsAre;
using testing::HasSubstr;
namespace svc = ::sp::service;

constexpr char kWriterClass[] = "{aaaaaaaa-2222-4333-8444-555555555555}";

// A writer that records its callbacks and fails the ones it is told to.
class RecordingWriter : public Writer {
 public:
  explicit RecordingWriter(const Guid& instance)
      : Writer(WriterIdentity{.writer_id = *Guid::Parse(kWriterClass),
                              .instance_id = instance,
                              .writer_name = "framework writer",
                              .instance_name = "unit"}) {}

  Result<WriterMetadata> OnIdentify(const WriterEvent& e) override {
    Record(e);
    WriterMetadata wmd;  // identity left empty: the runner fills it in
    WmdComponent c;
    c.name = "data";
    c.selectable = true;
    c.notify_on_backup_complete = true;
    c.files.push_back({"/srv/data", "*", true, "", 3855});
    wmd.components.push_back(c);
    return wmd;
  }
  Status OnPrepareBackup(WriterEvent& e) override {
    Record(e);
    if (BcdComponent* c = e.FindComponent(identity().instance_id, "", "data")) {
      c->backup_metadata = "prepared";
    }
    return Outcome(e);
  }
  Status OnPrepareSnapshot(WriterEvent& e) override { return Act(e); }
  Status OnFreeze(WriterEvent& e) override { return Act(e); }
  Status OnThaw(WriterEvent& e) override { return Act(e); }
  Status OnPostSnapshot(WriterEvent& e) override {
    Record(e);
    if (BcdComponent* c = e.FindComponent(identity().instance_id, "", "data")) {
      c->backup_stamp = "stamp-1";
    }
    return Outcome(e);
  }
  Status OnAbort(WriterEvent& e) override { return Act(e); }
  Status OnBackupComplete(WriterEvent& e) override { return Act(e); }
  Status OnBackupShutdown(WriterEvent& e) override { return Act(e); }

  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<WriterEvent> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  std::optional<WriterEventKind> fail_at;
  Code fail_with = Code::kWriterRetryable;
  std::optional<WriterEventKind> throw_at;

 private:
  void Record(const WriterEvent& e) {
    std::lock_guard lock(mu_);
    calls_.emplace_back(WriterEventKindName(e.kind));
    events_.push_back(e);
  }
  Status Outcome(const WriterEvent& e) {
    if (throw_at == e.kind) throw std::runtime_error("boom");
    if (fail_at == e.kind) return Status(fail_with, "told to fail");
    return Status::Ok();
  }
  Status Act(WriterEvent& e) {
    Record(e);
    return Outcome(e);
  }

  std::mutex mu_;
  std::vector<std::string> calls_;
  std::vector<WriterEvent> events_;
};

class WriterFrameworkTest : public testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/sp-wf-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    socket_ = dir_ + "/w.sock";
  }
  void TearDown() override {
    if (runner_) runner_->Stop();
    if (thread_.joinable()) thread_.join();
    StopService();
    std::filesystem::remove_all(dir_);
  }

  void StartService(milliseconds event_timeout = milliseconds(2000),
                    milliseconds freeze_to_thaw = milliseconds(2000)) {
    manager_ = WriterManager::Create({event_timeout, freeze_to_thaw});
    array::rpc::ListenOptions listen;
    listen.unix_socket = socket_;
    auto server = array::rpc::RpcServer::Start(listen, manager_->service());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void StopService() {
    if (manager_) manager_->Shutdown();
    if (server_) server_->Shutdown(milliseconds(0));
    server_.reset();
    manager_.reset();
  }

  // A writer that lives until TearDown has stopped its runner (the runner
  // may still call it then: a sequence in progress is aborted at the end).
  RecordingWriter& NewWriter(const Guid& instance) {
    writers_.push_back(std::make_unique<RecordingWriter>(instance));
    return *writers_.back();
  }

  // Runs `writer` on a thread until it is registered.
  void RunWriter(RecordingWriter& writer, bool reconnect = true) {
    WriterRunOptions options;
    options.socket = socket_;
    options.reconnect = reconnect;
    options.connect_timeout = milliseconds(2000);
    options.on_registered = [this] { ++registrations_; };
    options.log = [](std::string_view) {};
    runner_ = std::make_unique<WriterRunner>(writer, options);
    const int before = registrations_;
    thread_ = std::thread([this] { run_status_ = runner_->Run(); });
    WaitFor([&] { return registrations_ > before; });
  }

  template <typename Predicate>
  static bool WaitFor(Predicate done, milliseconds limit = milliseconds(5000)) {
    const auto end = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > end) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
  }

  EventOutcome Send(svc::WriterEvent event, const Guid& id,
                    const EventInput& input = {}) {
    std::vector<EventOutcome> out = manager_->SendEvent(event, input, {id});
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? EventOutcome{} : out[0];
  }

  std::string BcdSelecting(const Guid& instance) {
    BackupComponentsDocument bcd;
    WriterComponents w;
    w.writer_id = *Guid::Parse(kWriterClass);
    w.instance_id = instance;
    BcdComponent c;
    c.name = "data";
    w.components.push_back(c);
    bcd.writers.push_back(w);
    return *SaveBcd(bcd);
  }

  std::string dir_, socket_;
  std::unique_ptr<WriterManager> manager_;
  std::unique_ptr<array::rpc::RpcServer> server_;
  std::unique_ptr<WriterRunner> runner_;
  std::thread thread_;
  std::atomic<int> registrations_{0};
  Status run_status_;
  std::vector<std::unique_ptr<RecordingWriter>> writers_;
};

TEST(WriterEventTest, CoversPathByMountPointPrefix) {
  WriterEvent e;
  e.volumes = {"/srv/F", "/data/"};
  EXPECT_TRUE(e.CoversPath("/srv/F"));
  EXPECT_TRUE(e.CoversPath("/srv/F/pg/base"));
  EXPECT_TRUE(e.CoversPath("/data/x"));
  EXPECT_FALSE(e.CoversPath("/srv/Fx/y"));
  EXPECT_FALSE(e.CoversPath("/srv"));
  EXPECT_FALSE(e.CoversPath("relative/srv/F"));
  e.volumes = {"/"};
  EXPECT_TRUE(e.CoversPath("/anything"));
}

TEST(WriterEventTest, FailureCodesAreWriterErrorsOnly) {
  EXPECT_EQ(WriterFailureCode(Status(Code::kWriterTimeout, "")),
            Code::kWriterTimeout);
  EXPECT_EQ(WriterFailureCode(Status(Code::kWriterInconsistentSnapshot, "")),
            Code::kWriterInconsistentSnapshot);
  EXPECT_EQ(WriterFailureCode(Status(Code::kInvalidArg, "")),
            Code::kWriterNonRetryable);
  EXPECT_EQ(WriterEventKindName(WriterEventKind::kPrepareForBackup),
            "PrepareForBackup");
}

TEST_F(WriterFrameworkTest, RegistersWithItsWmdUnderItsOwnIdentity) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer);
  ASSERT_EQ(registrations_, 1);
  std::vector<svc::WriterStatus> listed = manager_->ListWriters();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].instance_id, id);
  EXPECT_EQ(listed[0].writer_name, "framework writer");
  Result<WriterMetadata> wmd = LoadWmd(listed[0].wmd_xml);
  ASSERT_TRUE(wmd.ok()) << wmd.status().ToString();
  EXPECT_EQ(wmd->identity.instance_id, id);
  EXPECT_EQ(wmd->components.at(0).name, "data");
}

TEST_F(WriterFrameworkTest, FullSequenceInOrderWithBcdUpdates) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer);
  EventInput input;
  input.session_id = *Guid::Random();
  input.bcd_xml = BcdSelecting(id);
  input.volumes = {"/srv/data"};

  EventOutcome prepared = Send(svc::WriterEvent::kPrepareForBackup, id, input);
  ASSERT_TRUE(prepared.status.ok()) << prepared.status.ToString();
  Result<BackupComponentsDocument> theirs = LoadBcd(prepared.bcd_xml);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->writers.at(0).components.at(0).backup_metadata, "prepared");
  for (svc::WriterEvent e :
       {svc::WriterEvent::kPrepareForSnapshot, svc::WriterEvent::kFreeze,
        svc::WriterEvent::kThaw}) {
    EXPECT_TRUE(Send(e, id, input).status.ok());
  }
  EventOutcome post = Send(svc::WriterEvent::kPostSnapshot, id, input);
  ASSERT_TRUE(post.status.ok());
  EXPECT_EQ(LoadBcd(post.bcd_xml)->writers.at(0).components.at(0).backup_stamp,
            "stamp-1");
  EXPECT_TRUE(Send(svc::WriterEvent::kBackupComplete, id, input).status.ok());
  EXPECT_TRUE(Send(svc::WriterEvent::kBackupShutdown, id, input).status.ok());

  EXPECT_THAT(writer.Calls(),
              ElementsAre("Identify", "PrepareForBackup", "PrepareForSnapshot",
                          "Freeze", "Thaw", "PostSnapshot", "BackupComplete",
                          "BackupShutdown"));
  const WriterEvent freeze = writer.Events().at(3);
  EXPECT_EQ(freeze.session_id, input.session_id);
  EXPECT_THAT(freeze.volumes, ElementsAre("/srv/data"));
  EXPECT_TRUE(freeze.has_bcd);
  EXPECT_NE(freeze.Components(id), nullptr);
  EXPECT_EQ(manager_->ListWriters().at(0).state, WriterState::kStable);
}

TEST_F(WriterFrameworkTest, VetoCarriesTheWriterErrorAndMessage) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  writer.fail_at = WriterEventKind::kFreeze;
  writer.fail_with = Code::kWriterInconsistentSnapshot;
  RunWriter(writer);
  EventOutcome out = Send(svc::WriterEvent::kFreeze, id);
  EXPECT_EQ(out.status.code(), Code::kWriterInconsistentSnapshot);
  EXPECT_THAT(out.status.message(), HasSubstr("told to fail"));
  EXPECT_EQ(manager_->ListWriters().at(0).state, WriterState::kFailedAtFreeze);
}

TEST_F(WriterFrameworkTest, OtherCodesAndExceptionsAreNonRetryable) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  writer.fail_at = WriterEventKind::kPrepareForSnapshot;
  writer.fail_with = Code::kInvalidArg;
  writer.throw_at = WriterEventKind::kBackupComplete;
  RunWriter(writer);
  EXPECT_EQ(Send(svc::WriterEvent::kPrepareForSnapshot, id).status.code(),
            Code::kWriterNonRetryable);
  EventOutcome thrown = Send(svc::WriterEvent::kBackupComplete, id);
  EXPECT_EQ(thrown.status.code(), Code::kWriterNonRetryable);
  EXPECT_THAT(thrown.status.message(), HasSubstr("boom"));
  // The writer is still there and answers.
  EXPECT_TRUE(Send(svc::WriterEvent::kIdentify, id).status.ok());
}

TEST_F(WriterFrameworkTest, ThawsOnItsOwnWhenTheFreezeWindowEnds) {
  StartService(milliseconds(2000), milliseconds(300));
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer);
  EventInput input;
  input.session_id = *Guid::Random();
  ASSERT_TRUE(Send(svc::WriterEvent::kFreeze, id, input).status.ok());
  const auto frozen_at = Clock::now();
  // Nobody sends THAW: the runner must call OnAbort at the freeze deadline.
  ASSERT_TRUE(WaitFor([&] {
    std::vector<std::string> calls = writer.Calls();
    return calls.back() == "Abort";
  })) << "no OnAbort after the freeze window";
  EXPECT_GE(Clock::now() - frozen_at, milliseconds(250));
  EXPECT_EQ(writer.Events().back().session_id, input.session_id);
}

TEST_F(WriterFrameworkTest, ThawsWhenTheServiceGoesAwayWhileFrozen) {
  StartService(milliseconds(2000), milliseconds(60000));
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer, /*reconnect=*/false);
  ASSERT_TRUE(Send(svc::WriterEvent::kFreeze, id).status.ok());
  StopService();  // the daemon dies while the writer is frozen
  thread_.join();
  EXPECT_EQ(writer.Calls().back(), "Abort");
  EXPECT_FALSE(run_status_.ok());
}

TEST_F(WriterFrameworkTest, ReconnectsAfterTheServiceRestarts) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer);
  StopService();
  StartService();
  ASSERT_TRUE(
      WaitFor([&] { return registrations_ >= 2; }, milliseconds(10000)));
  EXPECT_EQ(manager_->ListWriters().size(), 1u);
  runner_->Stop();
  thread_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
}

TEST_F(WriterFrameworkTest, RefusedRegistrationEndsRunWithItsCode) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& first = NewWriter(id);
  RunWriter(first);
  RecordingWriter twin(id);  // the same instance id
  WriterRunOptions options;
  options.socket = socket_;
  options.reconnect = false;
  options.log = [](std::string_view) {};
  WriterRunner runner(twin, options);
  EXPECT_EQ(runner.Run().code(), Code::kWriterAlreadySubscribed);
}

TEST_F(WriterFrameworkTest, NoServiceIsUnavailableWithoutReconnect) {
  const Guid id = *Guid::Random();
  RecordingWriter writer(id);
  WriterRunOptions options;
  options.socket = socket_;
  options.reconnect = false;
  options.connect_timeout = milliseconds(200);
  options.log = [](std::string_view) {};
  WriterRunner runner(writer, options);
  EXPECT_EQ(runner.Run().code(), Code::kUnavailable);
}

TEST_F(WriterFrameworkTest, StopIsPromptWhileWaitingForTheService) {
  const Guid id = *Guid::Random();
  RecordingWriter writer(id);
  WriterRunOptions options;
  options.socket = socket_;  // nothing listens
  options.connect_timeout = milliseconds(10000);
  options.log = [](std::string_view) {};
  WriterRunner runner(writer, options);
  Status status = Status(Code::kInternal, "not returned");
  std::thread run([&] { status = runner.Run(); });
  std::this_thread::sleep_for(milliseconds(300));
  const auto stopped_at = Clock::now();
  runner.Stop();
  run.join();
  EXPECT_LT(Clock::now() - stopped_at, milliseconds(1000));
  EXPECT_TRUE(status.ok()) << status.ToString();
}

// The daemon makes one set at a time, but another session may end (Abort,
// BackupShutdown) while this writer is frozen for the set in progress: that
// must not thaw it.
TEST_F(WriterFrameworkTest, OtherSessionsAbortDoesNotReachASequenceInProgress) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer);
  EventInput a;
  a.session_id = *Guid::Random();
  EventInput b;
  b.session_id = *Guid::Random();
  ASSERT_TRUE(Send(svc::WriterEvent::kPrepareForSnapshot, id, a).status.ok());
  ASSERT_TRUE(Send(svc::WriterEvent::kFreeze, id, a).status.ok());
  EXPECT_TRUE(Send(svc::WriterEvent::kAbort, id, b).status.ok());
  EXPECT_TRUE(Send(svc::WriterEvent::kBackupShutdown, id, b).status.ok());
  ASSERT_TRUE(Send(svc::WriterEvent::kThaw, id, a).status.ok());
  ASSERT_TRUE(Send(svc::WriterEvent::kPostSnapshot, id, a).status.ok());
  // After the sequence, another session's events reach the writer again.
  EXPECT_TRUE(Send(svc::WriterEvent::kBackupShutdown, id, b).status.ok());
  EXPECT_THAT(writer.Calls(),
              ElementsAre("Identify", "PrepareForSnapshot", "Freeze", "Thaw",
                          "PostSnapshot", "BackupShutdown"));
}

// A daemon that dies between PrepareSnapshot and PostSnapshot (not frozen):
// the writer still undoes what PrepareSnapshot did (a backup mode).
TEST_F(WriterFrameworkTest, AbortsASequenceLeftOpenWhenTheServiceGoesAway) {
  StartService();
  const Guid id = *Guid::Random();
  RecordingWriter& writer = NewWriter(id);
  RunWriter(writer, /*reconnect=*/false);
  EventInput a;
  a.session_id = *Guid::Random();
  ASSERT_TRUE(Send(svc::WriterEvent::kPrepareForSnapshot, id, a).status.ok());
  StopService();
  thread_.join();
  ASSERT_EQ(writer.Calls().back(), "Abort");
  EXPECT_EQ(writer.Events().back().session_id, a.session_id);
}

}  // namespace
}  // namespace sp
