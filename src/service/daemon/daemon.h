// The body of shadowportd (main.cc parses the command line and the config):
// builds the service from its configuration and serves until a stop signal.
//
// Thread safety: called once, from main().
#ifndef SHADOWPORT_SERVICE_DAEMON_DAEMON_H_
#define SHADOWPORT_SERVICE_DAEMON_DAEMON_H_

#include <signal.h>

#include <string>

#include "array/rpc/logger.h"
#include "service/config.h"
#include "shadowport/status.h"

namespace sp::service::daemon {

// REQUIRES: the stop signals are blocked in every thread.
Status Serve(const ServiceConfig& config, const std::string& crash_at,
             array::rpc::Logger& logger, const sigset_t& stop_signals);

}  // namespace sp::service::daemon

#endif  // SHADOWPORT_SERVICE_DAEMON_DAEMON_H_
