// The PostgreSQL writer's restore (restore.h, src/os/tree_copy.h) on a fake
// data directory and archive, with the BCD as the writer leaves it: what is
// copied, what is written, and what hostile input is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>

#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "unit/writers/postgres_test_util.h"
#include "writers/postgres/config.h"
#include "writers/postgres/restore.h"

namespace sp::postgres {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::SampleMetadata;
using testing::TempDir;
using testing::WriteFile;

BackupComponentsDocument BcdWith(const std::string& metadata,
                                 const std::string& name = "main") {
  BackupComponentsDocument bcd;
  WriterComponents w;
  w.writer_id = *Guid::Parse(kWriterClassId);
  w.instance_id = DeriveInstanceId("/srv/F/pgdata");
  BcdComponent c;
  c.type = ComponentType::kDatabase;
  c.logical_path = "PostgreSQL";
  c.name = name;
  c.backup_metadata = metadata;
  w.components.push_back(c);
  bcd.writers.push_back(w);
  return bcd;
}

// `bcd` as a transportable set of the volume at `mount_point` leaves it.
BackupComponentsDocument WithSet(BackupComponentsDocument bcd,
                                 const std::string& mount_point) {
  SnapshotSetDescription set;
  set.snapshot_set_id = *Guid::Parse("{0b7f3c4e-1a2b-4c3d-8e9f-001122334455}");
  set.context = static_cast<uint32_t>(Context::kBackup) | attr::kTransportable;
  set.creating_host = "systemone";
  SnapshotDescription s;
  s.snapshot_id = *Guid::Parse("{0b7f3c4e-1a2b-4c3d-8e9f-001122334466}");
  s.provider_id = *Guid::Parse("{0b7f3c4e-1a2b-4c3d-8e9f-001122334477}");
  s.attributes = attr::kTransportable | attr::kHardwareAssisted;
  s.creation_time_us = 1714557600250000;
  s.original = {"/dev/loop3", mount_point, "xfs",
                "0b7c8e0e-2a51-4f0b-9a55-0fd6c2d4e0a1"};
  LunInformation lun;
  lun.array_id = "{11111111-2222-4333-8444-555555555555}";
  lun.lun_id = "7";
  lun.vendor_id = "SHADOWPT";
  lun.product_id = "ARRAYD LUN";
  lun.product_revision = "0001";
  lun.serial_number = "SN-7";
  lun.unique_id = "naa.6" + std::string(31, 'a');
  lun.size_bytes = 1ull << 30;
  LunInformation copy = lun;
  copy.lun_id = "12";
  copy.serial_number = "SN-12";
  copy.unique_id = "naa.6" + std::string(31, 'b');
  s.luns.push_back({lun, copy});
  set.snapshots.push_back(s);
  bcd.snapshot_set = set;
  return bcd;
}

struct Fixture {
  TempDir t;
  BackupMetadata m = SampleMetadata();
  RestoreOptions o;

  Fixture() {
    EXPECT_TRUE(CompleteBackupMetadata(m).ok());
    const std::string s = t.path() + "/snap/pgdata";
    WriteFile(s + "/PG_VERSION", "15\n");
    WriteFile(s + "/global/pg_control", "control");
    WriteFile(s + "/base/1/1259", std::string(100000, 'r'));
    WriteFile(s + "/base/1/pg_internal.init", "cache");
    WriteFile(s + "/base/pgsql_tmp/pgsql_tmp1.0", "tmp");
    WriteFile(s + "/postmaster.pid", "4242\n");
    WriteFile(s + "/postmaster.opts", "opts");
    WriteFile(s + "/pg_wal/000000010000000000000002", "wal");
    WriteFile(s + "/pg_stat_tmp/db_0.stat", "stat");
    WriteFile(s + "/postgresql.auto.conf", "# auto\n");
    fs::create_directories(s + "/pg_tblspc");
    fs::permissions(s + "/base/1/1259", fs::perms::owner_read);
    const std::string a = t.path() + "/archive";
    for (const char* n :
         {"000000010000000000000001", "000000010000000000000002",
          "000000010000000000000003", "000000010000000000000004",
          "00000001.history", "junk.txt"}) {
      WriteFile(a + "/" + n, n);
    }
    o.bcd_path = t.path() + "/set.xml";
    WriteBcd(BcdWith(SerializeBackupMetadata(m)));
    o.from = s;
    o.to = t.path() + "/restored";
    o.archive = a;
  }
  void WriteBcd(const BackupComponentsDocument& bcd) {
    Result<std::string> xml = SaveBcd(bcd);
    ASSERT_TRUE(xml.ok()) << xml.status().ToString();
    fs::remove(o.bcd_path);
    WriteFile(o.bcd_path, *xml);
  }
};

TEST(PostgresRestore, MakesRecoverableDataDirectory) {
  Fixture f;
  Result<RestoreReport> r = Restore(f.o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string to = f.o.to;
  EXPECT_EQ(ReadFile(to + "/backup_label"), f.m.backup_label);
  EXPECT_TRUE(fs::exists(to + "/recovery.signal"));
  EXPECT_FALSE(fs::exists(to + "/tablespace_map"));
  EXPECT_EQ(ReadFile(to + "/base/1/1259"), std::string(100000, 'r'));
  EXPECT_EQ(fs::status(to + "/base/1/1259").permissions(),
            fs::perms::owner_read);
  EXPECT_EQ(ReadFile(to + "/global/pg_control"), "control");
  // Left out as a base backup leaves them out.
  EXPECT_FALSE(fs::exists(to + "/postmaster.pid"));
  EXPECT_FALSE(fs::exists(to + "/postmaster.opts"));
  EXPECT_FALSE(fs::exists(to + "/base/1/pg_internal.init"));
  EXPECT_FALSE(fs::exists(to + "/base/pgsql_tmp"));
  EXPECT_TRUE(fs::is_directory(to + "/pg_wal"));
  EXPECT_TRUE(fs::is_empty(to + "/pg_wal"));
  EXPECT_TRUE(fs::is_empty(to + "/pg_stat_tmp"));
  EXPECT_TRUE(fs::is_directory(to + "/pg_tblspc"));
  // The archive copy: WAL files only, and restore_command pointing at it.
  EXPECT_EQ(r->archive_to, to + ".wal-archive");
  EXPECT_EQ(r->wal_files, 5u);
  EXPECT_TRUE(fs::exists(to + ".wal-archive/000000010000000000000004"));
  EXPECT_FALSE(fs::exists(to + ".wal-archive/junk.txt"));
  const std::string conf = ReadFile(to + "/postgresql.auto.conf");
  EXPECT_EQ(conf.rfind("# auto\n", 0), 0u);
  EXPECT_NE(
      conf.find("restore_command = 'cp \"" + to + ".wal-archive/%f\" \"%p\"'"),
      std::string::npos)
      << conf;
  EXPECT_NE(conf.find("recovery_target = 'immediate'"), std::string::npos);
  EXPECT_NE(conf.find("recovery_target_action = 'promote'"), std::string::npos);
  EXPECT_NE(conf.find("archive_mode = 'off'"), std::string::npos);
}

TEST(PostgresRestore, NeedsEverySegmentOfTheBackup) {
  Fixture f;
  fs::remove(f.o.archive + "/000000010000000000000003");
  Result<RestoreReport> r = Restore(f.o);
  ASSERT_EQ(r.status().code(), Code::kObjectNotFound);
  EXPECT_NE(r.status().message().find("000000010000000000000003"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(f.o.to));  // checked before anything is copied
}

TEST(PostgresRestore, RefusesSymlinksInTheSnapshot) {
  Fixture f;
  fs::create_symlink("/etc/shadow", f.o.from + "/base/1/16384");
  EXPECT_EQ(Restore(f.o).status().code(), Code::kPathEscape);
  Fixture g;
  fs::create_directory_symlink("/etc", g.o.from + "/pg_tblspc/16385");
  EXPECT_EQ(Restore(g.o).status().code(), Code::kPathEscape);
}

TEST(PostgresRestore, RefusesBadTargetsAndMetadata) {
  Fixture f;
  fs::create_directories(f.o.to);
  EXPECT_EQ(Restore(f.o).status().code(), Code::kObjectAlreadyExists);

  Fixture g;
  g.o.to = g.o.from + "/inside";
  EXPECT_EQ(Restore(g.o).status().code(), Code::kInvalidArg);

  Fixture h;
  h.o.archive_to = h.t.path() + "/it's here";
  EXPECT_EQ(Restore(h.o).status().code(), Code::kInvalidArg);

  Fixture i;
  i.o.to = i.t.path() + "/../escape";
  EXPECT_EQ(Restore(i.o).status().code(), Code::kPathEscape);

  Fixture k;  // metadata edited on the way
  std::string text = SerializeBackupMetadata(k.m);
  text.replace(text.find("0/4000100"), 9, "0/9000100");
  k.WriteBcd(BcdWith(text));
  EXPECT_EQ(Restore(k.o).status().code(), Code::kInvalidArg);

  Fixture l;  // two clusters: --instance chooses
  BackupComponentsDocument two = BcdWith(SerializeBackupMetadata(l.m));
  two.writers.push_back(
      BcdWith(SerializeBackupMetadata(l.m), "other").writers.front());
  two.writers.back().instance_id = DeriveInstanceId("/srv/G/pgdata");
  l.WriteBcd(two);
  EXPECT_EQ(Restore(l.o).status().code(), Code::kInvalidArg);
  l.o.instance = "other";
  EXPECT_TRUE(Restore(l.o).ok());

  Fixture n;  // a BCD without the writer's metadata
  n.WriteBcd(BcdWith(""));
  EXPECT_EQ(Restore(n.o).status().code(), Code::kInvalidArg);
}

// A tablespace as the snapshot holds it: its directory beside the data
// directory (/srv/F/<name> on the creating host), PG_15_* inside, and the
// pg_tblspc link; the BCD's metadata names it in tablespace_map.
void AddTablespace(Fixture& f, const std::string& oid,
                   const std::string& name) {
  const std::string dir = f.t.path() + "/snap/" + name;
  WriteFile(dir + "/PG_15_202209061/5/" + oid + "01", "rows of " + name);
  WriteFile(dir + "/PG_15_202209061/pgsql_tmp/pgsql_tmp9.0", "tmp");
  fs::create_directory_symlink("/srv/F/" + name,
                               f.o.from + "/pg_tblspc/" + oid);
  f.m.tablespace_map += oid + " /srv/F/" + name + "\n";
  f.WriteBcd(BcdWith(SerializeBackupMetadata(f.m)));
}

TEST(PostgresRestore, RelocatesTablespacesAndWritesTheirMap) {
  Fixture f;
  AddTablespace(f, "16385", "ts1");
  AddTablespace(f, "16390", "ts two");
  const std::string snap = f.t.path() + "/snap";
  f.o.tablespace_targets = {{"/srv/F/ts1", f.t.path() + "/new-ts1"},
                            {"/srv/F/ts two", f.t.path() + "/new ts2"}};
  f.o.tablespace_sources = {{"/srv/F/ts1", snap + "/ts1"},
                            {"/srv/F/ts two", snap + "/ts two"}};
  Result<RestoreReport> r = Restore(f.o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tablespaces.size(), 2u);
  EXPECT_EQ(r->tablespaces[0].tablespace.oid, "16385");
  EXPECT_EQ(r->tablespaces[0].data.files, 1u);
  EXPECT_EQ(ReadFile(f.t.path() + "/new-ts1/PG_15_202209061/5/1638501"),
            "rows of ts1");
  EXPECT_EQ(ReadFile(f.t.path() + "/new ts2/PG_15_202209061/5/1639001"),
            "rows of ts two");
  EXPECT_FALSE(fs::exists(f.t.path() + "/new-ts1/PG_15_202209061/pgsql_tmp"));
  // The links are not copied; recovery makes them from tablespace_map.
  EXPECT_TRUE(fs::is_empty(f.o.to + "/pg_tblspc"));
  EXPECT_EQ(
      ReadFile(f.o.to + "/tablespace_map"),
      "16385 " + f.t.path() + "/new-ts1\n16390 " + f.t.path() + "/new ts2\n");
}

TEST(PostgresRestore, DerivesTheTablespaceCopyOnTheDataDirectorysVolume) {
  SnapshotSetDescription set;
  SnapshotDescription s;
  s.original.mount_point = "/srv/F";
  set.snapshots.push_back(s);
  s.original.mount_point = "/srv/F/inner";
  set.snapshots.push_back(s);
  s.original.mount_point = "/srv/G";
  set.snapshots.push_back(s);
  const std::string data = "/srv/F/pgdata";
  const std::string from = "/run/sp/sets/x/srv_F/pgdata";
  EXPECT_EQ(DeriveTablespaceSource(set, data, from, "/srv/F/ts/a"),
            "/run/sp/sets/x/srv_F/ts/a");
  EXPECT_EQ(DeriveTablespaceSource(set, data, from, "/srv/F"),
            "/run/sp/sets/x/srv_F");
  // Another volume, even one mounted inside the data directory's.
  EXPECT_EQ(DeriveTablespaceSource(set, data, from, "/srv/G/ts"), std::nullopt);
  EXPECT_EQ(DeriveTablespaceSource(set, data, from, "/srv/F/inner/ts"),
            std::nullopt);
  EXPECT_EQ(DeriveTablespaceSource(set, data, from, "/srv/H/ts"), std::nullopt);
  // --from is not the exposed data directory: nothing to derive from.
  EXPECT_EQ(DeriveTablespaceSource(set, data, "/copy/of/data", "/srv/F/ts"),
            std::nullopt);
  // The data directory is the mount point itself.
  EXPECT_EQ(DeriveTablespaceSource(set, "/srv/G", "/exp/G", "/srv/G/ts"),
            "/exp/G/ts");
}

TEST(PostgresRestore, RefusesIncompleteOrHostileTablespacePlans) {
  struct Case {
    const char* what;
    std::function<void(Fixture&, const std::string& dir)> change;
    Code expected;
    const char* message = "";
  };
  const Case cases[] = {
      // (the BCD of this test has no set: nothing is derived)
      {"no new location",
       [](Fixture& f, auto&) { f.o.tablespace_targets.clear(); },
       Code::kInvalidArg, "--tablespace-mapping /srv/F/ts1=NEWDIR"},
      {"no copy", [](Fixture& f, auto&) { f.o.tablespace_sources.clear(); },
       Code::kInvalidArg, "--tablespace-from /srv/F/ts1=DIR"},
      {"a mapping of no tablespace",
       [](Fixture& f, auto& d) {
         f.o.tablespace_targets.push_back({"/srv/F/other", d + "/x"});
       },
       Code::kInvalidArg, "no tablespace of the backup"},
      {"a tablespace named twice",
       [](Fixture& f, auto& d) {
         f.o.tablespace_targets.push_back({"/srv/F/ts1/", d + "/y"});
       },
       Code::kInvalidArg, "twice"},
      {"a target that exists",
       [](Fixture&, auto& d) { fs::create_directory(d + "/new-ts1"); },
       Code::kObjectAlreadyExists},
      {"a target without parent",
       [](Fixture& f, auto& d) {
         f.o.tablespace_targets[0].new_dir = d + "/no/such/parent";
       },
       Code::kObjectNotFound},
      {"a target inside --to",
       [](Fixture& f, auto&) {
         f.o.tablespace_targets[0].new_dir = f.o.to + "/ts";
       },
       Code::kInvalidArg, "overlaps"},
      {"a target inside the snapshot",
       [](Fixture& f, auto& d) {
         f.o.tablespace_targets[0].new_dir = d + "/snap/ts1/again";
       },
       Code::kInvalidArg, "overlaps"},
      {"a target with ..",
       [](Fixture& f, auto& d) {
         f.o.tablespace_targets[0].new_dir = d + "/../ts";
       },
       Code::kPathEscape},
      {"a missing copy",
       [](Fixture& f, auto& d) {
         f.o.tablespace_sources[0].new_dir = d + "/snap/nothing";
       },
       Code::kObjectNotFound},
      {"a copy that is a symlink",
       [](Fixture& f, auto& d) {
         fs::create_directory_symlink(d + "/snap/ts1", d + "/snap/link");
         f.o.tablespace_sources[0].new_dir = d + "/snap/link";
       },
       Code::kPathEscape},
      {"a copy that is no tablespace",
       [](Fixture& f, auto&) {
         f.o.tablespace_sources[0].new_dir = f.o.from + "/base";
       },
       Code::kObjectNotFound, "PG_15_"},
      {"a symlink inside the copy",
       [](Fixture&, auto& d) {
         fs::create_symlink("/etc/shadow", d + "/snap/ts1/PG_15_202209061/5/1");
       },
       Code::kPathEscape},
      {"a pg_tblspc link that tablespace_map does not name",
       [](Fixture& f, auto&) {
         fs::create_directory_symlink("/etc", f.o.from + "/pg_tblspc/16400");
       },
       Code::kPathEscape},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Fixture f;
    AddTablespace(f, "16385", "ts1");
    f.o.tablespace_targets = {{"/srv/F/ts1", f.t.path() + "/new-ts1"}};
    f.o.tablespace_sources = {{"/srv/F/ts1", f.t.path() + "/snap/ts1"}};
    c.change(f, f.t.path());
    Result<RestoreReport> r = Restore(f.o);
    EXPECT_EQ(r.status().code(), c.expected) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << r.status().ToString();
    EXPECT_FALSE(fs::exists(f.o.to + "/tablespace_map"));
  }
  Fixture h;  // a tablespace mapping for a backup without tablespaces
  h.o.tablespace_targets = {{"/srv/F/ts1", h.t.path() + "/new-ts1"}};
  EXPECT_EQ(Restore(h.o).status().code(), Code::kInvalidArg);
  EXPECT_FALSE(fs::exists(h.o.to));  // checked before anything is copied
}

TEST(PostgresRestore, PlansDerivedCopiesWithoutSymlinksOnTheWay) {
  TempDir t;
  const std::string snap = t.path() + "/snap";
  WriteFile(snap + "/pgdata/PG_VERSION", "15\n");
  WriteFile(snap + "/ts1/PG_15_202209061/5/1", "x");
  WriteFile(t.path() + "/elsewhere/ts/PG_15_202209061/5/1", "x");
  fs::create_directory_symlink(t.path() + "/elsewhere", snap + "/linked");
  SnapshotSetDescription set;
  set.snapshots.emplace_back().original.mount_point = "/srv/F";
  TablespacePlanInput in;
  in.set = &set;
  in.data_directory = "/srv/F/pgdata";
  in.from = snap + "/pgdata";
  in.taken = {in.from};
  in.tablespaces = {{"16385", "/srv/F/ts1"}};
  in.targets = {{"/srv/F/ts1", t.path() + "/new-ts1"}};
  Result<std::vector<TablespaceRestore>> plan = PlanTablespaces(in);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->at(0).source, snap + "/ts1");
  EXPECT_EQ(plan->at(0).target, t.path() + "/new-ts1");

  // The snapshot's /srv/F/linked is a symlink: the derived copy would
  // leave the snapshot.
  in.tablespaces = {{"16385", "/srv/F/linked/ts"}};
  in.targets = {{"/srv/F/linked/ts", t.path() + "/new-ts1"}};
  plan = PlanTablespaces(in);
  EXPECT_EQ(plan.status().code(), Code::kPathEscape);
  EXPECT_NE(plan.status().message().find("linked"), std::string::npos);
}

TEST(PostgresRestore, FindsTheTablespaceCopyThroughTheBcdsSet) {
  Fixture f;
  AddTablespace(f, "16385", "ts1");
  f.WriteBcd(WithSet(BcdWith(SerializeBackupMetadata(f.m)), "/srv/F"));
  f.o.tablespace_targets = {{"/srv/F/ts1", f.t.path() + "/new-ts1"}};
  Result<RestoreReport> r = Restore(f.o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tablespaces.at(0).source, f.t.path() + "/snap/ts1");
  EXPECT_EQ(ReadFile(f.t.path() + "/new-ts1/PG_15_202209061/5/1638501"),
            "rows of ts1");
}

TEST(PostgresRestore, RefusesASymlinkOnTheSnapshotsPartOfFrom) {
  // The data directory was /srv/F/db/pgdata; in the snapshot, db is a
  // symlink to a data directory elsewhere.
  Fixture f;
  f.m.data_directory = "/srv/F/db/pgdata";
  f.WriteBcd(WithSet(BcdWith(SerializeBackupMetadata(f.m)), "/srv/F"));
  fs::create_directory_symlink(f.t.path() + "/snap", f.t.path() + "/snap/db");
  f.o.from = f.t.path() + "/snap/db/pgdata";
  Result<RestoreReport> r = Restore(f.o);
  EXPECT_EQ(r.status().code(), Code::kPathEscape) << r.status().ToString();
  EXPECT_FALSE(fs::exists(f.o.to));
  // The same without the symlink restores.
  Fixture g;
  g.m.data_directory = "/srv/F/db/pgdata";
  g.WriteBcd(WithSet(BcdWith(SerializeBackupMetadata(g.m)), "/srv/F"));
  fs::create_directories(g.t.path() + "/snap/db");
  fs::rename(g.o.from, g.t.path() + "/snap/db/pgdata");
  g.o.from = g.t.path() + "/snap/db/pgdata";
  EXPECT_TRUE(Restore(g.o).ok());
}

TEST(PostgresRestore, ExposureRootAndSymlinkChecks) {
  SnapshotSetDescription set;
  set.snapshots.emplace_back().original.mount_point = "/srv/F";
  EXPECT_EQ(ExposureRootOf(set, "/srv/F/db/pg", "/exp/F/db/pg"), "/exp/F");
  EXPECT_EQ(ExposureRootOf(set, "/srv/F", "/exp/F"), "/exp/F");
  EXPECT_EQ(ExposureRootOf(set, "/srv/F/db/pg", "/copy/pg"), std::nullopt);
  EXPECT_EQ(ExposureRootOf(set, "/srv/G/pg", "/exp/G/pg"), std::nullopt);
  TempDir t;
  fs::create_directories(t.path() + "/root/a/b");
  fs::create_directory_symlink(t.path() + "/root/a", t.path() + "/root/l");
  EXPECT_TRUE(
      RefuseSymlinksBelow(t.path() + "/root", t.path() + "/root/a/b").ok());
  EXPECT_EQ(
      RefuseSymlinksBelow(t.path() + "/root", t.path() + "/root/l/b").code(),
      Code::kPathEscape);
  EXPECT_EQ(
      RefuseSymlinksBelow(t.path() + "/root", t.path() + "/root/l").code(),
      Code::kPathEscape);
  EXPECT_EQ(RefuseSymlinksBelow(t.path() + "/root", "/etc").code(),
            Code::kPathEscape);
}

TEST(PostgresRestore, ParsesDirectoryMappings) {
  EXPECT_EQ(*ParseDirectoryMapping("/srv/ts=/new/ts"),
            (DirectoryMapping{"/srv/ts", "/new/ts"}));
  EXPECT_EQ(*ParseDirectoryMapping("/srv/a\\=b=/new\\=c"),
            (DirectoryMapping{"/srv/a=b", "/new=c"}));
  for (const char* bad : {"/srv/ts", "=/new", "/srv/ts=", "/a=/b=/c", ""}) {
    EXPECT_EQ(ParseDirectoryMapping(bad).status().code(), Code::kInvalidArg)
        << bad;
  }
}

}  // namespace
}  // namespace sp::postgres
