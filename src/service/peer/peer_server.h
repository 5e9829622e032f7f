// PeerService: proto/peer.proto served by shadowportd on its peer listener
// ([peer] listen, docs/service.md "Peers"): the calls another host's
// shadowportd makes to this one. Served only over TCP with mutual TLS (the
// daemon starts a separate RpcServer for it whose client CA is
// [peer] tls_ca, so a certificate from another CA fails the handshake);
// never on the requesters' socket, and the requester and writer services
// are never served on the peer listener.
//
// The caller's identity is the common name of its verified client
// certificate, and nothing else from the call. A call without one is
// SP_E_UNAUTHENTICATED. Every refusal is logged at warning level with the
// peer address and the certificate's CN (cut to 64 bytes). Errors carry
// their exact code in the trailers (array::rpc::ReplyStatus).
//
// Thread safety: gRPC calls the handlers concurrently; the Service is
// thread-safe.
#ifndef SHADOWPORT_SERVICE_PEER_PEER_SERVER_H_
#define SHADOWPORT_SERVICE_PEER_PEER_SERVER_H_

#include <grpcpp/server_context.h>

#include <optional>
#include <string>
#include <string_view>

#include "peer.grpc.pb.h"
#include "service/service.h"
#include "shadowport/status.h"

namespace sp::service::peer {

class PeerService final : public ::shadowport::peer::v1::Peer::Service {
 public:
  // `service` must outlive the PeerService.
  explicit PeerService(::sp::service::Service* service) : service_(service) {}

  // Step 8 -> 9: Service::DeliverBackupDone with from_host = the caller's
  // certificate CN.
  grpc::Status BackupDone(
      grpc::ServerContext* context,
      const ::shadowport::peer::v1::BackupDoneRequest* request,
      ::shadowport::peer::v1::BackupDoneResponse* response) override;

 private:
  // Logs the refusal of `method` and replies with `status`.
  grpc::Status Refuse(grpc::ServerContext* context, std::string_view method,
                      std::string_view common_name, const Status& status);

  ::sp::service::Service* const service_;
};

}  // namespace sp::service::peer

#endif  // SHADOWPORT_SERVICE_PEER_PEER_SERVER_H_
