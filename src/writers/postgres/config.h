// The PostgreSQL writer's configuration: a TOML file (packaging/
// writer-postgres.toml.example, docs/writers/postgres.md) naming one
// PostgreSQL cluster. Parsing validates everything it can without the
// server: absolute paths, a conninfo libpq can parse, ids, names.
//
// Thread safety: values and pure functions.
#ifndef SHADOWPORT_WRITERS_POSTGRES_CONFIG_H_
#define SHADOWPORT_WRITERS_POSTGRES_CONFIG_H_

#include <chrono>
#include <string>
#include <string_view>

#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::postgres {

// The writer class id: the same for every PostgreSQL writer instance.
inline constexpr std::string_view kWriterClassId =
    "{07ba1ad3-25a3-4164-ab36-9244fc455339}";
inline constexpr std::string_view kWriterName = "PostgreSQL Writer";

struct WriterConfig {
  // The cluster's name: the WMD's instance name and the cluster
  // component's name ("main"). 1-64 characters of [A-Za-z0-9._-].
  std::string instance_name;
  // libpq connection string of a role allowed to run pg_backup_start /
  // pg_backup_stop (superuser, or granted EXECUTE on them).
  std::string conninfo;
  // The data directory (PGDATA), absolute. Also what the instance id is
  // derived from.
  std::string data_directory;
  // The WAL archive directory archive_command copies into; empty: the
  // cluster has no archive this writer knows of (no archive component, and
  // BackupComplete truncates nothing).
  std::string wal_archive;
  // This instance's id; null: derived from data_directory (DeriveInstanceId).
  Guid instance_id;
  // shadowportd's socket (the --socket option wins).
  std::string socket = "/run/shadowport/shadowportd.sock";
  // libpq's connect_timeout for the backup session, also bounded by the
  // event's deadline.
  std::chrono::milliseconds connect_timeout{10000};
  // pg_backup_start(fast => ...): an immediate checkpoint (true) or a spread
  // one (false, which can take checkpoint_timeout * completion_target).
  bool fast_checkpoint = true;
};

// Parses the TOML text `text` (`source` names it in messages). Unknown
// keys, wrong types, relative paths, a conninfo libpq refuses, a bad
// instance_id or instance_name: E_INVALIDARG "SOURCE:LINE: ...".
Result<WriterConfig> ParseConfig(std::string_view text,
                                 std::string_view source);

// Reads and parses the file at `path` (at most 1 MiB).
Result<WriterConfig> LoadConfig(const std::string& path);

// The instance id used when the config gives none: a name-based (version 5,
// SHA-1) UUID of `data_directory` in the namespace of the writer class id.
// The same cluster keeps its id across restarts and hosts, and two clusters
// on one host never share one.
Guid DeriveInstanceId(std::string_view data_directory);

// The effective instance id of `config`.
Guid InstanceIdOf(const WriterConfig& config);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_CONFIG_H_
