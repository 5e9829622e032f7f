#include "service/peer/peer_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <utility>

#include "array/rpc/files.h"
#include "array/rpc/metadata.h"
#include "array/rpc/status_codec.h"
#include "peer.grpc.pb.h"

namespace sp::service::peer {
namespace {

namespace pb = ::shadowport::peer::v1;

Result<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const PeerClientOptions& options) {
  if (options.tls_ca_file.empty() || options.tls_cert_file.empty() ||
      options.tls_key_file.empty()) {
    return Status(Code::kInvalidArg,
                  "the peer channel needs peer.tls_cert, peer.tls_key and "
                  "peer.tls_ca");
  }
  grpc::SslCredentialsOptions ssl;
  SP_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                      array::rpc::ReadSmallFile(options.tls_ca_file));
  SP_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                      array::rpc::ReadSmallFile(options.tls_cert_file));
  SP_ASSIGN_OR_RETURN(ssl.pem_private_key,
                      array::rpc::ReadSmallFile(options.tls_key_file));
  return grpc::SslCredentials(ssl);
}

}  // namespace

PeerClientOptions PeerClientOptions::FromConfig(const PeerConfig& config) {
  PeerClientOptions options;
  options.tls_cert_file = config.tls_cert;
  options.tls_key_file = config.tls_key;
  options.tls_ca_file = config.tls_ca;
  options.deadline = config.deadline;
  return options;
}

Status PeerClient::SendBackupDone(const std::string& address,
                                  const std::string& server_name,
                                  const Guid& set_id,
                                  const std::string& bcd_xml,
                                  bool succeeded) const {
  const std::string peer = "peer " + server_name + " at " + address;
  if (address.empty() || server_name.empty()) {
    return Status(Code::kInvalidArg,
                  "BackupDone: no address or name for " + peer);
  }
  if (options_.deadline.count() <= 0) {
    return Status(Code::kInvalidArg, "the peer call deadline must be positive");
  }
  Result<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      TlsCredentials(options_);
  if (!credentials.ok()) {
    return std::move(credentials).status().WithContext("BackupDone to " + peer);
  }
  grpc::ChannelArguments args;
  // The name the server's certificate must carry: the peer's host name,
  // whatever address it is reached at.
  args.SetSslTargetNameOverride(server_name);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, *credentials, args);
  if (channel == nullptr) {
    return Status(Code::kInvalidArg, "bad address of " + peer);
  }
  std::unique_ptr<pb::Peer::Stub> stub = pb::Peer::NewStub(channel);

  pb::BackupDoneRequest request;
  request.set_snapshot_set_id(set_id.ToString());
  request.set_bcd_xml(bcd_xml);
  request.set_succeeded(succeeded);
  pb::BackupDoneResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  const grpc::Status status = stub->BackupDone(&context, request, &response);
  const array::rpc::Trailers& trailers = context.GetServerTrailingMetadata();
  Status result = array::rpc::FromGrpcStatus(status, trailers);
  if (!status.ok() && trailers.find(array::rpc::kCodeKey) == trailers.end()) {
    // The transport failed, not the peer's service.
    return std::move(result).WithContext("BackupDone to " + peer);
  }
  if (!result.ok()) {
    return std::move(result).WithContext(peer + " refused BackupDone");
  }
  return result;
}

}  // namespace sp::service::peer
