#include "writers/sqlite/sqlite_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "array/rpc/toml_reader.h"

namespace sp::writers::sqlite {
namespace {

using array::rpc::TableReader;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

Status Millis(TableReader& r, const std::string& key,
              std::chrono::milliseconds* out) {
  int64_t value = out->count();
  SP_RETURN_IF_ERROR(r.Integer(key, 100, 600'000, &value));
  *out = std::chrono::milliseconds(value);
  return Status::Ok();
}

Status ReadDatabase(const toml::table& table, std::string_view source, int line,
                    DatabaseConfig* db) {
  TableReader r(table, "database.", source);
  SP_RETURN_IF_ERROR(r.Path("path", &db->path));
  SP_RETURN_IF_ERROR(r.String("name", &db->name));
  SP_RETURN_IF_ERROR(r.Finish());
  const std::string where =
      std::string(source) + ":" + std::to_string(line) + ": database ";
  if (db->path.empty()) {
    return Status(Code::kInvalidArg, where + "needs a path");
  }
  if (db->path.back() == '/' || db->path.find("/../") != std::string::npos ||
      db->path.find("/./") != std::string::npos ||
      db->path.find("//") != std::string::npos || EndsWith(db->path, "/..") ||
      EndsWith(db->path, "/.")) {
    return Status(Code::kInvalidArg,
                  where + "path \"" + db->path +
                      "\" must be a normalized absolute path of a file");
  }
  for (std::string_view suffix : {"-wal", "-journal", "-shm"}) {
    if (EndsWith(db->path, suffix)) {
      return Status(Code::kInvalidArg,
                    where + "path \"" + db->path + "\" names SQLite's " +
                        std::string(suffix) +
                        " file: give the database file itself");
    }
  }
  if (db->name.empty()) db->name = db->path.substr(db->path.rfind('/') + 1);
  // A component name becomes part of a logical path ("\" separates levels)
  // and an XML attribute.
  for (char c : db->name) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return Status(Code::kInvalidArg,
                    where + "name \"" + db->name +
                        "\" must not contain '\\' or control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<SqliteWriterConfig> ParseSqliteWriterConfig(std::string_view text,
                                                   std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Status(Code::kInvalidArg, std::string(source) + ":" +
                                         std::to_string(e.source().begin.line) +
                                         ": " + std::string(e.description()));
  }
  SqliteWriterConfig config;
  TableReader r(root, "", source);
  SP_RETURN_IF_ERROR(r.String("instance_name", &config.instance_name));
  SP_RETURN_IF_ERROR(Millis(r, "lock_timeout_ms", &config.lock_timeout));
  SP_RETURN_IF_ERROR(
      Millis(r, "checkpoint_timeout_ms", &config.checkpoint_timeout));
  // [[database]] is an array of tables; TableReader reads scalars and
  // tables, so the array is walked here (and marked used by Table()).
  const toml::node* list = root.get("database");
  (void)r.Table("database");  // marks the key used; its type is checked below
  SP_RETURN_IF_ERROR(r.Finish());
  const toml::array* databases = list != nullptr ? list->as_array() : nullptr;
  if (list != nullptr &&
      (databases == nullptr || !databases->is_array_of_tables())) {
    return Status(Code::kInvalidArg,
                  std::string(source) + ":" +
                      std::to_string(list->source().begin.line) +
                      ": database must be an array of tables ([[database]])");
  }
  if (databases == nullptr || databases->empty()) {
    return Status(Code::kInvalidArg,
                  std::string(source) +
                      ": no database listed (add a [[database]] table with "
                      "a path)");
  }
  std::set<std::string> paths;
  std::set<std::string> names;
  for (const toml::node& node : *databases) {
    const int line = static_cast<int>(node.source().begin.line);
    DatabaseConfig db;
    SP_RETURN_IF_ERROR(ReadDatabase(*node.as_table(), source, line, &db));
    const std::string where =
        std::string(source) + ":" + std::to_string(line) + ": database ";
    if (!paths.insert(db.path).second) {
      return Status(Code::kInvalidArg,
                    where + "path \"" + db.path + "\" is listed twice");
    }
    if (!names.insert(db.name).second) {
      return Status(Code::kInvalidArg,
                    where + "name \"" + db.name +
                        "\" is used twice (give each database its own name)");
    }
    config.databases.push_back(std::move(db));
  }
  return config;
}

Result<SqliteWriterConfig> LoadSqliteWriterConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status(Code::kObjectNotFound, "cannot read config file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSqliteWriterConfig(text.str(), path);
}

}  // namespace sp::writers::sqlite
