#include "array/rpc/server.h"

#include <grp.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "array/rpc/files.h"

namespace sp::array::rpc {
namespace {

// True when something accepts connections on the socket at `path`.
bool SocketIsLive(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool live =
      connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return live;
}

// Makes way for a new socket at `path`: removes a stale one.
Status PrepareSocketPath(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return Status(Code::kInvalidArg,
                  "socket path \"" + path + "\" is empty or too long");
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return FromErrno(errno, "checking " + path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status(Code::kObjectAlreadyExists,
                  path + " exists and is not a socket");
  }
  if (SocketIsLive(path)) {
    return Status(Code::kObjectAlreadyExists,
                  "another server is listening on " + path);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return FromErrno(errno, "removing the stale socket " + path);
  }
  return Status::Ok();
}

Result<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const ListenOptions& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty() ||
      options.tls_client_ca_file.empty()) {
    return Status(Code::kInvalidArg,
                  "TCP listener " + options.tcp_address +
                      " needs a TLS certificate, key and client CA");
  }
  grpc::SslServerCredentialsOptions ssl(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  SP_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                      ReadSmallFile(options.tls_client_ca_file));
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  SP_ASSIGN_OR_RETURN(pair.private_key, ReadSmallFile(options.tls_key_file));
  SP_ASSIGN_OR_RETURN(pair.cert_chain, ReadSmallFile(options.tls_cert_file));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

Result<gid_t> GroupIdOf(const std::string& name) {
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  const int rc =
      getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0) return FromErrno(rc, "looking up group " + name);
  if (found == nullptr) {
    return Status(Code::kObjectNotFound, "no group named \"" + name + "\"");
  }
  return found->gr_gid;
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(
    const ListenOptions& options, grpc::Service* service) {
  return Start(options, std::vector<grpc::Service*>{service});
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(
    const ListenOptions& options, const std::vector<grpc::Service*>& services) {
  if (options.unix_socket.empty() && options.tcp_address.empty()) {
    return Status(Code::kInvalidArg, "no listener: no socket, no TCP address");
  }
  grpc::ServerBuilder builder;
  for (grpc::Service* service : services) builder.RegisterService(service);
  if (!options.unix_socket.empty()) {
    SP_RETURN_IF_ERROR(PrepareSocketPath(options.unix_socket));
    builder.AddListeningPort("unix:" + options.unix_socket,
                             grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!options.tcp_address.empty()) {
    SP_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> tls,
                        TlsCredentials(options));
    builder.AddListeningPort(options.tcp_address, tls, &tcp_port);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return Status(Code::kIoError,
                  "cannot listen on " +
                      (options.unix_socket.empty()
                           ? std::string()
                           : "unix:" + options.unix_socket + " ") +
                      options.tcp_address +
                      " (address in use, bad address or bad TLS files?)");
  }
  if (!options.tcp_address.empty() && tcp_port == 0) {
    server->Shutdown();
    return Status(Code::kIoError, "cannot listen on " + options.tcp_address);
  }
  auto rpc = std::unique_ptr<RpcServer>(
      new RpcServer(std::move(server), options.unix_socket, tcp_port));
  if (!options.unix_socket.empty()) {
    const char* path = options.unix_socket.c_str();
    if (options.socket_group &&
        chown(path, static_cast<uid_t>(-1), *options.socket_group) != 0) {
      return FromErrno(errno, "setting the group of " + options.unix_socket);
    }
    if (chmod(path, options.socket_mode) != 0) {
      return FromErrno(errno, "setting the mode of " + options.unix_socket);
    }
  }
  return rpc;
}

RpcServer::~RpcServer() { Shutdown(std::chrono::milliseconds(0)); }

void RpcServer::Shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  if (!unix_socket_.empty()) unlink(unix_socket_.c_str());
}

}  // namespace sp::array::rpc
