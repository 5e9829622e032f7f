// WriterManagerImpl: the implementation behind writer_manager.h, shared by
// writer_manager.cc (events, states, deadlines) and writer_stream.cc (the
// Connect handler: registration, sending, answers). Not a public header.
//
// Threads: each Connect stream has its gRPC handler thread, which reads the
// writer's answers, and a sender thread, which writes the queued events (so
// a writer that stops reading blocks only its own sender). SendEvent queues
// events and waits on cv_ with mu_ released. Everything mutable is guarded
// by the one mutex mu_; cv_ signals any change (an answer, a queued event, a
// connection gone, a handler finished).
#ifndef SHADOWPORT_SERVICE_WRITER_MANAGER_IMPL_H_
#define SHADOWPORT_SERVICE_WRITER_MANAGER_IMPL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "service/writer_manager.h"
#include "writer.grpc.pb.h"

namespace sp::service {

namespace wpb = ::shadowport::writer::v1;
using WriterStream =
    grpc::ServerReaderWriter<wpb::WriterEvent, wpb::WriterMessage>;
using Clock = std::chrono::steady_clock;

// One event sent to one writer, until it is answered or expires.
struct PendingEvent {
  WriterEvent event = WriterEvent::kIdentify;
  Clock::time_point deadline;
  bool waited = true;  // false: nobody waits (automatic Abort)
  bool done = false;   // answered (or the stream ended): outcome is set
  EventOutcome outcome;
};

// A connected writer. Shared by its handler and by SendEvent calls, so that
// an event in flight survives the writer's removal from the list.
struct WriterConnection {
  WriterStatus status;
  grpc::ServerContext* context = nullptr;  // valid while the handler runs
  // Events to write, with the time each must be answered by.
  std::deque<std::pair<wpb::WriterEvent, std::optional<Clock::time_point>>>
      outbox;
  bool closed = false;   // the stream ended or is ending: nothing more is sent
  bool writing = false;  // the sender thread is inside Write()
  std::map<uint64_t, PendingEvent> pending;  // by event id
  // Set when Freeze was sent: the freeze-to-thaw window runs from here.
  std::optional<Clock::time_point> frozen_since;
};

class WriterManagerImpl final : public WriterManager,
                                public wpb::Writers::Service {
 public:
  explicit WriterManagerImpl(const WriterManagerOptions& options)
      : options_(options) {}
  ~WriterManagerImpl() override { Shutdown(); }

  grpc::Service* service() override { return this; }
  std::vector<WriterStatus> ListWriters() override;
  std::vector<EventOutcome> SendEvent(
      WriterEvent event, const EventInput& input,
      const std::vector<Guid>& instances) override;
  void Shutdown() override;

  // wpb::Writers::Service (writer_stream.cc).
  grpc::Status Connect(grpc::ServerContext* context,
                       WriterStream* stream) override;

 private:
  // writer_stream.cc
  Result<std::shared_ptr<WriterConnection>> Register(
      grpc::ServerContext* context, const wpb::WriterMessage& first);
  void SenderLoop(WriterConnection* conn, WriterStream* stream);
  void OnReply(const std::shared_ptr<WriterConnection>& conn,
               const wpb::EventReply& reply);
  // The stream ended: fails what is in flight, removes the writer.
  void Close(const std::shared_ptr<WriterConnection>& conn);

  // writer_manager.cc. REQUIRES: mu_ held.
  uint64_t EnqueueLocked(WriterConnection& conn, WriterEvent event,
                         const EventInput& input, Clock::time_point deadline,
                         bool waited);
  // Records an answer (or a failure the manager decided) in the state.
  void ApplyLocked(WriterConnection& conn, WriterEvent event,
                   const Status& status, const std::string& app_message);
  // The outcome of a writer that failed at `event` for the manager's
  // reasons (timeout, stream gone); moves the state unless `gone`.
  EventOutcome FailLocked(WriterConnection& conn, WriterEvent event, Code code,
                          const std::string& why);

  const WriterManagerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  // Connected writers by instance id.
  std::map<Guid, std::shared_ptr<WriterConnection>> writers_;  // GUARDED_BY
  std::set<grpc::ServerContext*> handlers_;  // running Connect calls; GUARDED
  uint64_t next_event_id_ = 1;               // GUARDED_BY(mu_)
  bool shutting_down_ = false;               // GUARDED_BY(mu_)
};

// "writer \"NAME\" {instance}" for messages.
std::string Describe(const WriterStatus& status);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_WRITER_MANAGER_IMPL_H_
