#include "array/daemon/config.h"

#include <toml++/toml.h>

#include <optional>
#include <set>
#include <utility>

#include "array/rpc/files.h"
#include "array/rpc/size_text.h"
#include "array/rpc/toml_reader.h"

namespace sp::array::daemon {
namespace {

using rpc::ParseTomlText;
using rpc::TableReader;

// "HOST:PORT" with PORT 1-65535 (gRPC itself would wrap a larger one).
bool ValidTcpAddress(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

Result<DaemonConfig> ParseConfig(std::string_view text,
                                 std::string_view source) {
  SP_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source));

  DaemonConfig config;
  TableReader root(table, "", source);
  SP_RETURN_IF_ERROR(root.Path("pool_dir", &config.pool_dir));
  SP_RETURN_IF_ERROR(
      root.Size("free_space_floor", &config.free_space_floor_bytes));
  int64_t reserve = config.snapshot_reserve_percent;
  SP_RETURN_IF_ERROR(
      root.Integer("snapshot_reserve_percent", 0, 1000, &reserve));
  config.snapshot_reserve_percent = static_cast<uint32_t>(reserve);
  int64_t abandoned_s = config.abandoned_set_timeout.count();
  SP_RETURN_IF_ERROR(
      root.Integer("abandoned_set_timeout_s", 60, 86'400, &abandoned_s));
  config.abandoned_set_timeout = std::chrono::seconds(abandoned_s);
  SP_RETURN_IF_ERROR(root.Path("admin_token_file", &config.admin_token_file));
  std::string level(rpc::LogLevelName(config.log_level));
  SP_RETURN_IF_ERROR(root.String("log_level", &level));
  std::optional<rpc::LogLevel> log_level = rpc::LogLevelFromName(level);
  if (!log_level) {
    return Status(Code::kInvalidArg,
                  std::string(source) + ": log_level \"" + level +
                      "\" is not one of error, warning, notice, info, debug");
  }
  config.log_level = *log_level;
  int64_t grace_ms = config.shutdown_grace.count();
  SP_RETURN_IF_ERROR(root.Integer("shutdown_grace_ms", 0, 600'000, &grace_ms));
  config.shutdown_grace = std::chrono::milliseconds(grace_ms);

  SP_ASSIGN_OR_RETURN(const toml::table* listen, root.Table("listen"));
  if (listen != nullptr) {
    TableReader r(*listen, "listen.", source);
    SP_RETURN_IF_ERROR(r.Path("socket", &config.socket));
    SP_RETURN_IF_ERROR(r.String("socket_group", &config.socket_group));
    SP_RETURN_IF_ERROR(r.String("tcp", &config.tcp));
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_ASSIGN_OR_RETURN(const toml::table* tls, root.Table("tls"));
  if (tls != nullptr) {
    TableReader r(*tls, "tls.", source);
    SP_RETURN_IF_ERROR(r.Path("cert", &config.tls_cert));
    SP_RETURN_IF_ERROR(r.Path("key", &config.tls_key));
    SP_RETURN_IF_ERROR(r.Path("client_ca", &config.tls_client_ca));
    SP_RETURN_IF_ERROR(
        r.String("admin_common_name", &config.admin_common_name));
    SP_RETURN_IF_ERROR(r.Finish());
  }
  SP_RETURN_IF_ERROR(root.Finish());

  const std::string where = std::string(source) + ": ";
  if (config.pool_dir.empty()) {
    return Status(Code::kInvalidArg, where + "pool_dir is required");
  }
  if (config.admin_token_file.empty()) {
    return Status(Code::kInvalidArg, where + "admin_token_file is empty");
  }
  if (config.socket.empty() && config.tcp.empty()) {
    return Status(Code::kInvalidArg,
                  where + "no listener: set listen.socket or listen.tcp");
  }
  if (!config.tcp.empty() && !ValidTcpAddress(config.tcp)) {
    return Status(Code::kInvalidArg, where + "listen.tcp \"" + config.tcp +
                                         "\" is not HOST:PORT (port 1-65535)");
  }
  if (!config.tcp.empty() &&
      (config.tls_cert.empty() || config.tls_key.empty() ||
       config.tls_client_ca.empty())) {
    return Status(Code::kInvalidArg,
                  where +
                      "listen.tcp needs tls.cert, tls.key and tls.client_ca "
                      "(the array never serves TCP in clear)");
  }
  if (config.admin_common_name.empty()) {
    return Status(Code::kInvalidArg, where + "tls.admin_common_name is empty");
  }
  return config;
}

Result<DaemonConfig> LoadConfig(const std::string& path) {
  SP_ASSIGN_OR_RETURN(std::string text, rpc::ReadSmallFile(path));
  return ParseConfig(text, path);
}

}  // namespace sp::array::daemon
