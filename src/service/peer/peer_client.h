// PeerClient: the calls this host's shadowportd makes to another host's
// (proto/peer.proto, docs/service.md "Peers"), over TCP with mutual TLS:
// this host's certificate and key as the client certificate, and the peers'
// CA to verify the server. The server's certificate must carry the peer's
// host name (as a DNS subjectAltName, or as CN in a certificate without
// SANs: gRPC checks the name it is given as the SSL target name override);
// a certificate for another name, or from another CA, fails the handshake.
//
// Every call carries a deadline. A failure the peer sent comes back with its
// exact code (trailers, array::rpc::FromGrpcStatus); a transport failure
// (unreachable, handshake refused) is SP_E_UNAVAILABLE, a deadline passed
// SP_E_DEADLINE_EXCEEDED, both naming the peer and its address.
//
// The TLS files are read at each call, so renewed certificates are taken
// without a restart.
//
// Thread safety: all methods are const and may be called concurrently.
#ifndef SHADOWPORT_SERVICE_PEER_PEER_CLIENT_H_
#define SHADOWPORT_SERVICE_PEER_PEER_CLIENT_H_

#include <chrono>
#include <string>
#include <utility>

#include "service/config.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::service::peer {

struct PeerClientOptions {
  std::string tls_cert_file;  // this host's certificate (CN = host)
  std::string tls_key_file;   // its private key
  std::string tls_ca_file;    // the CA that signs the peers' certificates
  std::chrono::milliseconds deadline{10000};

  static PeerClientOptions FromConfig(const PeerConfig& config);
};

class PeerClient {
 public:
  explicit PeerClient(PeerClientOptions options)
      : options_(std::move(options)) {}

  // Step 8 -> 9: tells the peer `server_name` at `address` ("HOST:PORT")
  // that this host's backup of `set_id` finished; `bcd_xml` carries each
  // component's backup_succeeded. E_INVALIDARG when a TLS file is not
  // configured; a TLS file that cannot be read as sp::FromErrno.
  Status SendBackupDone(const std::string& address,
                        const std::string& server_name, const Guid& set_id,
                        const std::string& bcd_xml, bool succeeded) const;

 private:
  const PeerClientOptions options_;
};

}  // namespace sp::service::peer

#endif  // SHADOWPORT_SERVICE_PEER_PEER_CLIENT_H_
