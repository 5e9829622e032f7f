// shadowport-writer-sqlite's config file: what it accepts and the errors
// (with file and line) for what it refuses.
#include "writers/sqlite/sqlite_config.h"

#include <gtest/gtest.h>

#include <string>

namespace sp::writers::sqlite {
namespace {

Result<SqliteWriterConfig> Parse(const std::string& text) {
  return ParseSqliteWriterConfig(text, "w.toml");
}

void ExpectError(const std::string& text, const std::string& part) {
  Result<SqliteWriterConfig> config = Parse(text);
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_EQ(config.status().code(), Code::kInvalidArg);
  EXPECT_NE(config.status().message().find(part), std::string::npos)
      << config.status().message();
}

TEST(SqliteConfig, ReadsDatabasesAndSettings) {
  Result<SqliteWriterConfig> config = Parse(R"(
instance_name = "app databases"
lock_timeout_ms = 2500
checkpoint_timeout_ms = 9000
[[database]]
path = "/srv/app/app.db"
name = "app"
[[database]]
path = "/srv/app/cache.sqlite3"
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->instance_name, "app databases");
  EXPECT_EQ(config->lock_timeout.count(), 2500);
  EXPECT_EQ(config->checkpoint_timeout.count(), 9000);
  ASSERT_EQ(config->databases.size(), 2u);
  EXPECT_EQ(config->databases[0].path, "/srv/app/app.db");
  EXPECT_EQ(config->databases[0].name, "app");
  // Without a name: the file name.
  EXPECT_EQ(config->databases[1].name, "cache.sqlite3");
}

TEST(SqliteConfig, Defaults) {
  Result<SqliteWriterConfig> config = Parse("[[database]]\npath = \"/a.db\"\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->lock_timeout.count(), 10000);
  EXPECT_EQ(config->checkpoint_timeout.count(), 30000);
  EXPECT_TRUE(config->instance_name.empty());
}

TEST(SqliteConfig, RefusesWhatItCannotUse) {
  ExpectError("", "no database listed");
  ExpectError("instance_name = \"x\"\n", "no database listed");
  ExpectError("[[database]]\nname = \"x\"\n", "needs a path");
  ExpectError("[[database]]\npath = \"app.db\"\n",
              "w.toml:2: database.path must be an absolute path");
  ExpectError("[[database]]\npath = \"/srv/../app.db\"\n", "normalized");
  ExpectError("[[database]]\npath = \"/srv/app/\"\n", "normalized");
  ExpectError("[[database]]\npath = \"/srv/app.db-wal\"\n", "-wal file");
  ExpectError("[[database]]\npath = \"/srv/app.db-journal\"\n",
              "give the database file itself");
  ExpectError(
      "[[database]]\npath = \"/a.db\"\n[[database]]\npath = \"/a.db\"\n",
      "w.toml:3: database path \"/a.db\" is listed twice");
  ExpectError(
      "[[database]]\npath = \"/a/x.db\"\n[[database]]\npath = \"/b/x.db\"\n",
      "name \"x.db\" is used twice");
  ExpectError("[[database]]\npath = \"/a.db\"\nname = \"a\\\\b\"\n",
              "must not contain");
  ExpectError("[[database]]\npath = \"/a.db\"\nsize = 3\n",
              "unknown key \"database.size\"");
  ExpectError("lock_timeout = 3\n[[database]]\npath = \"/a.db\"\n",
              "unknown key \"lock_timeout\"");
  ExpectError("lock_timeout_ms = 5\n[[database]]\npath = \"/a.db\"\n",
              "lock_timeout_ms must be an integer from 100");
  ExpectError("database = \"/a.db\"\n", "array of tables");
  ExpectError("[[database]]\npath = 3\n", "database.path must be a string");
  ExpectError("[[database]\n", "w.toml:1:");
}

TEST(SqliteConfig, MissingFileIsNotFound) {
  Result<SqliteWriterConfig> config =
      LoadSqliteWriterConfig("/nonexistent/shadowport-writer-sqlite.toml");
  EXPECT_EQ(config.status().code(), Code::kObjectNotFound);
}

}  // namespace
}  // namespace sp::writers::sqlite
