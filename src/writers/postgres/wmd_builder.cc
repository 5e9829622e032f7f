#include "writers/postgres/wmd_builder.h"

#include <array>

namespace sp::postgres {
namespace {

FileDescriptor Files(std::string path, std::string filespec, bool recursive) {
  FileDescriptor f;
  f.path = std::move(path);
  f.filespec = std::move(filespec);
  f.recursive = recursive;
  return f;
}

// What a base backup omits (PostgreSQL 15, 26.3.3.1, and basebackup.c's
// exclude lists): files the server recreates at start, or that belong to the
// running server only. pg_wal is not among them: it is the component's log
// files (see docs/writers/postgres.md).
void AddExcludes(const std::string& data, WriterMetadata& wmd) {
  static constexpr std::array kFiles = {
      "postmaster.pid", "postmaster.opts",          "backup_label",
      "tablespace_map", "postgresql.auto.conf.tmp", "current_logfiles.tmp",
  };
  for (const char* name : kFiles) {
    wmd.exclude_files.push_back(Files(data, name, false));
  }
  // Relation cache init files and temporary files, anywhere below PGDATA.
  wmd.exclude_files.push_back(Files(data, "pg_internal.init", true));
  wmd.exclude_files.push_back(Files(data, "pgsql_tmp*", true));
  // Directories whose contents (not the directories) are left out.
  static constexpr std::array kContents = {
      "pg_replslot",  "pg_dynshmem", "pg_notify",   "pg_serial",
      "pg_snapshots", "pg_stat_tmp", "pg_subtrans",
  };
  for (const char* dir : kContents) {
    wmd.exclude_files.push_back(Files(data + "/" + dir, "*", true));
  }
}

}  // namespace

std::string SubcomponentLogicalPath(std::string_view instance_name) {
  return std::string(kRootLogicalPath) + "\\" + std::string(instance_name);
}

WriterIdentity MakeIdentity(const WriterConfig& config) {
  WriterIdentity id;
  id.writer_id = *Guid::Parse(kWriterClassId);
  id.instance_id = InstanceIdOf(config);
  id.writer_name = std::string(kWriterName);
  id.instance_name = config.instance_name;
  id.usage = UsageType::kUserData;
  id.source = SourceType::kTransactedDb;
  id.version_major = 15;  // the PostgreSQL major version it is written for
  id.version_minor = 0;
  return id;
}

WriterMetadata BuildWriterMetadata(const WriterIdentity& identity,
                                   const ClusterLayout& layout) {
  WriterMetadata wmd;
  wmd.identity = identity;
  const std::string& name = identity.instance_name;
  const std::string sub_path = SubcomponentLogicalPath(name);

  WmdComponent cluster;
  cluster.type = ComponentType::kDatabase;
  cluster.logical_path = std::string(kRootLogicalPath);
  cluster.name = name;
  cluster.caption =
      "PostgreSQL cluster " + name + " (" + layout.data_directory + ")";
  cluster.selectable = true;
  cluster.selectable_for_restore = true;
  // BackupComplete carries the verdict the archive cleanup depends on.
  cluster.notify_on_backup_complete = true;
  // backup_label and tablespace_map travel as backup metadata (written at
  // PostSnapshot); the restore needs nothing stored at restore time.
  cluster.restore_metadata = false;
  cluster.database_files.push_back(Files(layout.data_directory, "*", true));
  cluster.log_files.push_back(Files(layout.wal_directory, "*", true));
  wmd.components.push_back(std::move(cluster));

  for (const Tablespace& t : layout.tablespaces) {
    WmdComponent ts;
    ts.type = ComponentType::kFileGroup;
    ts.logical_path = sub_path;
    ts.name = std::string(kTablespacePrefix) + t.oid;
    ts.caption = "tablespace " + t.oid + " (" + t.location + ")";
    ts.files.push_back(Files(t.location, "*", true));
    wmd.components.push_back(std::move(ts));
  }
  if (!layout.wal_archive.empty()) {
    WmdComponent archive;
    archive.type = ComponentType::kFileGroup;
    archive.logical_path = sub_path;
    archive.name = std::string(kArchiveComponentName);
    archive.caption = "WAL archive (" + layout.wal_archive + ")";
    archive.notify_on_backup_complete = true;
    archive.files.push_back(Files(layout.wal_archive, "*", false));
    wmd.components.push_back(std::move(archive));
  }

  AddExcludes(layout.data_directory, wmd);
  RestoreMethodInfo restore;
  restore.method = RestoreMethod::kCustom;
  restore.user_procedure =
      "stop the server, then: shadowport-writer-postgres restore --bcd BCD "
      "--from EXPOSED_DATA_DIRECTORY --to TARGET --archive WAL_ARCHIVE "
      "(docs/writers/postgres.md)";
  restore.writer_restore = WriterRestore::kNever;
  wmd.restore_method = restore;
  return wmd;
}

}  // namespace sp::postgres
