// Where a PostgreSQL cluster keeps its files, read from its data directory
// without the server: pg_wal (a directory, or a symlink to one elsewhere,
// initdb --waldir) and the tablespaces (pg_tblspc/<oid> symlinks, which is
// where PostgreSQL itself looks them up), plus the configured WAL archive.
//
// Thread safety: values and a free function.
#ifndef SHADOWPORT_WRITERS_POSTGRES_CLUSTER_LAYOUT_H_
#define SHADOWPORT_WRITERS_POSTGRES_CLUSTER_LAYOUT_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"
#include "writers/postgres/config.h"

namespace sp::postgres {

struct Tablespace {
  std::string oid;       // decimal, as in pg_tblspc/<oid>
  std::string location;  // the symlink's absolute target

  friend bool operator==(const Tablespace&, const Tablespace&) = default;
};

struct ClusterLayout {
  std::string data_directory;           // resolved (realpath)
  std::string wal_directory;            // resolved pg_wal
  std::vector<Tablespace> tablespaces;  // sorted by oid
  std::string wal_archive;              // resolved; empty if not configured

  // Every directory whose files the cluster needs, each once: the data
  // directory, pg_wal when it lies outside it, the tablespaces, the archive.
  std::vector<std::string> AllPaths() const;
};

// Reads the layout of the cluster in config.data_directory. Fails with
// VSS_E_OBJECT_NOT_FOUND when the data directory or archive is missing or
// the data directory has no PG_VERSION (not a cluster), E_INVALIDARG for a
// pg_tblspc entry that is not "<digits>" -> absolute path, or as the
// filesystem calls fail.
Result<ClusterLayout> DiscoverLayout(const WriterConfig& config);

// How much of the cluster a snapshot set holds.
struct SetCoverage {
  std::vector<std::string> covered;  // AllPaths() entries on the set
  std::vector<std::string> missing;  // AllPaths() entries not on it

  bool None() const { return covered.empty(); }
  bool All() const { return missing.empty(); }
};

// Splits layout.AllPaths() by `on_set` (WriterEvent::CoversPath).
SetCoverage CoverageOf(const ClusterLayout& layout,
                       const std::function<bool(std::string_view)>& on_set);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_CLUSTER_LAYOUT_H_
