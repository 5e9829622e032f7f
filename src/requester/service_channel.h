// The gRPC side of the requester library: a channel to shadowportd's Unix
// socket, unary calls with a deadline and the exact status, and the session
// stream with request/response matching by call id.
//
// Thread safety: a SessionStream belongs to one thread; unary calls may be
// made from any thread.
#ifndef SHADOWPORT_REQUESTER_SERVICE_CHANNEL_H_
#define SHADOWPORT_REQUESTER_SERVICE_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "service.grpc.pb.h"
#include "shadowport/status.h"

namespace sp::requester {

namespace pb = ::shadowport::service::v1;

inline constexpr std::chrono::seconds kUnaryDeadline{60};
inline constexpr std::chrono::seconds kConnectDeadline{5};

class ServiceConnection {
 public:
  // Connects (waits up to kConnectDeadline): SP_E_UNAVAILABLE when the
  // service does not answer on `socket`.
  static Result<std::unique_ptr<ServiceConnection>> Open(
      const std::string& socket);

  pb::Shadowport::Stub& stub() { return *stub_; }
  const std::string& socket() const { return socket_; }

  // Runs one unary call with kUnaryDeadline and the exact status.
  Status Call(std::string_view method,
              const std::function<grpc::Status(grpc::ClientContext*)>& invoke);

 private:
  ServiceConnection(std::string socket, std::shared_ptr<grpc::Channel> channel);

  const std::string socket_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Shadowport::Stub> stub_;
};

class SessionStream {
 public:
  explicit SessionStream(ServiceConnection* connection);
  ~SessionStream();  // closes the stream (the service ends the session)

  // Sends `request` (its call_id is set here) and waits for its response;
  // events (call_id 0) that arrive meanwhile are queued. The response's
  // error becomes the Status; SP_E_UNAVAILABLE if the stream broke.
  Result<pb::SessionResponse> Call(pb::SessionRequest request);

  // Closes the sending side and waits for the service to end the stream.
  void Close();
  bool closed() const { return closed_; }

  // Events the service sent on its own, oldest first.
  std::deque<pb::SessionResponse>& events() { return events_; }

 private:
  ServiceConnection* const connection_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<pb::SessionRequest, pb::SessionResponse>>
      stream_;
  uint64_t next_call_id_ = 1;
  bool closed_ = false;
  std::deque<pb::SessionResponse> events_;
};

}  // namespace sp::requester

#endif  // SHADOWPORT_REQUESTER_SERVICE_CHANNEL_H_
