// shadowport-arrayd: the embedded storage array's daemon.
//
//   shadowport-arrayd [--config FILE]
//
// Loads the TOML config (config.h), creates the admin token at first start
// (rpc/admin_token.h), opens the pool (Array::Open: refuses a pool that
// cannot reflink), serves proto/array.proto on the Unix socket and/or TCP
// with TLS (rpc/server.h), and on SIGTERM or SIGINT stops accepting calls,
// lets running ones finish (shutdown_grace_ms) and exits 0. Logs go to
// stderr, one line per event, with "<N>" priorities when stderr is the
// journal (rpc/logger.h).
//
// Refusing to start exits with the code table's exit code of the failure
// (docs/errors.md), after one "error" line naming it; usage errors exit 2.
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "array/array.h"
#include "array/daemon/config.h"
#include "array/rpc/admin_token.h"
#include "array/rpc/defaults.h"
#include "array/rpc/grpc_service.h"
#include "array/rpc/logger.h"
#include "array/rpc/server.h"
#include "os/pool_filesystem.h"

namespace sp::array::daemon {
namespace {

constexpr int kUsageExitCode = 2;

std::string Listeners(const DaemonConfig& config, int tcp_port) {
  std::string out;
  if (!config.socket.empty()) out += "unix:" + config.socket;
  if (!config.tcp.empty()) {
    if (!out.empty()) out += " and ";
    out += config.tcp + " (TLS, port " + std::to_string(tcp_port) + ")";
  }
  return out;
}

// Runs the daemon until SIGTERM/SIGINT. REQUIRES: those signals are blocked
// in every thread (main() does it before any thread exists).
Status Serve(const DaemonConfig& config, rpc::Logger& logger,
             const sigset_t& stop_signals) {
  SP_ASSIGN_OR_RETURN(std::string admin_token,
                      rpc::LoadOrCreateAdminToken(config.admin_token_file));

  rpc::ListenOptions listen;
  listen.unix_socket = config.socket;
  listen.socket_mode = 0660;
  if (!config.socket_group.empty()) {
    SP_ASSIGN_OR_RETURN(listen.socket_group,
                        rpc::GroupIdOf(config.socket_group));
  }
  listen.tcp_address = config.tcp;
  listen.tls_cert_file = config.tls_cert;
  listen.tls_key_file = config.tls_key;
  listen.tls_client_ca_file = config.tls_client_ca;

  std::unique_ptr<os::PoolFilesystem> fs = os::MakePoolFilesystem();
  ArrayOptions options;
  options.pool_dir = config.pool_dir;
  options.free_space_floor_bytes = config.free_space_floor_bytes;
  options.snapshot_reserve_percent = config.snapshot_reserve_percent;
  options.abandoned_set_timeout = config.abandoned_set_timeout;
  // Crash-recovery tests only: the array SIGKILLs itself at this point
  // (src/array/faults.h lists them). Never set in production.
  if (const char* crash_at = std::getenv("SHADOWPORT_ARRAYD_CRASH_AT")) {
    options.crash_at = crash_at;
  }
  options.audit = [&logger](std::string_view line) {
    logger.Warning("audit: " + std::string(line));
  };
  // Its errors name the pool (e.g. "... is on ext4, which cannot reflink").
  SP_ASSIGN_OR_RETURN(std::unique_ptr<Array> array,
                      Array::Open(options, fs.get()));

  rpc::AuthPolicy policy;
  policy.admin_token = std::move(admin_token);
  policy.admin_common_name = config.admin_common_name;
  rpc::GrpcService service(array.get(), std::move(policy), &logger);
  SP_ASSIGN_OR_RETURN(std::unique_ptr<rpc::RpcServer> server,
                      rpc::RpcServer::Start(listen, &service));
  logger.Notice("serving pool " + config.pool_dir + " on " +
                Listeners(config, server->tcp_port()));

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  logger.Notice(std::string("stopping on ") + strsignal(signal_number) +
                "; letting running calls finish");
  server->Shutdown(config.shutdown_grace);
  server.reset();
  array.reset();
  logger.Notice("stopped");
  return Status::Ok();
}

int Run(int argc, char** argv) {
  std::string config_file = rpc::kDefaultConfigFile;
  CLI::App app("shadowport-arrayd: the embedded storage array",
               "shadowport-arrayd");
  app.set_version_flag("--version", SP_VERSION);
  app.add_option("--config", config_file, "the TOML configuration file")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageExitCode;
  }

  // Nothing the daemon creates (socket, token, catalogue, LUN files) is for
  // anyone else; the socket is opened up to 0660 explicitly.
  umask(0077);

  // Block the stop signals before gRPC starts threads, so only sigwait()
  // sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  rpc::RouteGrpcLogsToStderr();
  const bool journal = rpc::StderrLogger::StderrIsJournal();
  Result<DaemonConfig> config = LoadConfig(config_file);
  if (!config.ok()) {
    rpc::StderrLogger(rpc::LogLevel::kError, journal)
        .Error("cannot start: " + config.status().ToString());
    return config.status().info().exit_code;
  }
  rpc::StderrLogger logger(config->log_level, journal);
  const Status status = Serve(*config, logger, stop_signals);
  if (!status.ok()) {
    logger.Error("cannot start: " + status.ToString());
    return status.info().exit_code;
  }
  return 0;
}

}  // namespace
}  // namespace sp::array::daemon

int main(int argc, char** argv) {
  // Exceptions are bugs (STYLE.md); report one as E_UNEXPECTED, not abort.
  try {
    return sp::array::daemon::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error shadowport-arrayd: internal error: " << e.what()
              << '\n';
  } catch (...) {
    std::cerr << "error shadowport-arrayd: internal error\n";
  }
  return sp::InfoOf(sp::Code::kInternal).exit_code;
}
