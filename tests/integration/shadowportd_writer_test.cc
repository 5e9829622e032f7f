// shadowportd with a writer (sp-test-writer, a real process speaking
// proto/writer.proto): the events of a backup in VSS order, and a writer's
// veto aborting the set with every filesystem thawed.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "integration/shadowportd_fixture.h"
#include "requester/service_channel.h"
#include "shadowport/context.h"
#include "shadowport/documents.h"

namespace sp::testing_support {
namespace {

class ShadowportdWriterTest : public ShadowportdTest {
 protected:
  // Starts sp-test-writer with `extra` options; waits until registered.
  void StartWriter(const std::vector<std::string>& extra) {
    log_ = work_dir() + "/writer-events.log";
    std::vector<std::string> argv = {Program("tests/unit/sp-test-writer"),
                                     "--socket",
                                     socket(),
                                     "--name",
                                     "test-writer",
                                     "--log",
                                     log_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    writer_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{},
                                             work_dir() + "/writer.log");
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
      Result<ServiceStatus> status =
          BackupComponents::GetServiceStatus(socket());
      if (status.ok() && status->writer_count == 1) return;
      ASSERT_FALSE(writer_->Poll()) << ReadFile(work_dir() + "/writer.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "the writer did not register";
  }

  // The event names the writer logged, in order.
  std::vector<std::string> Events() const {
    std::vector<std::string> events;
    std::istringstream in(ReadFile(log_));
    std::string line;
    while (std::getline(in, line))
      events.push_back(line.substr(0, line.find(' ')));
    return events;
  }

  void TearDown() override {
    writer_.reset();
    ShadowportdTest::TearDown();
  }

  std::string log_;
  std::unique_ptr<ChildProcess> writer_;
};

TEST_F(ShadowportdWriterTest, WriterGetsTheBackupEventsInVssOrder) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  StartWriter({});
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                         {v.mount_point}));
  ASSERT_EQ(backup->GetWriterMetadata().size(), 1u);
  Result<std::vector<WriterStatusInfo>> status = backup->GatherWriterStatus();
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].state, "VSS_WS_WAITING_FOR_BACKUP_COMPLETE");
  SP_ASSERT_OK(backup->BackupComplete());
  SP_ASSERT_OK(backup->Release());
  EXPECT_EQ(
      Events(),
      (std::vector<std::string>{
          "IDENTIFY", "PREPARE_FOR_BACKUP", "PREPARE_FOR_SNAPSHOT", "FREEZE",
          "THAW", "POST_SNAPSHOT", "BACKUP_COMPLETE", "BACKUP_SHUTDOWN"}));
}

TEST_F(ShadowportdWriterTest, NoWritersContextSendsNoEvents) {
  TestVolume v = MakeVolume("ext4");
  StartService();
  StartWriter({});
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(CreateSet(*backup,
                         static_cast<uint32_t>(Context::kFileShareBackup),
                         {v.mount_point}));
  SP_ASSERT_OK(backup->Release());
  EXPECT_TRUE(Events().empty());
}

// VSS: in component mode a writer none of whose components were added
// before PrepareForBackup takes no part; backing up whole volumes
// (select_components false) involves every writer.
TEST_F(ShadowportdWriterTest, WriterWithoutSelectedComponentsTakesNoPart) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  StartWriter({});
  for (const bool component_mode : {true, false}) {
    std::unique_ptr<BackupComponents> backup = Connect();
    ASSERT_TRUE(backup);
    SP_ASSERT_OK(backup->InitializeForBackup());
    SP_ASSERT_OK(backup->SetContext(static_cast<uint32_t>(Context::kBackup)));
    SP_ASSERT_OK(
        backup->SetBackupState(component_mode, false, BackupType::kFull));
    SP_ASSERT_OK(backup->GatherWriterMetadata());
    ASSERT_EQ(backup->GetWriterMetadata().size(), 1u);
    SP_ASSERT_OK(backup->StartSnapshotSet({}).status());
    SP_ASSERT_OK(backup->AddToSnapshotSet(v.mount_point).status());
    SP_ASSERT_OK(backup->PrepareForBackup());
    SP_ASSERT_OK(backup->DoSnapshotSet());
    Result<std::vector<WriterStatusInfo>> status = backup->GatherWriterStatus();
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    EXPECT_EQ(status->size(), component_mode ? 0u : 1u);
    SP_ASSERT_OK(backup->BackupComplete());
    SP_ASSERT_OK(backup->Release());
  }
  EXPECT_EQ(
      Events(),
      (std::vector<std::string>{
          "IDENTIFY",  // component mode, nothing selected: no more
          "IDENTIFY", "PREPARE_FOR_BACKUP", "PREPARE_FOR_SNAPSHOT", "FREEZE",
          "THAW", "POST_SNAPSHOT", "BACKUP_COMPLETE", "BACKUP_SHUTDOWN"}));
}

// The daemon checks the component selection itself at PrepareForBackup
// (component_selection.h), so a requester speaking proto/service.proto
// without libshadowport cannot leave out a required component: refused
// before any writer hears of the backup, and a corrected BCD goes through.
TEST_F(ShadowportdWriterTest,
       DaemonRefusesASelectionWithoutARequiredComponent) {
  const Guid writer_id = *Guid::Parse("{5e1f0c2a-7b3d-4c8e-9f10-2a3b4c5d6e7f}");
  const Guid instance_id = *Guid::Random();
  WriterMetadata wmd;
  wmd.identity.writer_id = writer_id;
  wmd.identity.instance_id = instance_id;
  wmd.identity.writer_name = "test-writer";
  WmdComponent config;  // top-level, not selectable: required
  config.name = "config";
  config.files.push_back({"/etc/app", "*", false, "", 3855});
  WmdComponent data;  // selectable
  data.name = "data";
  data.selectable = true;
  data.files.push_back({"/srv/app", "*", true, "", 3855});
  wmd.components = {config, data};
  const std::string wmd_file = work_dir() + "/wmd.xml";
  WriteFile(wmd_file, *SaveWmd(wmd));
  StartService();
  StartWriter({"--wmd", wmd_file});

  Result<std::unique_ptr<requester::ServiceConnection>> connection =
      requester::ServiceConnection::Open(socket());
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  requester::SessionStream session(connection->get());
  auto call = [&](auto&& fill) {
    requester::pb::SessionRequest request;
    fill(request);
    return session.Call(std::move(request)).status();
  };
  SP_ASSERT_OK(call([](auto& r) { r.mutable_initialize_for_backup(); }));
  SP_ASSERT_OK(call([](auto& r) {
    r.mutable_set_context()->set_context(
        static_cast<uint32_t>(Context::kBackup));
  }));
  SP_ASSERT_OK(call([](auto& r) {
    r.mutable_set_backup_state()->set_select_components(true);
    r.mutable_set_backup_state()->set_backup_type("full");
  }));
  SP_ASSERT_OK(call([](auto& r) { r.mutable_gather_writer_metadata(); }));

  auto bcd_with = [&](std::vector<std::string> names) {
    BackupComponentsDocument bcd;
    WriterComponents w;
    w.writer_id = writer_id;
    w.instance_id = instance_id;
    for (const std::string& name : names) {
      BcdComponent c;
      c.name = name;
      w.components.push_back(c);
    }
    bcd.writers.push_back(w);
    return *SaveBcd(bcd);
  };
  const Status refused = call([&](auto& r) {
    r.mutable_prepare_for_backup()->set_bcd_xml(bcd_with({"data"}));
  });
  EXPECT_EQ(refused.code(), Code::kInvalidArg) << refused.ToString();
  EXPECT_NE(refused.message().find("config"), std::string::npos)
      << refused.ToString();
  EXPECT_EQ(Events(), (std::vector<std::string>{"IDENTIFY"}));

  SP_ASSERT_OK(call([&](auto& r) {
    r.mutable_prepare_for_backup()->set_bcd_xml(bcd_with({"config", "data"}));
  }));
  EXPECT_EQ(Events(),
            (std::vector<std::string>{"IDENTIFY", "PREPARE_FOR_BACKUP"}));
}

TEST_F(ShadowportdWriterTest, VetoAtFreezeAbortsTheSetAndThawsEverything) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  StartWriter({"--veto-at", "FREEZE"});
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  Status status = CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                            {v.mount_point});
  EXPECT_EQ(status.code(), Code::kWriterRetryable) << status.ToString();
  EXPECT_TRUE(WriteCompletes(v.mount_point, std::chrono::seconds(2)));
  EXPECT_TRUE(ArraySnapshots().empty());
  Result<std::vector<WriterStatusInfo>> writers = backup->GatherWriterStatus();
  ASSERT_TRUE(writers.ok());
  ASSERT_EQ(writers->size(), 1u);
  EXPECT_EQ((*writers)[0].state, "VSS_WS_FAILED_AT_FREEZE");
  SP_ASSERT_OK(backup->Release());
  const std::vector<std::string> events = Events();
  ASSERT_GE(events.size(), 5u);
  EXPECT_EQ(events[3], "FREEZE");
  EXPECT_EQ(events[4], "ABORT");
}

TEST_F(ShadowportdWriterTest, HungWriterTimesOutAndTheSetIsAborted) {
  TestVolume v = MakeVolume("xfs");
  StartService();  // writer events time out after 5 s (fixture config)
  StartWriter({"--hang-at", "PREPARE_FOR_SNAPSHOT"});
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  Status status = CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                            {v.mount_point});
  EXPECT_EQ(status.code(), Code::kWriterTimeout) << status.ToString();
  EXPECT_TRUE(WriteCompletes(v.mount_point, std::chrono::seconds(2)));
  EXPECT_TRUE(ArraySnapshots().empty());
}

}  // namespace
}  // namespace sp::testing_support
