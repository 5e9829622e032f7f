// The PostgreSQL writer's Writer Metadata Document (docs/writers/postgres.md
// "WMD layout"):
//
//   PostgreSQL\<instance>                      DATABASE, selectable
//       database files: the data directory, recursive
//       log files:      pg_wal (wherever it lives)
//   PostgreSQL\<instance>\tablespace-<oid>     FILE_GROUP, implicit
//   PostgreSQL\<instance>\wal-archive          FILE_GROUP, implicit
//
// One selectable component per cluster: a cluster is restorable only as a
// whole (data, tablespaces and the WAL that makes them consistent), so its
// parts are subcomponents that come with it. Writer-wide excludes are the
// files PostgreSQL's base backup leaves out (section 26.3.3.1).
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_WRITERS_POSTGRES_WMD_BUILDER_H_
#define SHADOWPORT_WRITERS_POSTGRES_WMD_BUILDER_H_

#include <string>
#include <string_view>

#include "shadowport/wmd.h"
#include "writers/postgres/cluster_layout.h"
#include "writers/postgres/config.h"

namespace sp::postgres {

inline constexpr std::string_view kRootLogicalPath = "PostgreSQL";
inline constexpr std::string_view kArchiveComponentName = "wal-archive";
inline constexpr std::string_view kTablespacePrefix = "tablespace-";

// "PostgreSQL\<instance>": the logical path of the cluster's subcomponents.
std::string SubcomponentLogicalPath(std::string_view instance_name);

// The identity every instance of this writer registers with.
WriterIdentity MakeIdentity(const WriterConfig& config);

WriterMetadata BuildWriterMetadata(const WriterIdentity& identity,
                                   const ClusterLayout& layout);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_WMD_BUILDER_H_
