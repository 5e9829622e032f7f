#include "service/daemon/daemon.h"

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "array/rpc/client.h"
#include "array/rpc/files.h"
#include "array/rpc/server.h"
#include "os/file_util.h"
#include "providers/array/array_provider.h"
#include "providers/provider_registry.h"
#include "service/grpc_service.h"
#include "service/inventory.h"
#include "service/peer/peer_server.h"
#include "service/service.h"
#include "service/system.h"
#include "service/writer_manager.h"
#include "shadowport/encoding.h"

namespace sp::service::daemon {
namespace {

std::string Trim(std::string text) {
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

Result<std::unique_ptr<providers::Provider>> MakeArrayProvider(
    const ServiceConfig& config) {
  array::rpc::ClientOptions options;
  options.target = config.array.target;
  options.tls_ca_file = config.array.tls_ca;
  options.tls_cert_file = config.array.tls_cert;
  options.tls_key_file = config.array.tls_key;
  options.tls_server_name = config.array.tls_server_name;
  options.deadline = config.array.deadline;
  options.host = config.host;
  SP_ASSIGN_OR_RETURN(std::string credential,
                      array::rpc::ReadSmallFile(config.array.credential_file));
  options.credential = Trim(std::move(credential));
  SP_ASSIGN_OR_RETURN(std::unique_ptr<array::rpc::ArrayClient> client,
                      array::rpc::ArrayClient::Create(options));
  return std::unique_ptr<providers::Provider>(
      std::make_unique<providers::ArrayProvider>(std::move(client)));
}

}  // namespace

Status Serve(const ServiceConfig& config, const std::string& crash_at,
             array::rpc::Logger& logger, const sigset_t& stop_signals) {
  SP_RETURN_IF_ERROR(os::MakeDirectories(config.state_dir, 0700));
  SP_RETURN_IF_ERROR(
      os::MakeDirectories(os::ParentDirectory(config.socket), 0755));
  SP_ASSIGN_OR_RETURN(std::unique_ptr<Inventory> inventory,
                      Inventory::Open(config.state_dir));

  providers::ProviderRegistry providers;
  if (config.array.enabled) {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<providers::Provider> array,
                        MakeArrayProvider(config));
    logger.Info("provider array " + array->id().ToString() + " at " +
                config.array.target);
    SP_RETURN_IF_ERROR(providers.Add(std::move(array)));
  }

  WriterManagerOptions writer_options;
  writer_options.event_timeout = config.writer_event_timeout;
  writer_options.freeze_to_thaw = config.writer_freeze_timeout;
  std::unique_ptr<WriterManager> writers =
      WriterManager::Create(writer_options);
  std::unique_ptr<System> system =
      MakeRealSystem(config.ProtectedPaths(), config.freezer);

  ServiceDeps deps;
  deps.config = &config;
  deps.providers = &providers;
  deps.inventory = inventory.get();
  deps.writers = writers.get();
  deps.system = system.get();
  deps.logger = &logger;
  deps.crash_at = crash_at;
  Service service(deps);
  SP_ASSIGN_OR_RETURN(int cleaned, service.ReconcileAtStart());
  if (cleaned > 0) {
    logger.Notice("cleaned up " + std::to_string(cleaned) +
                  " snapshot sets left by the last run");
  }
  // Snapshot LUNs surfaced here that no import holds (a crash mid-import).
  Result<std::vector<std::string>> swept = service.Cleanup();
  if (!swept.ok()) {
    logger.Error("cleanup at start failed (run `shadowport cleanup` later): " +
                 swept.status().ToString());
  }

  array::rpc::ListenOptions listen;
  listen.unix_socket = config.socket;
  listen.socket_mode = 0600;
  if (!config.socket_group.empty()) {
    listen.socket_mode = 0660;
    SP_ASSIGN_OR_RETURN(listen.socket_group,
                        array::rpc::GroupIdOf(config.socket_group));
  }
  ShadowportService requesters(&service, NowUtcMicros());
  SP_ASSIGN_OR_RETURN(
      std::unique_ptr<array::rpc::RpcServer> server,
      array::rpc::RpcServer::Start(listen, {&requesters, writers->service()}));
  logger.Notice("shadowportd for host " + config.host +
                " serving on unix:" + config.socket);

  // The peer channel: its own listener, TCP with mutual TLS only, serving
  // only the Peer service (the requester and writer services never go on
  // TCP).
  peer::PeerService peers(&service);
  std::unique_ptr<array::rpc::RpcServer> peer_server;
  if (!config.peer.listen.empty()) {
    array::rpc::ListenOptions peer_listen;
    peer_listen.tcp_address = config.peer.listen;
    peer_listen.tls_cert_file = config.peer.tls_cert;
    peer_listen.tls_key_file = config.peer.tls_key;
    peer_listen.tls_client_ca_file = config.peer.tls_ca;
    Result<std::unique_ptr<array::rpc::RpcServer>> started =
        array::rpc::RpcServer::Start(peer_listen, &peers);
    if (!started.ok()) {
      server->Shutdown(config.shutdown_grace);
      writers->Shutdown();
      return std::move(started).status().WithContext("[peer] listen " +
                                                     config.peer.listen);
    }
    peer_server = std::move(*started);
    logger.Notice("peer channel on " + config.peer.listen + " (TLS, port " +
                  std::to_string(peer_server->tcp_port()) + ")");
  }

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  logger.Notice(std::string("stopping on ") + strsignal(signal_number) +
                "; letting running calls finish");
  // No more done-signals; then sessions end as their streams are cancelled
  // (deleting their auto-release sets, telling their writers); then the
  // writers' streams.
  if (peer_server) peer_server->Shutdown(config.shutdown_grace);
  server->Shutdown(config.shutdown_grace);
  writers->Shutdown();
  server.reset();
  logger.Notice("stopped");
  return Status::Ok();
}

}  // namespace sp::service::daemon
