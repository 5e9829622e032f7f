// shadowportd: the shadowport service of one host (the VSS service).
//
//   shadowportd [--config FILE]
//
// Loads the TOML config (service/config.h), opens the inventory in the state
// directory, connects the configured providers, cleans up what the last run
// left (ReconcileAtStart: VSS deletes non-persistent sets at restart and
// aborts half-made ones), then serves proto/service.proto (requesters) and
// proto/writer.proto (writers) on one Unix socket, 0600 or 0660 with
// socket_group. On SIGTERM or SIGINT it stops accepting calls, lets running
// ones finish (shutdown_grace_ms), ends every session (deleting their
// auto-release sets) and exits 0.
//
// Refusing to start exits with the code table's exit code (docs/errors.md);
// usage errors exit 2.
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

#include "service/config.h"
#include "service/daemon/daemon.h"

namespace sp::service::daemon {
namespace {

constexpr int kUsageExitCode = 2;

int Run(int argc, char** argv) {
  std::string config_file = kDefaultConfigFile;
  CLI::App app("shadowportd: the shadowport service of this host",
               "shadowportd");
  app.set_version_flag("--version", SP_VERSION);
  app.add_option("--config", config_file, "the TOML configuration file")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageExitCode;
  }

  umask(0077);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  array::rpc::RouteGrpcLogsToStderr();
  const bool journal = array::rpc::StderrLogger::StderrIsJournal();
  Result<ServiceConfig> config = LoadServiceConfig(config_file);
  if (!config.ok()) {
    array::rpc::StderrLogger(array::rpc::LogLevel::kError, journal)
        .Error("cannot start: " + config.status().ToString());
    return config.status().info().exit_code;
  }
  array::rpc::StderrLogger logger(config->log_level, journal);
  std::string crash_at;
  // Crash tests only: the daemon SIGKILLs itself at this point
  // (service.h, ServiceDeps::crash_at). Never set in production.
  if (const char* value = std::getenv("SHADOWPORTD_CRASH_AT")) crash_at = value;
  const Status status = Serve(*config, crash_at, logger, stop_signals);
  if (!status.ok()) {
    logger.Error("cannot start: " + status.ToString());
    return status.info().exit_code;
  }
  return 0;
}

}  // namespace
}  // namespace sp::service::daemon

int main(int argc, char** argv) {
  try {
    return sp::service::daemon::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error shadowportd: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "error shadowportd: internal error\n";
  }
  return sp::InfoOf(sp::Code::kInternal).exit_code;
}
