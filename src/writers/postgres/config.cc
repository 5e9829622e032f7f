#include "writers/postgres/config.h"

#include <libpq-fe.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

// Header-only apart from TableReader::Size, which this file does not use.
#include "array/rpc/toml_reader.h"
#include "shadowport/path_translation.h"

namespace sp::postgres {
namespace {

using array::rpc::TableReader;

bool IsValidInstanceName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return name != "." && name != "..";
}

// A path that is absolute and already normalized (no "..", "//", "./").
Status CheckPath(std::string_view source, std::string_view key,
                 const std::string& path, bool required) {
  if (path.empty()) {
    if (!required) return Status::Ok();
    return Status(Code::kInvalidArg, std::string(source) + ": " +
                                         std::string(key) + " is required");
  }
  Result<std::string> normal = NormalizeAbsolutePath(path);
  if (!normal.ok() || *normal != path || path == "/") {
    return Status(Code::kInvalidArg,
                  std::string(source) + ": " + std::string(key) +
                      " must be an absolute, normalized path other than /"
                      " (no \"..\", \"//\" or trailing '/'): " +
                      QuotedPath(path));
  }
  return Status::Ok();
}

Status CheckConninfo(std::string_view source, const std::string& conninfo) {
  if (conninfo.empty()) {
    return Status(Code::kInvalidArg,
                  std::string(source) + ": conninfo is required");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Status(Code::kInvalidArg,
                  std::string(source) + ": conninfo is not valid: " + why);
  }
  PQconninfoFree(options);
  return Status::Ok();
}

}  // namespace

Result<WriterConfig> ParseConfig(std::string_view text,
                                 std::string_view source) {
  SP_ASSIGN_OR_RETURN(toml::table table,
                      array::rpc::ParseTomlText(text, source));
  WriterConfig config;
  TableReader r(table, "", source);
  std::string instance_id;
  int64_t connect_timeout_ms = config.connect_timeout.count();
  SP_RETURN_IF_ERROR(r.String("instance_name", &config.instance_name));
  SP_RETURN_IF_ERROR(r.String("conninfo", &config.conninfo));
  SP_RETURN_IF_ERROR(r.String("data_directory", &config.data_directory));
  SP_RETURN_IF_ERROR(r.String("wal_archive", &config.wal_archive));
  SP_RETURN_IF_ERROR(r.String("instance_id", &instance_id));
  SP_RETURN_IF_ERROR(r.String("socket", &config.socket));
  SP_RETURN_IF_ERROR(
      r.Integer("connect_timeout_ms", 100, 600'000, &connect_timeout_ms));
  SP_RETURN_IF_ERROR(r.Bool("fast_checkpoint", &config.fast_checkpoint));
  SP_RETURN_IF_ERROR(r.Finish());
  config.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);

  if (!IsValidInstanceName(config.instance_name)) {
    return Status(Code::kInvalidArg,
                  std::string(source) +
                      ": instance_name is required: 1-64 characters of "
                      "[A-Za-z0-9._-]");
  }
  SP_RETURN_IF_ERROR(CheckConninfo(source, config.conninfo));
  SP_RETURN_IF_ERROR(
      CheckPath(source, "data_directory", config.data_directory, true));
  SP_RETURN_IF_ERROR(
      CheckPath(source, "wal_archive", config.wal_archive, false));
  SP_RETURN_IF_ERROR(CheckPath(source, "socket", config.socket, true));
  if (!config.wal_archive.empty() &&
      (config.wal_archive == config.data_directory ||
       config.wal_archive.starts_with(config.data_directory + "/"))) {
    // Inside PGDATA the archive would be copied as cluster data, and a
    // restored cluster would carry the old archive within itself.
    return Status(Code::kInvalidArg,
                  std::string(source) +
                      ": wal_archive must not lie inside data_directory");
  }
  if (!instance_id.empty()) {
    Result<Guid> id = Guid::Parse(instance_id);
    if (!id.ok() || id->IsNull()) {
      return Status(Code::kInvalidArg,
                    std::string(source) +
                        ": instance_id must be a GUID other than the null "
                        "one, \"{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}\"");
    }
    config.instance_id = *id;
  }
  return config;
}

Result<WriterConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(Code::kObjectNotFound,
                  "cannot read the configuration " + QuotedPath(path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (size_t{1} << 20)) {
    return Status(Code::kInvalidArg, "the configuration " + QuotedPath(path) +
                                         " is larger than 1 MiB");
  }
  return ParseConfig(text.str(), path);
}

Guid DeriveInstanceId(std::string_view data_directory) {
  return Guid::FromName(*Guid::Parse(kWriterClassId), data_directory);
}

Guid InstanceIdOf(const WriterConfig& config) {
  return config.instance_id.IsNull() ? DeriveInstanceId(config.data_directory)
                                     : config.instance_id;
}

}  // namespace sp::postgres
