// What the PostgreSQL writer stores in its cluster component's
// backup_metadata at PostSnapshot: everything pg_backup_start/pg_backup_stop
// returned that a restore needs, as one JSON object (docs/writers/postgres.md
// "Backup metadata"):
//
//   {"format": "shadowport-postgres-backup/1", "label": "...",
//    "start_lsn": "0/2000028", "stop_lsn": "0/2000138",
//    "start_wal_file": "000000010000000000000002",
//    "stop_wal_file": "000000010000000000000002", "timeline": 1,
//    "wal_segment_size": 16777216, "server_version_num": 150005,
//    "data_directory": "/srv/pg/data",
//    "backup_label": "START WAL LOCATION: ...", "tablespace_map": ""}
//
// The document comes back in a BCD, possibly from another host, so
// ParseBackupMetadata trusts nothing: every field is checked against the
// others (the WAL file names against the LSNs and the label's own lines).
//
// Thread safety: values and pure functions.
#ifndef SHADOWPORT_WRITERS_POSTGRES_BACKUP_METADATA_H_
#define SHADOWPORT_WRITERS_POSTGRES_BACKUP_METADATA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"
#include "writers/postgres/cluster_layout.h"

namespace sp::postgres {

inline constexpr std::string_view kBackupMetadataFormat =
    "shadowport-postgres-backup/1";
inline constexpr size_t kMaxBackupMetadataBytes = 1u << 20;

struct BackupMetadata {
  std::string label;      // the label given to pg_backup_start
  std::string start_lsn;  // "0/2000028"
  std::string stop_lsn;
  std::string start_wal_file;  // the first segment recovery needs
  std::string stop_wal_file;   // the last one (pg_backup_stop waited for it)
  uint32_t timeline = 0;
  uint64_t wal_segment_size = 0;
  int64_t server_version_num = 0;
  std::string data_directory;  // as the creating host saw it
  std::string backup_label;    // pg_backup_stop's labelfile, byte for byte
  std::string tablespace_map;  // its spcmapfile ("" without tablespaces)

  friend bool operator==(const BackupMetadata&,
                         const BackupMetadata&) = default;
};

// Fills the derived fields (start_wal_file, timeline, stop_wal_file) from
// backup_label, stop_lsn and wal_segment_size, then validates the whole.
// E_INVALIDARG when pg_backup_stop's answer is not what PostgreSQL 15 gives.
Status CompleteBackupMetadata(BackupMetadata& metadata);

std::string SerializeBackupMetadata(const BackupMetadata& metadata);

// E_INVALIDARG naming the first problem: not JSON, too large, wrong format
// tag, a missing or mistyped field, unknown fields, inconsistent LSNs and
// file names, NUL bytes, a tablespace map line that is not "<oid> <path>".
Result<BackupMetadata> ParseBackupMetadata(std::string_view text);

// tablespace_map's lines: "<oid> <absolute path>", with PostgreSQL's
// backslash escapes of '\n', '\r' and '\\' in the path undone.
Result<std::vector<Tablespace>> ParseTablespaceMap(std::string_view map);

// The tablespace_map PostgreSQL reads back (escaping as pg_backup_stop
// does): ParseTablespaceMap(FormatTablespaceMap(t)) == t.
std::string FormatTablespaceMap(const std::vector<Tablespace>& tablespaces);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_BACKUP_METADATA_H_
