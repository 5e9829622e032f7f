#include "unit/document_samples.h"

#include "shadowport/context.h"

namespace sp::testing_samples {
namespace {

Guid G(const char* text) { return *Guid::Parse(text); }

LunInformation Lun(const char* lun_id, const char* serial, const char* naa,
                   uint64_t size) {
  LunInformation l;
  l.array_id = "{5e1d6a40-8c1b-4f0e-9a3c-2b7d9e4f6a01}";
  l.lun_id = lun_id;
  l.vendor_id = "SHADOWPT";
  l.product_id = "EMBEDDED ARRAY";
  l.product_revision = "0.1";
  l.serial_number = serial;
  l.unique_id = naa;
  l.size_bytes = size;
  return l;
}

}  // namespace

WriterMetadata SampleWmd() {
  WriterMetadata wmd;
  wmd.identity.writer_id = G("{7f3c2b1a-4d5e-4f60-8a9b-0c1d2e3f4a5b}");
  wmd.identity.instance_id = G("{0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f}");
  wmd.identity.writer_name = "PostgreSQL Writer";
  wmd.identity.instance_name = "main cluster";
  wmd.identity.usage = UsageType::kUserData;
  wmd.identity.source = SourceType::kTransactedDb;
  wmd.identity.version_major = 15;
  wmd.identity.version_minor = 0;
  wmd.backup_schema = 0x10;  // COPY

  wmd.exclude_files.push_back({"/srv/F/pgdata", "postmaster.pid", false, "",
                               backup_type_mask::kDefault});
  wmd.exclude_from_snapshot.push_back(
      {"/srv/F/pgdata/pg_stat_tmp", "*", true, "", backup_type_mask::kDefault});
  wmd.restore_method = RestoreMethodInfo{
      RestoreMethod::kStopRestoreStart, "postgresql@15-main",
      "Stop the cluster, restore the data directory, write backup_label & "
      "start.",
      WriterRestore::kAlways, false};
  wmd.alternate_location_mappings.push_back(
      {"/srv/F/pgdata", "*", true, "/srv/restore/pgdata"});

  WmdComponent db;
  db.type = ComponentType::kDatabase;
  db.logical_path = "PostgreSQL\\main";
  db.name = "cluster";
  db.caption = "PostgreSQL 15 cluster \"main\"";
  db.restore_metadata = true;
  db.notify_on_backup_complete = true;
  db.selectable = true;
  db.selectable_for_restore = true;
  db.flags = component_flags::kBackupRecovery;
  db.database_files.push_back(
      {"/srv/F/pgdata", "*", true, "", backup_type_mask::kDefault});
  db.log_files.push_back(
      {"/srv/G/pg_wal", "*", false, "",
       backup_type_mask::kAllBackup | backup_type_mask::kLogSnapshot});
  wmd.components.push_back(db);

  WmdComponent archive;
  archive.type = ComponentType::kFileGroup;
  archive.logical_path = "PostgreSQL\\main";
  archive.name = "wal-archive";
  archive.caption = "WAL archive";
  archive.selectable = false;
  archive.files.push_back({"/srv/G/archive", "0000*", false,
                           "/srv/G/archive-staging",
                           backup_type_mask::kDefault});
  archive.dependencies.push_back(
      {wmd.identity.writer_id, "PostgreSQL\\main", "cluster"});
  wmd.components.push_back(archive);
  return wmd;
}

BackupComponentsDocument SampleBcd() {
  BackupComponentsDocument bcd;
  bcd.backup_type = BackupType::kFull;
  bcd.select_components = true;
  bcd.partial_file_support = false;

  WriterComponents pg;
  pg.writer_id = G("{7f3c2b1a-4d5e-4f60-8a9b-0c1d2e3f4a5b}");
  pg.instance_id = G("{0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f}");
  pg.instance_name = "main cluster";
  pg.backup_schema = 0x10;
  BcdComponent cluster;
  cluster.type = ComponentType::kDatabase;
  cluster.logical_path = "PostgreSQL\\main";
  cluster.name = "cluster";
  cluster.backup_stamp = "0/5000028";
  cluster.backup_options = "fast-checkpoint=yes";
  cluster.backup_metadata = std::string(
      "START WAL LOCATION: 0/5000028\nLABEL: shadowport\n\0\xff\x01", 51);
  cluster.backup_succeeded = true;
  pg.components.push_back(cluster);
  bcd.writers.push_back(pg);

  WriterComponents sqlite;
  sqlite.writer_id = G("{3b9f0c6e-2a71-4d8e-9c5b-6e4f1a2d3c70}");
  sqlite.instance_id = G("{c4d5e6f7-0819-4a2b-8c3d-4e5f60718293}");
  sqlite.backup_schema = 0;
  BcdComponent app;
  app.type = ComponentType::kFileGroup;
  app.logical_path = "";
  app.name = "app.db";
  app.previous_backup_stamp = "2026-11-24";
  sqlite.components.push_back(app);
  bcd.writers.push_back(sqlite);

  SnapshotSetDescription set;
  set.snapshot_set_id = G("{9d8c7b6a-5f4e-4d3c-8b2a-190817263544}");
  set.context = static_cast<uint32_t>(Context::kBackup) | attr::kTransportable;
  set.creating_host = "systemOne";
  const uint32_t attributes =
      attr::kTransportable | attr::kHardwareAssisted | attr::kNotSurfaced;
  SnapshotDescription f;
  f.snapshot_id = G("{11111111-2222-4333-8444-555555555555}");
  f.provider_id = G("{a0a1a2a3-b4b5-4c6c-8d7d-e8e9f0f1f2f3}");
  f.attributes = attributes;
  f.creation_time_us = 1795564425123456;  // 2026-11-24T23:53:45.123456Z
  f.original = {"/dev/loop3", "/srv/F", "xfs",
                "8f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6a7b"};
  f.luns.push_back({Lun("lun-0007", "SP0007",
                        "naa.6001405a1b2c3d4e5f60718293a4b5c6", 1ull << 30),
                    Lun("lun-0012", "SP0012",
                        "naa.6001405f0e1d2c3b4a59687766554433", 1ull << 30)});
  set.snapshots.push_back(f);
  SnapshotDescription g = f;
  g.snapshot_id = G("{66666666-7777-4888-9999-aaaaaaaaaaaa}");
  g.original = {"/dev/loop4", "/srv/G", "ext4",
                "0b4e2f6a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"};
  g.luns = {{Lun("lun-0008", "SP0008", "naa.6001405000000000000000000000a008",
                 64ull << 30),
             Lun("lun-0013", "SP0013", "naa.6001405000000000000000000000a013",
                 64ull << 30)}};
  set.snapshots.push_back(g);
  bcd.snapshot_set = set;
  return bcd;
}

}  // namespace sp::testing_samples
