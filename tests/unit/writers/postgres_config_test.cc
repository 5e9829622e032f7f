// The PostgreSQL writer's configuration, layout discovery and WMD
// (src/writers/postgres/config.h, cluster_layout.h, wmd_builder.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "shadowport/documents.h"
#include "unit/writers/postgres_test_util.h"
#include "writers/postgres/cluster_layout.h"
#include "writers/postgres/config.h"
#include "writers/postgres/wmd_builder.h"

namespace sp::postgres {
namespace {

using testing::TempDir;
using testing::WriteFile;

constexpr char kGood[] = R"(
instance_name = "main"
conninfo = "host=/run/postgresql port=5432 user=backup dbname=postgres"
data_directory = "/srv/F/pgdata"
wal_archive = "/srv/F/archive"
connect_timeout_ms = 5000
fast_checkpoint = false
)";

TEST(PostgresConfig, ParsesEveryKey) {
  Result<WriterConfig> c = ParseConfig(kGood, "w.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->instance_name, "main");
  EXPECT_EQ(c->data_directory, "/srv/F/pgdata");
  EXPECT_EQ(c->wal_archive, "/srv/F/archive");
  EXPECT_EQ(c->connect_timeout, std::chrono::milliseconds(5000));
  EXPECT_FALSE(c->fast_checkpoint);
  EXPECT_EQ(c->socket, "/run/shadowport/shadowportd.sock");
  EXPECT_TRUE(c->instance_id.IsNull());
}

void ExpectInvalid(const std::string& text, const std::string& needle) {
  Result<WriterConfig> c = ParseConfig(text, "w.toml");
  ASSERT_FALSE(c.ok()) << text;
  EXPECT_EQ(c.status().code(), Code::kInvalidArg);
  EXPECT_NE(c.status().message().find(needle), std::string::npos)
      << c.status().message();
}

TEST(PostgresConfig, RefusesBadConfigs) {
  const std::string base = R"(conninfo = "dbname=postgres"
data_directory = "/srv/pg"
)";
  ExpectInvalid(base, "instance_name is required");
  ExpectInvalid(base + "instance_name = \"a b\"\n", "instance_name");
  ExpectInvalid(base + "instance_name = \"m\"\ntypo = 1\n",
                "unknown key \"typo\"");
  ExpectInvalid(
      "instance_name = \"m\"\nconninfo = \"dbname=x\"\n"
      "data_directory = \"pg\"\n",
      "data_directory must be an absolute");
  ExpectInvalid(
      "instance_name = \"m\"\nconninfo = \"dbname=x\"\n"
      "data_directory = \"/srv/../etc\"\n",
      "data_directory must be an absolute");
  ExpectInvalid(
      "instance_name = \"m\"\nconninfo = \"nonsense=1\"\n"
      "data_directory = \"/srv/pg\"\n",
      "conninfo is not valid");
  ExpectInvalid("instance_name = \"m\"\ndata_directory = \"/srv/pg\"\n",
                "conninfo is required");
  ExpectInvalid(base + "instance_name = \"m\"\nwal_archive = \"/srv/pg/a\"\n",
                "must not lie inside data_directory");
  ExpectInvalid(base + "instance_name = \"m\"\ninstance_id = \"zz\"\n",
                "instance_id must be a GUID");
  ExpectInvalid(base + "instance_name = \"m\"\nconnect_timeout_ms = 1\n",
                "connect_timeout_ms must be");
  ExpectInvalid(base + "instance_name = [1\n", "w.toml:");
}

TEST(PostgresConfig, InstanceIdIsStablePerDataDirectory) {
  const Guid a = DeriveInstanceId("/srv/F/pgdata");
  EXPECT_EQ(a, DeriveInstanceId("/srv/F/pgdata"));
  EXPECT_NE(a, DeriveInstanceId("/srv/G/pgdata"));
  EXPECT_EQ(a.bytes()[6] >> 4, 5);  // version 5
  EXPECT_EQ(a.bytes()[8] >> 6, 2);  // RFC variant
  Result<WriterConfig> c = ParseConfig(
      std::string(kGood) +
          "instance_id = \"{11111111-2222-4333-8444-555555555555}\"\n",
      "w.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(InstanceIdOf(*c).ToString(),
            "{11111111-2222-4333-8444-555555555555}");
}

// A data directory with pg_wal elsewhere and two tablespaces.
struct FakeCluster {
  TempDir dir;
  WriterConfig config;
  FakeCluster() {
    namespace fs = std::filesystem;
    const std::string d = dir.path();
    WriteFile(d + "/data/PG_VERSION", "15\n");
    fs::create_directories(d + "/wal");
    fs::create_directory_symlink(d + "/wal", d + "/data/pg_wal");
    fs::create_directories(d + "/data/pg_tblspc");
    fs::create_directories(d + "/ts1");
    fs::create_directories(d + "/ts2");
    fs::create_directory_symlink(d + "/ts2", d + "/data/pg_tblspc/16390");
    fs::create_directory_symlink(d + "/ts1", d + "/data/pg_tblspc/16385");
    fs::create_directories(d + "/archive");
    config.instance_name = "main";
    config.conninfo = "dbname=postgres";
    config.data_directory = d + "/data";
    config.wal_archive = d + "/archive";
  }
};

TEST(PostgresLayout, ReadsWalLinkAndTablespaces) {
  FakeCluster f;
  Result<ClusterLayout> l = DiscoverLayout(f.config);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  const std::string d = f.dir.path();
  EXPECT_EQ(l->data_directory, d + "/data");
  EXPECT_EQ(l->wal_directory, d + "/wal");
  ASSERT_EQ(l->tablespaces.size(), 2u);
  EXPECT_EQ(l->tablespaces[0].oid, "16385");
  EXPECT_EQ(l->tablespaces[0].location, d + "/ts1");
  EXPECT_EQ(l->tablespaces[1].location, d + "/ts2");
  EXPECT_EQ(l->AllPaths(),
            (std::vector<std::string>{d + "/data", d + "/wal", d + "/ts1",
                                      d + "/ts2", d + "/archive"}));
}

TEST(PostgresLayout, RefusesWhatIsNotACluster) {
  FakeCluster f;
  std::filesystem::remove(f.dir.path() + "/data/PG_VERSION");
  EXPECT_EQ(DiscoverLayout(f.config).status().code(), Code::kObjectNotFound);
  FakeCluster g;
  WriteFile(g.dir.path() + "/data/pg_tblspc/notanoid", "x");
  EXPECT_EQ(DiscoverLayout(g.config).status().code(), Code::kInvalidArg);
  FakeCluster h;
  h.config.wal_archive = h.dir.path() + "/missing";
  EXPECT_EQ(DiscoverLayout(h.config).status().code(), Code::kObjectNotFound);
}

TEST(PostgresLayout, CoverageSplitsPathsBySet) {
  FakeCluster f;
  Result<ClusterLayout> l = DiscoverLayout(f.config);
  ASSERT_TRUE(l.ok());
  const std::string d = f.dir.path();
  auto all = CoverageOf(*l, [](std::string_view) { return true; });
  EXPECT_TRUE(all.All());
  auto none = CoverageOf(*l, [](std::string_view) { return false; });
  EXPECT_TRUE(none.None());
  auto part =
      CoverageOf(*l, [&](std::string_view p) { return p != d + "/ts2"; });
  EXPECT_FALSE(part.All());
  EXPECT_FALSE(part.None());
  EXPECT_EQ(part.missing, std::vector<std::string>{d + "/ts2"});
}

TEST(PostgresWmd, DescribesClusterWithSubcomponents) {
  FakeCluster f;
  Result<ClusterLayout> l = DiscoverLayout(f.config);
  ASSERT_TRUE(l.ok());
  const WriterMetadata wmd = BuildWriterMetadata(MakeIdentity(f.config), *l);
  const std::string d = f.dir.path();
  ASSERT_EQ(wmd.components.size(), 4u);
  const WmdComponent* cluster = wmd.FindComponent("PostgreSQL", "main");
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->type, ComponentType::kDatabase);
  EXPECT_TRUE(cluster->selectable);
  EXPECT_TRUE(cluster->notify_on_backup_complete);
  ASSERT_EQ(cluster->database_files.size(), 1u);
  EXPECT_EQ(cluster->database_files[0].path, d + "/data");
  EXPECT_TRUE(cluster->database_files[0].recursive);
  ASSERT_EQ(cluster->log_files.size(), 1u);
  EXPECT_EQ(cluster->log_files[0].path, d + "/wal");
  const WmdComponent* ts =
      wmd.FindComponent("PostgreSQL\\main", "tablespace-16385");
  ASSERT_NE(ts, nullptr);
  EXPECT_FALSE(ts->selectable);
  EXPECT_EQ(ts->files.at(0).path, d + "/ts1");
  const WmdComponent* archive =
      wmd.FindComponent("PostgreSQL\\main", "wal-archive");
  ASSERT_NE(archive, nullptr);
  EXPECT_TRUE(archive->notify_on_backup_complete);
  EXPECT_EQ(archive->files.at(0).path, d + "/archive");
  bool excludes_pid = false;
  for (const FileDescriptor& e : wmd.exclude_files) {
    excludes_pid |= e.path == d + "/data" && e.filespec == "postmaster.pid";
  }
  EXPECT_TRUE(excludes_pid);
  // The document passes the schema, and the service's own loader.
  Result<std::string> xml = SaveWmd(wmd);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  Result<WriterMetadata> back = LoadWmd(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, wmd);
}

}  // namespace
}  // namespace sp::postgres
