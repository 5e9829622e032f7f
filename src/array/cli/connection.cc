// The admin CLI's connection options and how they become an ArrayClient.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>

#include "array/cli/commands.h"
#include "array/rpc/admin_token.h"

namespace sp::array::cli {

void AddConnectionOptions(CLI::App& app, Connection& c) {
  const char* group = "Connection";
  // The last occurrence wins, so a wrapper's defaults can be overridden.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--socket", c.socket, "the daemon's Unix socket")
      ->capture_default_str()
      ->group(group);
  app.add_option("--address", c.address,
                 "HOST:PORT of the daemon's TLS listener (instead of "
                 "--socket); needs --tls-ca, --tls-cert and --tls-key")
      ->group(group);
  app.add_option("--tls-ca", c.tls_ca,
                 "CA certificate that signed the daemon's certificate")
      ->group(group);
  app.add_option("--tls-cert", c.tls_cert,
                 "the admin's client certificate (CN shadowport-admin)")
      ->group(group);
  app.add_option("--tls-key", c.tls_key, "its private key")->group(group);
  app.add_option("--tls-server-name", c.tls_server_name,
                 "name to expect in the daemon's certificate (default: the "
                 "host of --address)")
      ->group(group);
  app.add_option("--admin-token-file", c.admin_token_file,
                 "the daemon's admin token")
      ->capture_default_str()
      ->group(group);
  app.add_option("--timeout", c.timeout_seconds,
                 "deadline of each call to the daemon, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0))
      ->group(group);
}

Result<std::unique_ptr<rpc::ArrayClient>> Connect(const Connection& c) {
  rpc::ClientOptions options;
  if (c.address.empty()) {
    options.target = "unix:" + c.socket;
  } else {
    options.target = c.address;
    options.tls_ca_file = c.tls_ca;
    options.tls_cert_file = c.tls_cert;
    options.tls_key_file = c.tls_key;
    options.tls_server_name = c.tls_server_name;
  }
  options.deadline = std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(c.timeout_seconds * 1000)));
  SP_ASSIGN_OR_RETURN(options.admin_token,
                      rpc::ReadAdminToken(c.admin_token_file));
  return rpc::ArrayClient::Create(options);
}

}  // namespace sp::array::cli
