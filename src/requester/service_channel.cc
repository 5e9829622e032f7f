#include "requester/service_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <utility>

#include "array/rpc/status_codec.h"
#include "service/proto_convert.h"

namespace sp::requester {

Result<std::unique_ptr<ServiceConnection>> ServiceConnection::Open(
    const std::string& socket) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 kConnectDeadline)) {
    return Status(Code::kUnavailable,
                  "shadowportd does not answer on unix:" + socket +
                      " (is it running, and may this user open the socket?)");
  }
  return std::unique_ptr<ServiceConnection>(
      new ServiceConnection(socket, std::move(channel)));
}

ServiceConnection::ServiceConnection(std::string socket,
                                     std::shared_ptr<grpc::Channel> channel)
    : socket_(std::move(socket)),
      channel_(std::move(channel)),
      stub_(pb::Shadowport::NewStub(channel_)) {}

Status ServiceConnection::Call(
    std::string_view method,
    const std::function<grpc::Status(grpc::ClientContext*)>& invoke) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
  const grpc::Status status = invoke(&context);
  const auto& trailers = context.GetServerTrailingMetadata();
  Status result = array::rpc::FromGrpcStatus(status, trailers);
  if (!status.ok() && trailers.find("shadowport-code") == trailers.end()) {
    result.WithContext(std::string(method) + " on unix:" + socket_);
  }
  return result;
}

SessionStream::SessionStream(ServiceConnection* connection)
    : connection_(connection), stream_(connection->stub().Session(&context_)) {}

SessionStream::~SessionStream() { Close(); }

void SessionStream::Close() {
  if (closed_) return;
  closed_ = true;
  stream_->WritesDone();
  pb::SessionResponse ignored;
  while (stream_->Read(&ignored)) {
  }
  grpc::Status status = stream_->Finish();
  (void)status;  // the session's end has no outcome to report here
}

Result<pb::SessionResponse> SessionStream::Call(pb::SessionRequest request) {
  if (closed_) {
    return Status(Code::kBadState, "the session with shadowportd has ended");
  }
  const uint64_t id = next_call_id_++;
  request.set_call_id(id);
  if (!stream_->Write(request)) {
    return Status(Code::kUnavailable,
                  "the session stream to shadowportd on unix:" +
                      connection_->socket() + " broke");
  }
  pb::SessionResponse response;
  while (stream_->Read(&response)) {
    if (response.call_id() == 0) {
      events_.push_back(std::move(response));
      continue;
    }
    if (response.call_id() != id) continue;  // a stale answer
    if (response.has_error()) {
      // A success with information (VSS_S_*) stays in the response.
      Status status = service::FromProtoError(response.error());
      if (!status.ok()) return status;
    }
    return response;
  }
  return Status(Code::kUnavailable, "shadowportd ended the session (unix:" +
                                        connection_->socket() + ")");
}

}  // namespace sp::requester
