// The configuration of shadowport-arrayd: a TOML file
// (packaging/arrayd.toml.example lists every key; docs/array.md explains
// them). Unknown keys and tables are refused, so a typo cannot silently
// leave a default in place; paths must be absolute.
//
// Thread safety: values and pure functions (LoadConfig reads one file).
#ifndef SHADOWPORT_ARRAY_DAEMON_CONFIG_H_
#define SHADOWPORT_ARRAY_DAEMON_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "array/rpc/defaults.h"
#include "array/rpc/logger.h"
#include "shadowport/status.h"

namespace sp::array::daemon {

struct DaemonConfig {
  std::string pool_dir;  // required
  uint64_t free_space_floor_bytes = 1ull << 30;
  uint32_t snapshot_reserve_percent = 10;
  std::chrono::seconds abandoned_set_timeout{900};
  std::string admin_token_file = rpc::kDefaultAdminTokenFile;
  rpc::LogLevel log_level = rpc::LogLevel::kInfo;
  std::chrono::milliseconds shutdown_grace{5000};

  // [listen]
  std::string socket = rpc::kDefaultSocket;  // "" disables the Unix socket
  std::string socket_group;                  // "" keeps the daemon's group
  std::string tcp;                           // "HOST:PORT"; "" disables TCP

  // [tls], required with tcp.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string admin_common_name = rpc::kDefaultAdminCommonName;
};

// Parses `text` (named `source` in errors). E_INVALIDARG, with the line and
// key, for bad TOML, unknown or mistyped keys, missing pool_dir, relative
// paths, tcp without the three TLS files, or no listener at all.
Result<DaemonConfig> ParseConfig(std::string_view text,
                                 std::string_view source);

// Reads and parses `path` (errors as FromErrno's, then ParseConfig's).
Result<DaemonConfig> LoadConfig(const std::string& path);

}  // namespace sp::array::daemon

#endif  // SHADOWPORT_ARRAY_DAEMON_CONFIG_H_
