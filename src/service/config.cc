#include "service/config.h"

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <string>

#include "array/rpc/files.h"
#include "array/rpc/toml_reader.h"
#include "os/file_util.h"

namespace sp::service {
namespace {

using array::rpc::ParseTomlText;
using array::rpc::TableReader;

Status Millis(TableReader& r, const std::string& key, int64_t max_ms,
              std::chrono::milliseconds* out) {
  int64_t value = out->count();
  SP_RETURN_IF_ERROR(r.Integer(key, 1, max_ms, &value));
  *out = std::chrono::milliseconds(value);
  return Status::Ok();
}

Status ReadArray(const toml::table& table, std::string_view source,
                 ArrayProviderConfig* array) {
  TableReader r(table, "providers.array.", source);
  array->enabled = true;
  SP_RETURN_IF_ERROR(r.Bool("enabled", &array->enabled));
  SP_RETURN_IF_ERROR(r.String("target", &array->target));
  SP_RETURN_IF_ERROR(r.Path("credential_file", &array->credential_file));
  SP_RETURN_IF_ERROR(r.Path("tls_ca", &array->tls_ca));
  SP_RETURN_IF_ERROR(r.Path("tls_cert", &array->tls_cert));
  SP_RETURN_IF_ERROR(r.Path("tls_key", &array->tls_key));
  SP_RETURN_IF_ERROR(r.String("tls_server_name", &array->tls_server_name));
  SP_RETURN_IF_ERROR(Millis(r, "deadline_ms", 600'000, &array->deadline));
  SP_RETURN_IF_ERROR(r.Finish());
  const std::string where = std::string(source) + ": providers.array.";
  if (array->enabled && array->target.empty()) {
    return Status(Code::kInvalidArg, where + "target is required");
  }
  if (array->enabled && array->credential_file.empty()) {
    return Status(Code::kInvalidArg, where + "credential_file is required");
  }
  return Status::Ok();
}

Status ReadPeer(const toml::table& table, std::string_view source,
                PeerConfig* peer) {
  TableReader r(table, "peer.", source);
  SP_RETURN_IF_ERROR(r.String("listen", &peer->listen));
  SP_RETURN_IF_ERROR(r.Path("tls_cert", &peer->tls_cert));
  SP_RETURN_IF_ERROR(r.Path("tls_key", &peer->tls_key));
  SP_RETURN_IF_ERROR(r.Path("tls_ca", &peer->tls_ca));
  SP_RETURN_IF_ERROR(Millis(r, "deadline_ms", 600'000, &peer->deadline));
  SP_RETURN_IF_ERROR(r.Finish());
  const std::string where = std::string(source) + ": peer.";
  if (!peer->listen.empty() && !IsValidHostPort(peer->listen, 0)) {
    return Status(Code::kInvalidArg,
                  where + "listen \"" + peer->listen + "\" is not HOST:PORT");
  }
  return Status::Ok();
}

// [peers]: NAME = "HOST:PORT".
Status ReadPeers(const toml::table& table, std::string_view source,
                 std::map<std::string, std::string>* peers) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string where = std::string(source) + ":" +
                              std::to_string(node.source().begin.line) +
                              ": peers." + name;
    if (!IsValidHostName(name)) {
      return Status(Code::kInvalidArg,
                    where +
                        ": want a host name of 1-64 characters of "
                        "[A-Za-z0-9._-]");
    }
    const auto* address = node.as_string();
    if (address == nullptr || !IsValidHostPort(address->get(), 1)) {
      return Status(Code::kInvalidArg,
                    where + " must be a \"HOST:PORT\" address");
    }
    (*peers)[name] = address->get();
  }
  return Status::Ok();
}

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IsValidHostPort(std::string_view address, int min_port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (!IsDigits(port) || port.size() > 5) return false;
  const int number = std::stoi(std::string(port));
  if (number < min_port || number > 65535) return false;
  if (host.front() == '[') {  // [IPV6]
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    for (char c : host) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                       (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return false;
    }
    return true;
  }
  if (host.size() > 253) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> ServiceConfig::ProtectedPaths() const {
  std::vector<std::string> paths = {"/", state_dir, os::ParentDirectory(socket),
                                    freezer};
  paths.insert(paths.end(), never_freeze.begin(), never_freeze.end());
  return paths;
}

Result<ServiceConfig> ParseServiceConfig(std::string_view text,
                                         std::string_view source) {
  SP_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source));
  ServiceConfig config;
  TableReader root(table, "", source);
  SP_RETURN_IF_ERROR(root.String("host", &config.host));
  SP_RETURN_IF_ERROR(root.String("cluster", &config.cluster));
  SP_RETURN_IF_ERROR(root.Path("state_dir", &config.state_dir));
  SP_RETURN_IF_ERROR(root.Path("socket", &config.socket));
  SP_RETURN_IF_ERROR(root.String("socket_group", &config.socket_group));
  std::string level(array::rpc::LogLevelName(config.log_level));
  SP_RETURN_IF_ERROR(root.String("log_level", &level));
  std::optional<array::rpc::LogLevel> log_level =
      array::rpc::LogLevelFromName(level);
  if (!log_level) {
    return Status(Code::kInvalidArg,
                  std::string(source) + ": log_level \"" + level +
                      "\" is not one of error, warning, notice, info, debug");
  }
  config.log_level = *log_level;
  SP_RETURN_IF_ERROR(
      Millis(root, "shutdown_grace_ms", 600'000, &config.shutdown_grace));

  SP_ASSIGN_OR_RETURN(const toml::table* snapshots, root.Table("snapshots"));
  if (snapshots != nullptr) {
    TableReader r(*snapshots, "snapshots.", source);
    SP_RETURN_IF_ERROR(
        Millis(r, "flush_timeout_ms", 600'000, &config.flush_timeout));
    SP_RETURN_IF_ERROR(
        Millis(r, "hold_timeout_ms", 600'000, &config.hold_timeout));
    SP_RETURN_IF_ERROR(r.Path("freezer", &config.freezer));
    SP_RETURN_IF_ERROR(
        r.Strings("default_importers", &config.default_importers));
    SP_RETURN_IF_ERROR(r.Strings("never_freeze", &config.never_freeze));
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_ASSIGN_OR_RETURN(const toml::table* import, root.Table("import"));
  if (import != nullptr) {
    TableReader r(*import, "import.", source);
    SP_RETURN_IF_ERROR(r.Path("exposure_root", &config.exposure_root));
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_ASSIGN_OR_RETURN(const toml::table* writers, root.Table("writers"));
  if (writers != nullptr) {
    TableReader r(*writers, "writers.", source);
    SP_RETURN_IF_ERROR(
        Millis(r, "event_timeout_ms", 3'600'000, &config.writer_event_timeout));
    SP_RETURN_IF_ERROR(Millis(r, "freeze_timeout_ms", 3'600'000,
                              &config.writer_freeze_timeout));
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_ASSIGN_OR_RETURN(const toml::table* providers, root.Table("providers"));
  if (providers != nullptr) {
    TableReader r(*providers, "providers.", source);
    SP_ASSIGN_OR_RETURN(const toml::table* array, r.Table("array"));
    if (array != nullptr) {
      SP_RETURN_IF_ERROR(ReadArray(*array, source, &config.array));
    }
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_ASSIGN_OR_RETURN(const toml::table* peer, root.Table("peer"));
  if (peer != nullptr) {
    SP_RETURN_IF_ERROR(ReadPeer(*peer, source, &config.peer));
  }
  SP_ASSIGN_OR_RETURN(const toml::table* peers, root.Table("peers"));
  if (peers != nullptr) {
    SP_RETURN_IF_ERROR(ReadPeers(*peers, source, &config.peers));
  }
  SP_RETURN_IF_ERROR(root.Finish());

  const std::string where = std::string(source) + ": ";
  if (config.host.empty()) {
    return Status(Code::kInvalidArg, where + "host is required");
  }
  for (const std::string& path : config.never_freeze) {
    if (path.empty() || path.front() != '/') {
      std::string message = where + "snapshots.never_freeze \"";
      message += path + "\" is not absolute";
      return Status(Code::kInvalidArg, std::move(message));
    }
  }
  if (config.socket.empty()) {
    return Status(Code::kInvalidArg, where + "socket is empty");
  }
  // The peer channel is mutual TLS both ways: listening and calling a peer
  // need this host's certificate, its key and the peers' CA.
  const PeerConfig& p = config.peer;
  const bool tls =
      !p.tls_cert.empty() && !p.tls_key.empty() && !p.tls_ca.empty();
  if (!p.listen.empty() && !tls) {
    return Status(Code::kInvalidArg,
                  where +
                      "peer.listen needs peer.tls_cert, peer.tls_key "
                      "and peer.tls_ca");
  }
  if (!config.peers.empty() && !tls) {
    return Status(Code::kInvalidArg,
                  where +
                      "[peers] needs peer.tls_cert, peer.tls_key and "
                      "peer.tls_ca (the done-signal goes over mutual "
                      "TLS)");
  }
  return config;
}

Result<ServiceConfig> LoadServiceConfig(const std::string& path) {
  SP_ASSIGN_OR_RETURN(std::string text, array::rpc::ReadSmallFile(path));
  return ParseServiceConfig(text, path);
}

}  // namespace sp::service
