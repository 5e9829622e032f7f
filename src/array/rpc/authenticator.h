// Authenticator: decides who a gRPC call comes from, for grpc_service.cc.
//
// A call authenticates with request metadata (metadata.h): a host sends
// shadowport-host and shadowport-credential, checked by
// Array::Authenticate(); the administrator sends shadowport-admin-token,
// compared in constant time with the daemon's token. Sending both, neither,
// or a key twice is refused.
//
// The transport adds a second factor. A call over the Unix socket (peer
// "unix:...") is guarded by the socket's file permissions. Any other call
// must come over TLS with a client certificate the server verified against
// its client CA, and the certificate's common name must equal the host name
// the call claims (the admin's: AuthPolicy::admin_common_name). A TCP call
// without a verified certificate is refused even with a good credential, so
// a listener misconfigured without TLS serves nobody.
//
// Every refusal returns SP_E_UNAUTHENTICATED and is logged at warning level
// with the method, the peer address and the host name the call claimed
// (escaped and cut to 64 bytes); never with a credential or token.
//
// Thread safety: Authenticate() may be called concurrently (the Array
// serializes itself; the rest is read-only).
#ifndef SHADOWPORT_ARRAY_RPC_AUTHENTICATOR_H_
#define SHADOWPORT_ARRAY_RPC_AUTHENTICATOR_H_

#include <grpcpp/server_context.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "array/array.h"
#include "array/rpc/defaults.h"
#include "array/rpc/logger.h"
#include "shadowport/status.h"

namespace sp::array::rpc {

// The common name of the verified TLS client certificate of the call, if
// the call came over TLS with one (and the name is not empty). Shared by the
// array's authenticator and shadowportd's peer channel.
std::optional<std::string> VerifiedPeerCommonName(
    const grpc::ServerContext& context);

struct AuthPolicy {
  // The admin token; empty refuses every admin call.
  std::string admin_token;
  // The common name the admin's TLS client certificate must carry.
  std::string admin_common_name = kDefaultAdminCommonName;
};

class Authenticator {
 public:
  // `array` and `logger` must outlive the Authenticator.
  Authenticator(Array* array, AuthPolicy policy, Logger* logger)
      : array_(array), policy_(std::move(policy)), logger_(logger) {}

  // The caller of the call `context` belongs to, or SP_E_UNAUTHENTICATED
  // (logged). `method` names the call in the log.
  Result<Caller> Authenticate(const grpc::ServerContext& context,
                              std::string_view method) const;

  const AuthPolicy& policy() const { return policy_; }

 private:
  Status Refuse(const grpc::ServerContext& context, std::string_view method,
                std::string_view claimed, std::string_view reason) const;

  Array* const array_;
  const AuthPolicy policy_;
  Logger* const logger_;
};

// True when `peer` (grpc::ServerContext::peer()) is a Unix socket.
bool IsLocalPeer(std::string_view peer);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_AUTHENTICATOR_H_
