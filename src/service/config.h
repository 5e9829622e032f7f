// The configuration of shadowportd: a TOML file (packaging/shadowportd.toml
// .example lists every key; docs/service.md explains them). Unknown keys and
// tables are refused; paths must be absolute.
//
// Thread safety: values and pure functions.
#ifndef SHADOWPORT_SERVICE_CONFIG_H_
#define SHADOWPORT_SERVICE_CONFIG_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "array/rpc/logger.h"
#include "core/host_name.h"
#include "shadowport/status.h"

namespace sp::service {

inline constexpr char kDefaultConfigFile[] = "/etc/shadowport/shadowportd.toml";
inline constexpr char kDefaultSocket[] = "/run/shadowport/shadowportd.sock";
inline constexpr char kDefaultStateDir[] = "/var/lib/shadowport";
inline constexpr char kDefaultFreezer[] =
    "/usr/libexec/shadowport/shadowport-freezer";

struct ArrayProviderConfig {
  bool enabled = false;
  std::string target;  // "unix:/run/shadowport-array/arrayd.sock" or HOST:PORT
  std::string credential_file;  // the host's credential (AddHost), 0600
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  std::chrono::milliseconds deadline{10000};
};

// [peer]: the channel between the shadowportd of two hosts (proto/peer.proto,
// docs/service.md "Peers"): gRPC over TCP with mutual TLS. This host's
// certificate (CN = host, also as a DNS SAN) serves both ways: as the
// listener's server certificate and as the client certificate of the calls
// it makes.
struct PeerConfig {
  std::string listen;    // "HOST:PORT" (TLS); "" = no peer listener
  std::string tls_cert;  // this host's certificate (PEM)
  std::string tls_key;   // its private key
  std::string tls_ca;    // the CA that signs the peers' certificates
  std::chrono::milliseconds deadline{10000};  // of each call to a peer
};

struct ServiceConfig {
  std::string host;     // this host's name (at the array too); required
  std::string cluster;  // "" = no cluster
  std::string state_dir = kDefaultStateDir;
  std::string socket = kDefaultSocket;
  std::string socket_group;  // "" = root only (0600)
  array::rpc::LogLevel log_level = array::rpc::LogLevel::kInfo;
  std::chrono::milliseconds shutdown_grace{5000};

  // [snapshots]
  // Flush (syncfs + FIFREEZE) and hold (frozen -> thawed) bounds; VSS's
  // flush-and-hold window is 10 s.
  std::chrono::milliseconds flush_timeout{10000};
  std::chrono::milliseconds hold_timeout{10000};
  std::string freezer = kDefaultFreezer;
  // Hosts (or "cluster:NAME") that may import transportable sets when the
  // requester names none.
  std::vector<std::string> default_importers;
  // Filesystems holding these paths are never frozen (besides "/", the
  // state directory, the socket's directory and the freezer program).
  std::vector<std::string> never_freeze;

  // [import]
  // Imported snapshots are exposed (mounted read-only) under
  // <exposure_root>/<set-id>/<volume>.
  std::string exposure_root = "/run/shadowport/sets";

  // [writers]
  std::chrono::milliseconds writer_event_timeout{60000};
  std::chrono::milliseconds writer_freeze_timeout{60000};

  // [providers.array]
  ArrayProviderConfig array;

  // [peer] and [peers]: host name -> "HOST:PORT" of its peer listener.
  PeerConfig peer;
  std::map<std::string, std::string> peers;

  // Every path whose filesystem must never be frozen.
  std::vector<std::string> ProtectedPaths() const;
};

// E_INVALIDARG with the source, line and key for bad TOML, unknown keys,
// relative paths, a missing host, an array provider without target or
// credential file, a peer listener or [peers] without the three TLS files,
// an address that is not HOST:PORT, or a peer name that is not a host name.
Result<ServiceConfig> ParseServiceConfig(std::string_view text,
                                         std::string_view source);
Result<ServiceConfig> LoadServiceConfig(const std::string& path);

// A host name as the array takes it (core/host_name.h).
using ::sp::IsValidHostName;
// "HOST:PORT" or "[IPV6]:PORT" with a port from `min_port` to 65535.
bool IsValidHostPort(std::string_view address, int min_port);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_CONFIG_H_
