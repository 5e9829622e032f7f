// RpcServer: a running gRPC server for the array's service, listening on a
// Unix socket, on TCP with TLS, or both. Used by shadowport-arrayd and by
// the tests, so both exercise the same listener setup.
//
// Unix socket: created by gRPC (its mode follows the process umask; the
// daemon sets 0077 so the socket is never open wider than intended), then
// chmod'ed to `socket_mode` and, if `socket_group` is set, chgrp'ed to it.
// A stale socket at the path is removed; a live one (another daemon answers
// on it) or a file that is not a socket is refused with
// VSS_E_OBJECT_ALREADY_EXISTS.
//
// TCP: TLS only, with the server's certificate and key, requiring and
// verifying a client certificate against `tls_client_ca_file` (the
// authenticator then matches its common name). A TCP address without the
// three TLS files is E_INVALIDARG: the array never serves TCP in clear.
//
// Thread safety: Shutdown() may be called from any thread, more than once
// (later calls return at once).
#ifndef SHADOWPORT_ARRAY_RPC_SERVER_H_
#define SHADOWPORT_ARRAY_RPC_SERVER_H_

#include <grpcpp/server.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace sp::array::rpc {

struct ListenOptions {
  std::string unix_socket;  // absolute path; empty: no Unix listener
  mode_t socket_mode = 0660;
  std::optional<gid_t> socket_group;  // default: the process's group

  std::string tcp_address;         // "HOST:PORT" (port 0: any); empty: no TCP
  std::string tls_cert_file;       // server certificate chain (PEM)
  std::string tls_key_file;        // its private key (PEM)
  std::string tls_client_ca_file;  // CA that signs the hosts' certificates
};

// The id of group `name` (for ListenOptions::socket_group):
// VSS_E_OBJECT_NOT_FOUND when there is no such group.
Result<gid_t> GroupIdOf(const std::string& name);

class RpcServer {
 public:
  // Starts serving `service` (which must outlive the server). At least one
  // listener is required.
  static Result<std::unique_ptr<RpcServer>> Start(const ListenOptions& options,
                                                  grpc::Service* service);
  // Several services on the same listeners (shadowportd: requesters and
  // writers on one socket).
  static Result<std::unique_ptr<RpcServer>> Start(
      const ListenOptions& options,
      const std::vector<grpc::Service*>& services);
  ~RpcServer();  // Shutdown(0) if not done

  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // The TCP port bound (useful with port 0); 0 without TCP.
  int tcp_port() const { return tcp_port_; }

  // Stops accepting calls, lets running ones finish for up to `grace`, then
  // cancels the rest; returns when every handler returned. Removes the
  // socket file.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  RpcServer(std::unique_ptr<grpc::Server> server, std::string unix_socket,
            int tcp_port)
      : server_(std::move(server)),
        unix_socket_(std::move(unix_socket)),
        tcp_port_(tcp_port) {}

  std::unique_ptr<grpc::Server> server_;
  const std::string unix_socket_;
  const int tcp_port_;
  std::mutex mu_;
  bool shut_down_ = false;  // guarded by mu_
};

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_SERVER_H_
