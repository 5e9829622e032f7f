// The Connect stream of proto/writer.proto: registration, the sender thread
// and the writer's answers (writer_manager_impl.h describes the threads).
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "array/rpc/status_codec.h"
#include "service/writer_manager_impl.h"
#include "shadowport/documents.h"

namespace sp::service {
namespace {

constexpr std::string_view kWriterErrorPrefix = "VSS_E_WRITERERROR_";

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Guid> ParseId(const std::string& text, std::string_view what) {
  Result<Guid> id = Guid::Parse(text);
  if (!id.ok() || id->IsNull()) {
    return Status(Code::kInvalidArg, "registration: " + std::string(what) +
                                         " \"" + text.substr(0, 64) +
                                         "\" is not a GUID");
  }
  return id;
}

// A WMD a writer sent, loaded and checked against its registration.
Status CheckWmd(const std::string& xml, const Guid& writer_id,
                const Guid& instance_id) {
  Result<WriterMetadata> wmd = LoadWmd(xml);
  if (!wmd.ok()) return std::move(wmd).status();
  if (wmd->identity.writer_id != writer_id ||
      wmd->identity.instance_id != instance_id) {
    return Status(Code::kInvalidXmlDocument,
                  "the WMD identifies writer " +
                      wmd->identity.writer_id.ToString() + " instance " +
                      wmd->identity.instance_id.ToString() +
                      ", not the one registering");
  }
  return Status::Ok();
}

// The failure a writer reported: only VSS writer error names are taken as
// they are; anything else is VSS_E_WRITERERROR_NONRETRYABLE.
Code FailureCode(const std::string& name) {
  if (name.starts_with(kWriterErrorPrefix)) {
    if (std::optional<Code> code = CodeFromName(name)) return *code;
  }
  return Code::kWriterNonRetryable;
}

}  // namespace

grpc::Status WriterManagerImpl::Connect(grpc::ServerContext* context,
                                        WriterStream* stream) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) {
      return array::rpc::ReplyStatus(
          Status(Code::kUnavailable, "shadowportd is stopping"), context);
    }
    handlers_.insert(context);
  }
  grpc::Status result = grpc::Status::OK;
  wpb::WriterMessage message;
  if (stream->Read(&message)) {
    Result<std::shared_ptr<WriterConnection>> registered =
        Register(context, message);
    if (!registered.ok()) {
      result = array::rpc::ReplyStatus(registered.status(), context);
    } else {
      std::shared_ptr<WriterConnection> conn = std::move(registered).value();
      std::thread sender(
          [this, &conn, stream] { SenderLoop(conn.get(), stream); });
      while (stream->Read(&message)) {
        // A second registration is meaningless and ignored.
        if (message.has_reply()) OnReply(conn, message.reply());
      }
      Close(conn);
      sender.join();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  handlers_.erase(context);
  cv_.notify_all();
  return result;
}

Result<std::shared_ptr<WriterConnection>> WriterManagerImpl::Register(
    grpc::ServerContext* context, const wpb::WriterMessage& first) {
  if (!first.has_registration()) {
    return Status(Code::kInvalidArg,
                  "the first message of a writer stream must be its "
                  "registration");
  }
  const wpb::Registration& r = first.registration();
  SP_ASSIGN_OR_RETURN(Guid writer_id, ParseId(r.writer_id(), "writer_id"));
  SP_ASSIGN_OR_RETURN(Guid instance_id,
                      ParseId(r.instance_id(), "instance_id"));
  if (r.writer_name().empty()) {
    return Status(Code::kInvalidArg, "registration: writer_name is empty");
  }
  // Outside the lock: loading a large WMD takes a while.
  Status wmd = CheckWmd(r.wmd_xml(), writer_id, instance_id);
  if (!wmd.ok()) {
    return std::move(wmd).WithContext("registration of writer \"" +
                                      r.writer_name() + "\"");
  }

  auto conn = std::make_shared<WriterConnection>();
  WriterStatus& s = conn->status;
  s.writer_id = writer_id;
  s.instance_id = instance_id;
  s.writer_name = r.writer_name();
  s.instance_name = r.instance_name();
  s.state = WriterState::kStable;
  s.wmd_xml = r.wmd_xml();
  s.connected_us = NowMicros();
  conn->context = context;

  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) {
    return Status(Code::kUnavailable, "shadowportd is stopping");
  }
  if (writers_.contains(instance_id)) {
    return Status(Code::kWriterAlreadySubscribed,
                  Describe(s) + " is already connected");
  }
  writers_.emplace(instance_id, conn);
  wpb::WriterEvent welcome;
  welcome.set_kind(wpb::WriterEvent::REGISTERED);
  conn->outbox.emplace_back(std::move(welcome), std::nullopt);
  cv_.notify_all();
  return conn;
}

void WriterManagerImpl::SenderLoop(WriterConnection* conn,
                                   WriterStream* stream) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return conn->closed || !conn->outbox.empty(); });
    if (conn->closed) return;
    auto [event, deadline] = std::move(conn->outbox.front());
    conn->outbox.pop_front();
    if (deadline) {
      // The time left, as the writer must count it from receipt.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - Clock::now());
      event.set_deadline_ms(
          static_cast<uint32_t>(std::max<int64_t>(left.count(), 0)));
    }
    conn->writing = true;
    lock.unlock();
    const bool written = stream->Write(event);
    lock.lock();
    conn->writing = false;
    cv_.notify_all();
    if (!written) {
      // The stream is broken; make sure the reader notices too.
      if (!conn->closed) conn->context->TryCancel();
      return;
    }
  }
}

void WriterManagerImpl::OnReply(const std::shared_ptr<WriterConnection>& conn,
                                const wpb::EventReply& reply) {
  WriterEvent event;
  Guid writer_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conn->pending.find(reply.event_id());
    // Unknown, or answered already, or late: ignored.
    if (it == conn->pending.end() || it->second.done) return;
    if (Clock::now() > it->second.deadline) {
      if (!it->second.waited) conn->pending.erase(it);
      return;
    }
    event = it->second.event;
    writer_id = conn->status.writer_id;
  }

  EventOutcome outcome;
  outcome.instance_id = conn->status.instance_id;  // constant once registered
  std::string app_message = reply.app_message();
  if (!reply.ok()) {
    outcome.status =
        Status(FailureCode(reply.failure_code()),
               "failed at " + std::string(WriterEventName(event)) +
                   (app_message.empty() ? "" : ": " + app_message));
  } else if (event == WriterEvent::kIdentify && !reply.wmd_xml().empty()) {
    Status wmd = CheckWmd(reply.wmd_xml(), writer_id, outcome.instance_id);
    if (wmd.ok()) {
      outcome.wmd_xml = reply.wmd_xml();
    } else {
      app_message = "its WMD was refused: " + wmd.ToString();
      outcome.status = Status(Code::kWriterNonRetryable,
                              "failed at Identify: " + app_message);
    }
  }
  if (reply.ok() && (event == WriterEvent::kPrepareForBackup ||
                     event == WriterEvent::kPostSnapshot)) {
    outcome.bcd_xml = reply.bcd_xml();
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto it = conn->pending.find(reply.event_id());
  if (it == conn->pending.end() || it->second.done) return;  // timed out
  if (!outcome.status.ok()) {
    outcome.status =
        Status(outcome.status.code(),
               Describe(conn->status) + " " + outcome.status.message());
  }
  if (event == WriterEvent::kIdentify && outcome.status.ok()) {
    if (outcome.wmd_xml.empty()) {
      outcome.wmd_xml = conn->status.wmd_xml;
    } else {
      conn->status.wmd_xml = outcome.wmd_xml;
    }
  }
  ApplyLocked(*conn, event, outcome.status, app_message);
  if (!it->second.waited) {
    conn->pending.erase(it);
  } else {
    it->second.outcome = std::move(outcome);
    it->second.done = true;
  }
  cv_.notify_all();
}

void WriterManagerImpl::Close(const std::shared_ptr<WriterConnection>& conn) {
  std::lock_guard<std::mutex> lock(mu_);
  conn->closed = true;
  // A Write blocked on a writer that stopped reading ends with the call.
  if (conn->writing) conn->context->TryCancel();
  auto it = writers_.find(conn->status.instance_id);
  if (it != writers_.end() && it->second == conn) writers_.erase(it);
  for (auto& [id, pending] : conn->pending) {
    if (pending.done) continue;
    pending.outcome = FailLocked(*conn, pending.event, Code::kWriterRetryable,
                                 "left (its stream ended)");
    pending.done = true;
  }
  std::erase_if(conn->pending,
                [](const auto& entry) { return !entry.second.waited; });
  cv_.notify_all();
}

}  // namespace sp::service
