// WriterManager over a real gRPC server on a Unix socket (no root): writers
// connect in-process (TestWriter, the generated stub) and as sp-test-writer
// processes. Deadlines are short (300 ms) so timeouts are tested for real.
#include "service/writer_manager.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "array/rpc/server.h"
#include "array/rpc/status_codec.h"
#include "shadowport/documents.h"
#include "support/child_process.h"
#include "support/read_text.h"
#include "writer.grpc.pb.h"

namespace sp::service {
namespace {

namespace wpb = ::shadowport::writer::v1;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::HasSubstr;

constexpr char kWriterClass[] = "{11111111-2222-4333-8444-555555555555}";

Guid G(const std::string& text) { return *Guid::Parse(text); }
Guid NewId() { return *Guid::Random(); }

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

std::string MakeWmd(const Guid& writer_id, const Guid& instance_id) {
  WriterMetadata wmd;
  wmd.identity.writer_id = writer_id;
  wmd.identity.instance_id = instance_id;
  wmd.identity.writer_name = "unit writer";
  WmdComponent component;
  component.name = "data";
  component.selectable = true;
  component.files.push_back({"/srv/data", "*", true, "", 3855});
  wmd.components.push_back(component);
  return *SaveWmd(wmd);
}

// An in-process writer. `answer` decides the reply to each event (nullopt:
// no answer); it runs on the reading thread, so it may sleep to be late.
class TestWriter {
 public:
  using Answer =
      std::function<std::optional<wpb::EventReply>(const wpb::WriterEvent&)>;

  explicit TestWriter(const std::string& socket)
      : stub_(wpb::Writers::NewStub(grpc::CreateChannel(
            "unix:" + socket, grpc::InsecureChannelCredentials()))) {}
  ~TestWriter() {
    context_.TryCancel();
    if (reader_.joinable()) reader_.join();
  }

  static std::optional<wpb::EventReply> Ok(const wpb::WriterEvent& e) {
    wpb::EventReply reply;
    reply.set_event_id(e.event_id());
    reply.set_ok(true);
    return reply;
  }

  // Registers; OK once the service sent REGISTERED, else its exact status.
  Status Register(const Guid& instance_id, std::string wmd = "",
                  const std::string& writer_id = kWriterClass) {
    instance_id_ = instance_id;
    if (wmd.empty()) wmd = MakeWmd(G(writer_id), instance_id);
    stream_ = stub_->Connect(&context_);
    wpb::WriterMessage hello;
    wpb::Registration* r = hello.mutable_registration();
    r->set_writer_id(writer_id);
    r->set_instance_id(instance_id.ToString());
    r->set_writer_name("unit writer");
    r->set_instance_name("unit instance");
    r->set_wmd_xml(wmd);
    stream_->Write(hello);
    wpb::WriterEvent first;
    if (stream_->Read(&first) && first.kind() == wpb::WriterEvent::REGISTERED) {
      return Status::Ok();
    }
    grpc::Status status = stream_->Finish();
    return array::rpc::FromGrpcStatus(status,
                                      context_.GetServerTrailingMetadata());
  }

  // Answers events on a thread until the stream ends.
  void Serve(Answer answer = Ok) {
    reader_ = std::thread([this, answer] {
      wpb::WriterEvent event;
      while (stream_->Read(&event)) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          received_.push_back(event);
        }
        std::optional<wpb::EventReply> reply = answer(event);
        if (!reply) continue;
        wpb::WriterMessage message;
        *message.mutable_reply() = *reply;
        if (!stream_->Write(message)) break;
      }
      ended_ = true;
    });
  }

  // Leaves: half-closes and waits for the end of the stream.
  void Leave() {
    stream_->WritesDone();
    if (reader_.joinable()) reader_.join();
  }

  std::vector<wpb::WriterEvent::Kind> Kinds() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<wpb::WriterEvent::Kind> kinds;
    for (const auto& e : received_) kinds.push_back(e.kind());
    return kinds;
  }
  std::vector<wpb::WriterEvent> Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  bool ended() const { return ended_; }
  const Guid& id() const { return instance_id_; }

 private:
  std::unique_ptr<wpb::Writers::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<wpb::WriterMessage, wpb::WriterEvent>>
      stream_;
  std::thread reader_;
  std::mutex mu_;
  std::vector<wpb::WriterEvent> received_;
  std::atomic<bool> ended_{false};
  Guid instance_id_;
};

class WriterManagerTest : public testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/sp-wm-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    socket_ = dir_ + "/w.sock";
  }
  void TearDown() override {
    if (manager_) manager_->Shutdown();
    if (server_) server_->Shutdown(milliseconds(0));
    std::filesystem::remove_all(dir_);
  }

  void Start(milliseconds event_timeout = milliseconds(300),
             milliseconds freeze_to_thaw = milliseconds(300)) {
    manager_ = WriterManager::Create({event_timeout, freeze_to_thaw});
    array::rpc::ListenOptions listen;
    listen.unix_socket = socket_;
    Result<std::unique_ptr<array::rpc::RpcServer>> server =
        array::rpc::RpcServer::Start(listen, manager_->service());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  // A connected in-process writer answering with `answer`.
  std::unique_ptr<TestWriter> Connect(
      TestWriter::Answer answer = TestWriter::Ok) {
    auto writer = std::make_unique<TestWriter>(socket_);
    Status status = writer->Register(NewId());
    EXPECT_TRUE(status.ok()) << status.ToString();
    writer->Serve(std::move(answer));
    return writer;
  }

  // An sp-test-writer process with `args`, once it printed "ready".
  std::unique_ptr<testing_support::ChildProcess> StartProgram(
      const Guid& instance_id, std::vector<std::string> args) {
    const std::string out = dir_ + "/" + instance_id.ToBareString() + ".out";
    std::vector<std::string> argv = {SP_TEST_WRITER_BIN, "--socket", socket_,
                                     "--instance-id", instance_id.ToString()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = std::make_unique<testing_support::ChildProcess>(
        argv, std::vector<std::string>{}, out);
    const auto end = Clock::now() + std::chrono::seconds(10);
    while (testing_support::ReadTextFile(out).find("ready") ==
               std::string::npos &&
           Clock::now() < end && !child->Poll()) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_THAT(testing_support::ReadTextFile(out), HasSubstr("ready"));
    return child;
  }

  std::optional<WriterStatus> Find(const Guid& instance_id) {
    for (const WriterStatus& w : manager_->ListWriters()) {
      if (w.instance_id == instance_id) return w;
    }
    return std::nullopt;
  }
  WriterState StateOf(const Guid& id) {
    std::optional<WriterStatus> w = Find(id);
    return w ? w->state : WriterState::kUnknown;
  }

  EventOutcome Send1(WriterEvent event, const Guid& id,
                     const EventInput& input = {}) {
    std::vector<EventOutcome> out = manager_->SendEvent(event, input, {id});
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? EventOutcome{} : out[0];
  }

  std::string dir_, socket_;
  std::unique_ptr<WriterManager> manager_;
  std::unique_ptr<array::rpc::RpcServer> server_;
};

TEST_F(WriterManagerTest, RegistersAndLists) {
  Start();
  auto writer = Connect();
  std::optional<WriterStatus> w = Find(writer->id());
  ASSERT_TRUE(w);
  EXPECT_EQ(w->writer_id, G(kWriterClass));
  EXPECT_EQ(w->writer_name, "unit writer");
  EXPECT_EQ(w->instance_name, "unit instance");
  EXPECT_EQ(w->state, WriterState::kStable);
  EXPECT_TRUE(w->failure.ok());
  EXPECT_EQ(w->wmd_xml, MakeWmd(G(kWriterClass), writer->id()));
  EXPECT_GT(w->connected_us, 0);
  EXPECT_EQ(WriterStateName(w->state), "VSS_WS_STABLE");

  // A writer that leaves is dropped from the list.
  writer->Leave();
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (!manager_->ListWriters().empty() && Clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(manager_->ListWriters().empty());
}

TEST_F(WriterManagerTest, RefusesDuplicateInstanceAndBadRegistrations) {
  Start();
  auto first = Connect();
  TestWriter twin(socket_);
  EXPECT_EQ(twin.Register(first->id()).code(), Code::kWriterAlreadySubscribed);

  TestWriter broken(socket_);
  Status status = broken.Register(NewId(), "<WRITER_METADATA/>");
  EXPECT_EQ(status.code(), Code::kInvalidXmlDocument) << status.ToString();

  // A valid WMD of another instance is not this writer's.
  TestWriter impostor(socket_);
  EXPECT_EQ(
      impostor.Register(NewId(), MakeWmd(G(kWriterClass), NewId())).code(),
      Code::kInvalidXmlDocument);

  TestWriter bad_id(socket_);
  EXPECT_EQ(bad_id.Register(NewId(), "x", "not-a-guid").code(),
            Code::kInvalidArg);

  ASSERT_EQ(manager_->ListWriters().size(), 1u);
}

TEST_F(WriterManagerTest, FullSequenceMovesStates) {
  Start();
  auto writer = Connect([](const wpb::WriterEvent& e) {
    std::optional<wpb::EventReply> reply = TestWriter::Ok(e);
    if (e.kind() == wpb::WriterEvent::POST_SNAPSHOT) reply->set_bcd_xml("b");
    return reply;
  });
  EventInput input;
  input.session_id = NewId();
  input.snapshot_set_id = NewId();
  input.volumes = {"/srv/F", "/srv/G"};
  input.context = 0x19;
  const std::vector<std::pair<WriterEvent, WriterState>> steps = {
      {WriterEvent::kIdentify, WriterState::kStable},
      {WriterEvent::kPrepareForBackup, WriterState::kStable},
      {WriterEvent::kPrepareForSnapshot, WriterState::kWaitingForFreeze},
      {WriterEvent::kFreeze, WriterState::kWaitingForThaw},
      {WriterEvent::kThaw, WriterState::kWaitingForPostSnapshot},
      {WriterEvent::kPostSnapshot, WriterState::kWaitingForBackupComplete},
      {WriterEvent::kBackupComplete, WriterState::kStable},
      {WriterEvent::kBackupShutdown, WriterState::kStable},
  };
  for (const auto& [event, state] : steps) {
    EventOutcome out = Send1(event, writer->id(), input);
    EXPECT_TRUE(out.status.ok())
        << WriterEventName(event) << ": " << out.status.ToString();
    EXPECT_EQ(out.instance_id, writer->id());
    EXPECT_EQ(StateOf(writer->id()), state) << WriterEventName(event);
    if (event == WriterEvent::kIdentify) {
      EXPECT_EQ(out.wmd_xml, MakeWmd(G(kWriterClass), writer->id()));
    }
    if (event == WriterEvent::kPostSnapshot) {
      EXPECT_EQ(out.bcd_xml, "b");
    }
  }
  using K = wpb::WriterEvent;
  EXPECT_THAT(writer->Kinds(),
              testing::ElementsAre(K::IDENTIFY, K::PREPARE_FOR_BACKUP,
                                   K::PREPARE_FOR_SNAPSHOT, K::FREEZE, K::THAW,
                                   K::POST_SNAPSHOT, K::BACKUP_COMPLETE,
                                   K::BACKUP_SHUTDOWN));
  const wpb::WriterEvent freeze = writer->Received()[3];
  EXPECT_EQ(freeze.session_id(), input.session_id.ToString());
  EXPECT_EQ(freeze.snapshot_set_id(), input.snapshot_set_id.ToString());
  EXPECT_EQ(freeze.context(), 0x19u);
  EXPECT_THAT(freeze.volumes(), testing::ElementsAre("/srv/F", "/srv/G"));
  EXPECT_GT(freeze.deadline_ms(), 0u);
  EXPECT_LE(freeze.deadline_ms(), 300u);
}

TEST_F(WriterManagerTest, VetoAtFreezeFailsTheWriterUntilNextBackup) {
  Start();
  const Guid id = NewId();
  const std::string log = dir_ + "/events.log";
  auto child = StartProgram(id, {"--veto-at", "FREEZE", "--log", log});
  EventInput input;
  input.snapshot_set_id = NewId();
  ASSERT_TRUE(Send1(WriterEvent::kPrepareForSnapshot, id, input).status.ok());
  EventOutcome out = Send1(WriterEvent::kFreeze, id, input);
  EXPECT_EQ(out.status.code(), Code::kWriterRetryable);
  EXPECT_THAT(out.status.message(), HasSubstr("vetoed by --veto-at"));
  std::optional<WriterStatus> w = Find(id);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->state, WriterState::kFailedAtFreeze);
  EXPECT_EQ(w->failure.code(), Code::kWriterRetryable);
  EXPECT_EQ(w->app_message, "vetoed by --veto-at");

  // Abort keeps the failure visible; the next backup's Identify clears it.
  ASSERT_TRUE(Send1(WriterEvent::kAbort, id, input).status.ok());
  EXPECT_EQ(StateOf(id), WriterState::kFailedAtFreeze);
  ASSERT_TRUE(Send1(WriterEvent::kIdentify, id).status.ok());
  w = Find(id);
  EXPECT_EQ(w->state, WriterState::kStable);
  EXPECT_TRUE(w->failure.ok());

  const std::string set = input.snapshot_set_id.ToString();
  EXPECT_EQ(testing_support::ReadTextFile(log),
            "PREPARE_FOR_SNAPSHOT set=" + set + "\nFREEZE set=" + set +
                "\nABORT set=" + set + "\nIDENTIFY set=" + Guid().ToString() +
                "\n");
}

TEST_F(WriterManagerTest, UnknownFailureNamesBecomeNonRetryable) {
  Start();
  auto writer = Connect([](const wpb::WriterEvent& e) {
    std::optional<wpb::EventReply> reply = TestWriter::Ok(e);
    reply->set_ok(false);
    reply->set_failure_code(e.kind() == wpb::WriterEvent::IDENTIFY
                                ? "VSS_E_WRITERERROR_OUTOFRESOURCES"
                                : "E_ACCESSDENIED");
    return reply;
  });
  EXPECT_EQ(Send1(WriterEvent::kIdentify, writer->id()).status.code(),
            Code::kWriterOutOfResources);
  EXPECT_EQ(StateOf(writer->id()), WriterState::kFailedAtIdentify);
  EXPECT_EQ(Send1(WriterEvent::kPrepareForBackup, writer->id()).status.code(),
            Code::kWriterNonRetryable);
  EXPECT_EQ(StateOf(writer->id()), WriterState::kFailedAtPrepareBackup);
}

TEST_F(WriterManagerTest, HangTimesOutAndLateAnswerIsIgnored) {
  Start();
  auto writer = Connect([](const wpb::WriterEvent& e) {
    if (e.kind() == wpb::WriterEvent::PREPARE_FOR_SNAPSHOT) {
      std::this_thread::sleep_for(milliseconds(600));  // late
    }
    return TestWriter::Ok(e);
  });
  const auto start = Clock::now();
  EventOutcome out = Send1(WriterEvent::kPrepareForSnapshot, writer->id());
  const milliseconds took = Since(start);
  EXPECT_EQ(out.status.code(), Code::kWriterTimeout) << out.status.ToString();
  EXPECT_GE(took, milliseconds(280));
  EXPECT_LT(took, milliseconds(550));
  EXPECT_EQ(StateOf(writer->id()), WriterState::kFailedAtPrepareSnapshot);

  // The late answer (at 600 ms) changes nothing; the writer stays usable.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(StateOf(writer->id()), WriterState::kFailedAtPrepareSnapshot);
  EXPECT_TRUE(Send1(WriterEvent::kAbort, writer->id()).status.ok());
  EXPECT_TRUE(Send1(WriterEvent::kIdentify, writer->id()).status.ok());
  EXPECT_EQ(StateOf(writer->id()), WriterState::kStable);
}

TEST_F(WriterManagerTest, HangAtFreezeTimesOutAndGetsAbort) {
  Start();
  const Guid id = NewId();
  const std::string log = dir_ + "/hang.log";
  auto child = StartProgram(id, {"--hang-at", "Freeze", "--log", log});
  EventOutcome out = Send1(WriterEvent::kFreeze, id);
  EXPECT_EQ(out.status.code(), Code::kWriterTimeout);
  EXPECT_EQ(StateOf(id), WriterState::kFailedAtFreeze);
  // VSS calls OnAbort when the freeze window ends: the writer gets Abort.
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (testing_support::ReadTextFile(log).find("ABORT") ==
             std::string::npos &&
         Clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_THAT(testing_support::ReadTextFile(log), HasSubstr("FREEZE set="));
  EXPECT_THAT(testing_support::ReadTextFile(log), HasSubstr("\nABORT set="));
  EXPECT_EQ(StateOf(id), WriterState::kFailedAtFreeze);
}

TEST_F(WriterManagerTest, ThawAfterTheFreezeWindowIsATimeout) {
  Start(milliseconds(2000), milliseconds(200));
  auto writer = Connect();
  ASSERT_TRUE(Send1(WriterEvent::kFreeze, writer->id()).status.ok());
  std::this_thread::sleep_for(milliseconds(300));
  EventOutcome out = Send1(WriterEvent::kThaw, writer->id());
  EXPECT_EQ(out.status.code(), Code::kWriterTimeout);
  EXPECT_EQ(StateOf(writer->id()), WriterState::kFailedAtFreeze);
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (writer->Kinds().size() < 2 && Clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_THAT(writer->Kinds(), testing::ElementsAre(wpb::WriterEvent::FREEZE,
                                                    wpb::WriterEvent::ABORT));

  // Within the window, Thaw is delivered.
  ASSERT_TRUE(Send1(WriterEvent::kFreeze, writer->id()).status.ok());
  EXPECT_TRUE(Send1(WriterEvent::kThaw, writer->id()).status.ok());
  EXPECT_EQ(StateOf(writer->id()), WriterState::kWaitingForPostSnapshot);
}

TEST_F(WriterManagerTest, CrashIsRetryableAndDropsTheWriter) {
  Start(milliseconds(5000));
  const Guid id = NewId();
  auto child = StartProgram(id, {"--crash-at", "FREEZE"});
  const auto start = Clock::now();
  EventOutcome out = Send1(WriterEvent::kFreeze, id);
  EXPECT_EQ(out.status.code(), Code::kWriterRetryable) << out.status.ToString();
  EXPECT_LT(Since(start), milliseconds(2000));  // not the 5 s deadline
  EXPECT_FALSE(Find(id));
  std::optional<int> status = child->Wait(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  // Later events to it: not connected.
  EXPECT_EQ(Send1(WriterEvent::kAbort, id).status.code(),
            Code::kWriterRetryable);
}

TEST_F(WriterManagerTest, WritersAreAnsweredConcurrently) {
  Start();
  auto slow = [](const wpb::WriterEvent& e) {
    std::this_thread::sleep_for(milliseconds(200));
    return TestWriter::Ok(e);
  };
  auto a = Connect(slow);
  auto b = Connect(slow);
  auto start = Clock::now();
  std::vector<EventOutcome> out =
      manager_->SendEvent(WriterEvent::kIdentify, {}, {});  // all writers
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].status.ok() && out[1].status.ok());
  EXPECT_LT(Since(start), milliseconds(380));

  // Two hanging writers cost one deadline, not two.
  auto hang = [](const wpb::WriterEvent&) {
    return std::optional<wpb::EventReply>();
  };
  auto c = Connect(hang);
  auto d = Connect(hang);
  start = Clock::now();
  out = manager_->SendEvent(WriterEvent::kPrepareForBackup, {},
                            {c->id(), d->id()});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status.code(), Code::kWriterTimeout);
  EXPECT_EQ(out[1].status.code(), Code::kWriterTimeout);
  EXPECT_LT(Since(start), milliseconds(550));

  // A session waiting on a hung writer does not hold up another session.
  auto pending = std::async(std::launch::async, [&] {
    return Send1(WriterEvent::kIdentify, c->id());
  });
  std::this_thread::sleep_for(milliseconds(50));
  start = Clock::now();
  EXPECT_TRUE(Send1(WriterEvent::kBackupComplete, a->id()).status.ok());
  EXPECT_LT(Since(start), milliseconds(280));
  EXPECT_EQ(pending.get().status.code(), Code::kWriterTimeout);

  // An instance that is not connected.
  EXPECT_EQ(Send1(WriterEvent::kIdentify, NewId()).status.code(),
            Code::kWriterRetryable);
}

TEST_F(WriterManagerTest, ShutdownEndsStreamsPromptly) {
  Start(milliseconds(30000));
  auto hung = Connect(
      [](const wpb::WriterEvent&) { return std::optional<wpb::EventReply>(); });
  const Guid id = NewId();
  auto child = StartProgram(id, {});
  auto in_flight = std::async(std::launch::async, [&] {
    return Send1(WriterEvent::kIdentify, hung->id());
  });
  std::this_thread::sleep_for(milliseconds(100));
  const auto start = Clock::now();
  manager_->Shutdown();
  EXPECT_LT(Since(start), milliseconds(2000));
  EXPECT_EQ(in_flight.get().status.code(), Code::kWriterRetryable);
  EXPECT_TRUE(manager_->ListWriters().empty());
  std::optional<int> status = child->Wait(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);

  // Nobody can register any more.
  TestWriter late(socket_);
  EXPECT_EQ(late.Register(NewId()).code(), Code::kUnavailable);
}

}  // namespace
}  // namespace sp::service
