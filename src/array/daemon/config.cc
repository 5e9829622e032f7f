#include "array/daemon/config.h"

#include <toml++/toml.h>

#include <optional>
#include <set>
#include <utility>

#include "array/rpc/files.h"
#include "array/rpc/size_text.h"

namespace sp::array::daemon {
namespace {

// Reads the keys of one table, remembering which it used so that Finish()
// can refuse the others.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix,
              std::string_view source)
      : table_(table), prefix_(std::move(prefix)), source_(source) {}

  Status String(const std::string& key, std::string* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    std::optional<std::string> value = node->value<std::string>();
    if (!value || !node->is_string()) return Bad(*node, key, "a string");
    *out = std::move(*value);
    return Status::Ok();
  }

  Status Path(const std::string& key, std::string* out) {
    SP_RETURN_IF_ERROR(String(key, out));
    if (!out->empty() && out->front() != '/') {
      return Bad(*table_.get(key), key, "an absolute path");
    }
    return Status::Ok();
  }

  // An integer number of bytes, or a size text ("1G").
  Status Size(const std::string& key, uint64_t* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    if (const auto* i = node->as_integer()) {
      if (i->get() < 0) return Bad(*node, key, "a size of 0 or more bytes");
      *out = static_cast<uint64_t>(i->get());
      return Status::Ok();
    }
    if (const auto* s = node->as_string()) {
      Result<uint64_t> size = rpc::ParseSize(s->get());
      if (!size.ok()) {
        return Bad(*node, key, "a size such as 1073741824 or \"1G\"");
      }
      *out = *size;
      return Status::Ok();
    }
    return Bad(*node, key, "a size such as 1073741824 or \"1G\"");
  }

  Status Integer(const std::string& key, int64_t min, int64_t max,
                 int64_t* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    const auto* i = node->as_integer();
    if (i == nullptr || i->get() < min || i->get() > max) {
      return Bad(*node, key,
                 "an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
    }
    *out = i->get();
    return Status::Ok();
  }

  // The sub-table `key`, or nullptr if absent (an error if not a table).
  Result<const toml::table*> Table(const std::string& key) {
    const toml::node* node = Use(key);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table()) return Bad(*node, key, "a table");
    return node->as_table();
  }

  Status Finish() const {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        return Status(Code::kInvalidArg, Where(node) + "unknown key \"" +
                                             prefix_ + std::string(key.str()) +
                                             "\"");
      }
    }
    return Status::Ok();
  }

 private:
  const toml::node* Use(const std::string& key) {
    used_.insert(key);
    return table_.get(key);
  }

  std::string Where(const toml::node& node) const {
    return std::string(source_) + ":" +
           std::to_string(node.source().begin.line) + ": ";
  }

  Status Bad(const toml::node& node, const std::string& key,
             const std::string& expected) const {
    return Status(Code::kInvalidArg,
                  Where(node) + prefix_ + key + " must be " + expected);
  }

  const toml::table& table_;
  const std::string prefix_;
  const std::string_view source_;
  std::set<std::string> used_;
};

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
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Status(Code::kInvalidArg, std::string(source) + ":" +
                                         std::to_string(e.source().begin.line) +
                                         ": " + std::string(e.description()));
  }

  DaemonConfig config;
  TableReader root(table, "", source);
  SP_RETURN_IF_ERROR(root.Path("pool_dir", &config.pool_dir));
  SP_RETURN_IF_ERROR(
      root.Size("free_space_floor", &config.free_space_floor_bytes));
  int64_t reserve = config.snapshot_reserve_percent;
  SP_RETURN_IF_ERROR(
      root.Integer("snapshot_reserve_percent", 0, 1000, &reserve));
  config.snapshot_reserve_percent = static_cast<uint32_t>(reserve);
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
