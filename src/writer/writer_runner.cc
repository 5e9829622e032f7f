// WriterRunner: one sp::Writer on shadowportd's Connect stream
// (proto/writer.proto). Two threads per connection: a reader that only
// queues what the service sends, and the event thread (the caller of Run)
// that calls the writer's callbacks one at a time and writes the answers, so
// the stream has one reader and one writer as gRPC requires. The event
// thread also keeps the freeze window: it wakes at the FREEZE deadline and
// thaws the writer (OnAbort) if THAW has not come, and it thaws it when the
// stream ends while frozen.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iostream>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "array/rpc/status_codec.h"
#include "shadowport/documents.h"
#include "shadowport/writer.h"
#include "writer.grpc.pb.h"
#include "writer/writer_event_proto.h"

namespace sp {

namespace wpb = ::shadowport::writer::v1;
using Clock = std::chrono::steady_clock;

namespace {

// The deadline of the registration's Identify, which no event bounds.
constexpr std::chrono::seconds kRegistrationIdentifyBudget{60};
constexpr std::chrono::milliseconds kFirstRetryPause{200};
constexpr std::chrono::milliseconds kMaxRetryPause{5000};
constexpr std::chrono::milliseconds kConnectSlice{100};

// Runs one callback; a C++ exception escaping it becomes a writer failure
// instead of ending the writer (which would leave its application frozen).
template <typename F>
auto Guarded(F&& callback) -> decltype(callback()) {
  try {
    return callback();
  } catch (const std::bad_alloc&) {
    return Status(Code::kWriterOutOfResources, "out of memory");
  } catch (const std::exception& e) {
    return Status(Code::kWriterNonRetryable,
                  std::string("the writer threw: ") + e.what());
  } catch (...) {
    return Status(Code::kWriterNonRetryable,
                  "the writer threw something that is not a std::exception");
  }
}

}  // namespace

class WriterRunner::Impl {
 public:
  Impl(Writer& writer, WriterRunOptions options)
      : writer_(writer), options_(std::move(options)) {
    if (!options_.log) {
      std::string name = writer_.identity().writer_name;
      options_.log = [name](std::string_view line) {
        std::cerr << name << ": " << line << std::endl;
      };
    }
  }

  Status Run();
  void Stop();

 private:
  // What a queued item is: an event, or the end of the stream.
  struct Item {
    std::optional<wpb::WriterEvent> event;
  };
  // The snapshot sequence in progress: from PREPARE_FOR_SNAPSHOT until
  // POST_SNAPSHOT, or the ABORT or BACKUP_SHUTDOWN of the same session.
  // The daemon makes one set at a time per host, so there is at most one;
  // `frozen` from a successful OnFreeze until THAW.
  struct InFlight {
    static InFlight Of(const WriterEvent& e) {
      InFlight f;
      f.session_id = e.session_id;
      f.snapshot_set_id = e.snapshot_set_id;
      f.context = e.context;
      f.volumes = e.volumes;
      return f;
    }
    Guid session_id;
    Guid snapshot_set_id;
    uint32_t context = 0;
    std::vector<std::string> volumes;
    bool frozen = false;
    Clock::time_point freeze_deadline;
  };

  // One connection: register, answer events until the stream ends.
  // `registered` is set once the service accepted the registration.
  Status Connection(bool& registered);
  Result<std::string> CurrentWmd(const WriterEvent& event);
  // The answer to one event (nullopt: nothing to answer).
  std::optional<wpb::WriterMessage> Handle(const wpb::WriterEvent& proto);
  Status Dispatch(WriterEvent& event, wpb::EventReply& reply);
  // Ends the sequence in progress with OnAbort (thawing the writer if it is
  // frozen): the freeze window ended, the session or the service went
  // away. `why` goes to the log.
  void AbortOnOwn(std::string_view why);
  bool FreezeWindowOver() const {
    return in_flight_ && in_flight_->frozen &&
           Clock::now() >= in_flight_->freeze_deadline;
  }
  // An ABORT or BACKUP_SHUTDOWN of another session than the sequence in
  // progress: it cannot concern that sequence (see writer.h).
  bool OtherSessionMidSequence(const WriterEvent& event) const {
    return in_flight_ && in_flight_->session_id != event.session_id;
  }

  Writer& writer_;
  WriterRunOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  grpc::ClientContext* context_ = nullptr;  // the live stream's, under mu_
  std::deque<Item> queue_;                  // under mu_

  // Event thread only.
  std::optional<InFlight> in_flight_;
  std::optional<Guid> thawed_on_own_;  // session whose freeze we ended
};

Status WriterRunner::Impl::Run() {
  std::chrono::milliseconds pause = kFirstRetryPause;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
    }
    bool registered = false;
    Status ended = Connection(registered);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
    }
    if (!options_.reconnect) return ended;
    if (registered) pause = kFirstRetryPause;
    options_.log("connection to shadowportd ended (" + ended.ToString() +
                 "); reconnecting in " + std::to_string(pause.count()) + " ms");
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, pause, [this] { return stopping_; });
    pause = std::min(pause * 2, kMaxRetryPause);
  }
}

void WriterRunner::Impl::Stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  if (context_ != nullptr) context_->TryCancel();
  cv_.notify_all();
}

Result<std::string> WriterRunner::Impl::CurrentWmd(const WriterEvent& event) {
  Result<WriterMetadata> wmd = Guarded(
      [&]() -> Result<WriterMetadata> { return writer_.OnIdentify(event); });
  if (!wmd.ok()) return wmd.status();
  // The registration must name the same writer as its WMD: the identity is
  // the writer object's, whatever OnIdentify filled in.
  WriterIdentity& id = wmd->identity;
  id.writer_id = writer_.identity().writer_id;
  id.instance_id = writer_.identity().instance_id;
  id.writer_name = writer_.identity().writer_name;
  id.instance_name = writer_.identity().instance_name;
  return SaveWmd(*wmd);
}

Status WriterRunner::Impl::Connection(bool& registered) {
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      "unix:" + options_.socket, grpc::InsecureChannelCredentials());
  // In short slices, so that Stop() is not kept waiting for the socket.
  const auto give_up = Clock::now() + options_.connect_timeout;
  while (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                    kConnectSlice)) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
    }
    if (Clock::now() >= give_up) {
      return Status(Code::kUnavailable,
                    "shadowportd does not answer on unix:" + options_.socket);
    }
  }
  std::unique_ptr<wpb::Writers::Stub> stub = wpb::Writers::NewStub(channel);

  WriterEvent identify;
  identify.kind = WriterEventKind::kIdentify;
  identify.deadline = Clock::now() + kRegistrationIdentifyBudget;
  Result<std::string> wmd_xml = CurrentWmd(identify);
  if (!wmd_xml.ok()) {
    return std::move(wmd_xml).status().WithContext("the writer's WMD");
  }

  grpc::ClientContext context;  // no deadline: the stream lives with us
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Ok();
    context_ = &context;
    queue_.clear();
  }
  auto stream = stub->Connect(&context);

  wpb::WriterMessage hello;
  wpb::Registration* r = hello.mutable_registration();
  const WriterIdentity& me = writer_.identity();
  r->set_writer_id(me.writer_id.ToString());
  r->set_instance_id(me.instance_id.ToString());
  r->set_writer_name(me.writer_name);
  r->set_instance_name(me.instance_name);
  r->set_wmd_xml(*wmd_xml);
  wpb::WriterEvent first;
  const bool accepted = stream->Write(hello) && stream->Read(&first) &&
                        first.kind() == wpb::WriterEvent::REGISTERED;
  Status ended;
  if (accepted) {
    registered = true;
    options_.log("registered with shadowportd on unix:" + options_.socket);
    if (options_.on_registered) options_.on_registered();

    std::thread reader([&] {
      wpb::WriterEvent event;
      while (stream->Read(&event)) {
        std::lock_guard lock(mu_);
        queue_.push_back(Item{event});
        cv_.notify_all();
      }
      std::lock_guard lock(mu_);
      queue_.push_back(Item{std::nullopt});
      cv_.notify_all();
    });
    while (true) {
      Item item;
      {
        std::unique_lock lock(mu_);
        auto ready = [this] { return !queue_.empty(); };
        if (in_flight_ && in_flight_->frozen) {
          cv_.wait_until(lock, in_flight_->freeze_deadline, ready);
        } else {
          cv_.wait(lock, ready);
        }
        // Checked before every item, so a busy queue cannot hold the
        // application past the window either.
        if (FreezeWindowOver()) {
          lock.unlock();
          AbortOnOwn("THAW did not come within the freeze window");
          continue;
        }
        if (queue_.empty()) continue;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!item.event) break;  // the stream ended
      std::optional<wpb::WriterMessage> answer = Handle(*item.event);
      if (answer && !stream->Write(*answer)) {
        options_.log("could not answer event " +
                     std::to_string(item.event->event_id()) +
                     ": the stream broke");
      }
    }
    if (in_flight_) {
      AbortOnOwn("the stream to shadowportd ended during a snapshot");
    }
    stream->WritesDone();
    reader.join();
  } else {
    stream->WritesDone();
  }
  const grpc::Status status = stream->Finish();
  ended =
      array::rpc::FromGrpcStatus(status, context.GetServerTrailingMetadata());
  if (!accepted && ended.ok()) {
    ended = Status(Code::kWriterInfrastructure,
                   "shadowportd ended the stream without accepting the "
                   "registration");
  }
  {
    std::lock_guard lock(mu_);
    context_ = nullptr;
  }
  if (!accepted) options_.log("registration refused: " + ended.ToString());
  return ended;
}

void WriterRunner::Impl::AbortOnOwn(std::string_view why) {
  if (!in_flight_) return;
  WriterEvent abort;
  abort.kind = WriterEventKind::kAbort;
  abort.session_id = in_flight_->session_id;
  abort.snapshot_set_id = in_flight_->snapshot_set_id;
  abort.context = in_flight_->context;
  abort.volumes = in_flight_->volumes;
  abort.deadline = Clock::now() + kRegistrationIdentifyBudget;
  if (in_flight_->frozen) thawed_on_own_ = in_flight_->session_id;
  in_flight_.reset();
  const Status status = Guarded([&] { return writer_.OnAbort(abort); });
  options_.log(std::string(why) + ": aborted on its own (OnAbort)" +
               (status.ok() ? "" : ", which failed: " + status.ToString()));
}

std::optional<wpb::WriterMessage> WriterRunner::Impl::Handle(
    const wpb::WriterEvent& proto) {
  if (proto.kind() == wpb::WriterEvent::REGISTERED) return std::nullopt;
  Result<WriterEvent> event = writer::FromProto(proto, Clock::now());
  if (!event.ok()) {
    options_.log("event " + std::to_string(proto.event_id()) + ": " +
                 event.status().ToString());
    return writer::ReplyFor(
        proto.event_id(),
        Status(Code::kWriterNonRetryable, event.status().ToString()));
  }
  wpb::WriterMessage answer;
  // Guarded again: the BCD and WMD saving around the callbacks too.
  Status outcome =
      Guarded([&] { return Dispatch(*event, *answer.mutable_reply()); });
  wpb::WriterMessage reply = writer::ReplyFor(proto.event_id(), outcome);
  if (outcome.ok()) {
    reply.mutable_reply()->set_wmd_xml(answer.reply().wmd_xml());
    reply.mutable_reply()->set_bcd_xml(answer.reply().bcd_xml());
  } else {
    options_.log(std::string(WriterEventKindName(event->kind)) +
                 " failed: " + outcome.ToString());
  }
  if (Clock::now() > event->deadline) {
    options_.log(std::string(WriterEventKindName(event->kind)) +
                 " answered after its deadline; the service ignores it");
  }
  return reply;
}

Status WriterRunner::Impl::Dispatch(WriterEvent& event,
                                    wpb::EventReply& reply) {
  // The BCD goes back where the writer may change its components.
  auto with_bcd = [&](Status status) -> Status {
    if (!status.ok() || !event.has_bcd) return status;
    Result<std::string> xml = SaveBcd(event.bcd);
    if (!xml.ok()) {
      return Status(
          Code::kWriterNonRetryable,
          "the writer's BCD changes do not save: " + xml.status().ToString());
    }
    reply.set_bcd_xml(*xml);
    return status;
  };
  switch (event.kind) {
    case WriterEventKind::kIdentify: {
      Result<std::string> wmd = CurrentWmd(event);
      if (!wmd.ok()) return wmd.status();
      reply.set_wmd_xml(*wmd);
      return Status::Ok();
    }
    case WriterEventKind::kPrepareForBackup:
      thawed_on_own_.reset();
      return with_bcd(Guarded([&] { return writer_.OnPrepareBackup(event); }));
    case WriterEventKind::kPrepareForSnapshot:
      // A sequence left over (its session never finished it): ended first.
      if (in_flight_) AbortOnOwn("a new snapshot sequence starts");
      in_flight_ = InFlight::Of(event);
      return Guarded([&] { return writer_.OnPrepareSnapshot(event); });
    case WriterEventKind::kFreeze: {
      Status status = Guarded([&] { return writer_.OnFreeze(event); });
      if (status.ok()) {
        if (!in_flight_ || in_flight_->session_id != event.session_id) {
          in_flight_ = InFlight::Of(event);
        }
        in_flight_->frozen = true;
        in_flight_->freeze_deadline = event.deadline;
      }
      return status;
    }
    case WriterEventKind::kThaw:
      if (in_flight_ && in_flight_->session_id == event.session_id) {
        in_flight_->frozen = false;
      } else if (thawed_on_own_ == event.session_id) {
        return Status(Code::kWriterTimeout,
                      "THAW came after the freeze window ended; the writer "
                      "had already thawed");
      }
      return Guarded([&] { return writer_.OnThaw(event); });
    case WriterEventKind::kPostSnapshot: {
      Status status =
          with_bcd(Guarded([&] { return writer_.OnPostSnapshot(event); }));
      if (in_flight_ && in_flight_->session_id == event.session_id) {
        in_flight_.reset();
      }
      return status;
    }
    case WriterEventKind::kAbort:
      if (OtherSessionMidSequence(event)) {
        options_.log("Abort of session " + event.session_id.ToString() +
                     " not passed on: the snapshot of session " +
                     in_flight_->session_id.ToString() + " is in progress");
        return Status::Ok();
      }
      in_flight_.reset();
      return Guarded([&] { return writer_.OnAbort(event); });
    case WriterEventKind::kBackupComplete:
      return Guarded([&] { return writer_.OnBackupComplete(event); });
    case WriterEventKind::kBackupShutdown:
      if (OtherSessionMidSequence(event)) {
        options_.log("BackupShutdown of session " +
                     event.session_id.ToString() +
                     " not passed on: the snapshot of session " +
                     in_flight_->session_id.ToString() + " is in progress");
        return Status::Ok();
      }
      // A session that ends in the middle of its sequence: abort it first.
      if (in_flight_) AbortOnOwn("the session ended during its snapshot");
      return Guarded([&] { return writer_.OnBackupShutdown(event); });
    case WriterEventKind::kPreRestore:
      return Guarded([&] { return writer_.OnPreRestore(event); });
    case WriterEventKind::kPostRestore:
      return Guarded([&] { return writer_.OnPostRestore(event); });
  }
  return Status(Code::kWriterNonRetryable, "unknown event");
}

WriterRunner::WriterRunner(Writer& writer, WriterRunOptions options)
    : impl_(std::make_unique<Impl>(writer, std::move(options))) {}
WriterRunner::~WriterRunner() = default;

Status WriterRunner::Run() { return impl_->Run(); }
void WriterRunner::Stop() { impl_->Stop(); }

}  // namespace sp
