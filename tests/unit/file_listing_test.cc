// The files of a backup's components in an exposed snapshot
// (src/cli/file_listing.h, src/os/tree_walk.h), without root: a temporary
// directory plays the exposure of the volume /srv/F, with files, excluded
// files, a missing descriptor directory and symlinks that point out of it.
#include "cli/file_listing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "os/open_beneath.h"
#include "os/tree_walk.h"
#include "unit/file_listing_fixture.h"

namespace sp::cli {
namespace {

using testing_support::FakeExposure;

std::vector<std::string> Relative(const FileListing& listing) {
  std::vector<std::string> out;
  for (const ListedFile& f : listing.files) out.push_back(f.relative_path);
  return out;
}

class FileListingTest : public ::testing::Test, protected FakeExposure {};

TEST_F(FileListingTest, SelectedComponentsMinusExclusions) {
  FileListingRequest request =
      Request({Pick("", "pgdata"), Pick("", "config")});
  Result<FileListing> listing = ListSelectedFiles(request);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  // pgdata recursive "*" minus postmaster.pid and pg_stat_tmp/*; its
  // implicit subcomponent wal ("0000*", not recursive); symlinks listed as
  // themselves, never followed; db/ belongs to the unselected sqlite.
  EXPECT_EQ(
      Relative(*listing),
      (std::vector<std::string>{
          "pgdata/PG_VERSION", "pgdata/base/1/123", "pgdata/base/1/124",
          "pgdata/escape_dir", "pgdata/escape_file",
          "wal/000000010000000000000001", "wal/000000010000000000000002"}));
  EXPECT_EQ(listing->missing_directories,
            (std::vector<std::string>{"/srv/F/etc"}));
  const ListedFile& first = listing->files.front();
  EXPECT_EQ(first.path, root() + "/pgdata/PG_VERSION");
  EXPECT_EQ(first.original_path, "/srv/F/pgdata/PG_VERSION");
  EXPECT_EQ(first.volume, "/srv/F");
  EXPECT_EQ(first.kind, EntryKind::kFile);
  EXPECT_EQ(first.writer_name, "TestWriter");
  EXPECT_EQ(first.component, "pgdata");
  auto link = std::find_if(listing->files.begin(), listing->files.end(),
                           [](const ListedFile& f) {
                             return f.relative_path == "pgdata/escape_dir";
                           });
  ASSERT_NE(link, listing->files.end());
  EXPECT_EQ(link->kind, EntryKind::kSymlink);
  auto wal = std::find_if(
      listing->files.begin(), listing->files.end(),
      [](const ListedFile& f) { return f.relative_path.starts_with("wal/"); });
  ASSERT_NE(wal, listing->files.end());
  EXPECT_EQ(wal->component, "pgdata\\wal");

  const std::string nul = NulSeparatedPaths(*listing);
  EXPECT_EQ(std::count(nul.begin(), nul.end(), '\0'), 7);
  EXPECT_EQ(nul.substr(0, nul.find('\0')), root() + "/pgdata/PG_VERSION");
}

TEST_F(FileListingTest, DatabaseFilesAndLogs) {
  FileListingRequest request = Request(
      {Pick("", "config"), Pick("", "sqlite", ComponentType::kDatabase)});
  Result<FileListing> listing = ListSelectedFiles(request);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(Relative(*listing),
            (std::vector<std::string>{"db/main.db", "db/main.db-wal"}));
}

TEST_F(FileListingTest, DirectoriesForTarNoRecursion) {
  FileListingRequest request =
      Request({Pick("", "pgdata"), Pick("", "config")});
  request.directories = true;
  request.components = {"pgdata"};
  Result<FileListing> listing = ListSelectedFiles(request);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  std::vector<std::string> dirs;
  for (const ListedFile& f : listing->files) {
    if (f.kind == EntryKind::kDirectory) dirs.push_back(f.relative_path);
  }
  // pg_stat_tmp stays as an (empty) directory: the exclusion is of what is
  // in it, its subdirectory "sub" included; symlinked directories are not
  // walked.
  EXPECT_EQ(dirs,
            (std::vector<std::string>{"pgdata", "pgdata/base", "pgdata/base/1",
                                      "pgdata/pg_stat_tmp"}));
}

TEST_F(FileListingTest, FiltersByWriterAndComponent) {
  FileListingRequest request =
      Request({Pick("", "pgdata"), Pick("", "config")});
  request.components = {"pgdata\\wal"};
  Result<FileListing> wal = ListSelectedFiles(request);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  EXPECT_EQ(Relative(*wal),
            (std::vector<std::string>{"wal/000000010000000000000001",
                                      "wal/000000010000000000000002"}));

  request.components = {"sqlite"};  // not included in this backup
  EXPECT_EQ(ListSelectedFiles(request).status().code(), Code::kObjectNotFound);

  request.components.clear();
  request.writer = "NoSuchWriter";
  EXPECT_EQ(ListSelectedFiles(request).status().code(), Code::kObjectNotFound);
  request.writer = wmd().identity.instance_id.ToString();
  EXPECT_TRUE(ListSelectedFiles(request).ok());
}

TEST_F(FileListingTest, DescriptorThroughEscapingSymlinkIsRefused) {
  AddComponentWithFiles("escaping", "/srv/F/pgdata/escape_dir", "*", true);
  FileListingRequest request =
      Request({Pick("", "config"), Pick("", "escaping")});
  Result<FileListing> listing = ListSelectedFiles(request);
  EXPECT_EQ(listing.status().code(), Code::kPathEscape)
      << listing.status().ToString();
  EXPECT_NE(listing.status().message().find("\"escaping\""), std::string::npos)
      << listing.status().message();
}

TEST_F(FileListingTest, DescriptorWithDotDotIsRefused) {
  AddComponentWithFiles("dotdot", "/srv/F/pgdata/../../etc", "*", true);
  FileListingRequest request =
      Request({Pick("", "config"), Pick("", "dotdot")});
  EXPECT_EQ(ListSelectedFiles(request).status().code(), Code::kPathEscape);
}

TEST_F(FileListingTest, DescriptorOnAVolumeNotInTheSetIsRefused) {
  AddComponentWithFiles("elsewhere", "/srv/G/data", "*", true);
  FileListingRequest request =
      Request({Pick("", "config"), Pick("", "elsewhere")});
  EXPECT_EQ(ListSelectedFiles(request).status().code(), Code::kPathNotOnSet);
}

TEST_F(FileListingTest, BcdThatBreaksTheRulesOrLacksItsWmdIsRefused) {
  FileListingRequest forbidden =
      Request({Pick("", "config"), Pick("pgdata", "wal")});  // implicit-only
  EXPECT_EQ(ListSelectedFiles(forbidden).status().code(), Code::kInvalidArg);

  FileListingRequest missing_required = Request({Pick("", "pgdata")});
  EXPECT_EQ(ListSelectedFiles(missing_required).status().code(),
            Code::kInvalidArg);

  FileListingRequest no_wmd = Request({Pick("", "pgdata"), Pick("", "config")});
  no_wmd.wmds.clear();
  EXPECT_EQ(ListSelectedFiles(no_wmd).status().code(), Code::kObjectNotFound);
}

TEST_F(FileListingTest, BadExposureRootIsAnError) {
  FileListingRequest request =
      Request({Pick("", "pgdata"), Pick("", "config")});
  request.volumes[0].exposure_root = root() + "/no-such-dir";
  EXPECT_EQ(ListSelectedFiles(request).status().code(), Code::kObjectNotFound);
}

TEST_F(FileListingTest, WalkNeverFollowsSymlinksAndSortsEntries) {
  Result<os::UniqueFd> root = os::OpenDirectory(this->root());
  ASSERT_TRUE(root.ok());
  std::vector<std::string> seen;
  Status walked = WalkBeneath(
      root->get(), "pgdata", true, [&](const WalkEntry& e) -> Status {
        seen.push_back(e.dir + "|" + e.name + "|" + EntryKindName(e.kind));
        return Status::Ok();
      });
  ASSERT_TRUE(walked.ok()) << walked.ToString();
  EXPECT_EQ(seen,
            (std::vector<std::string>{
                "pgdata|PG_VERSION|file", "pgdata|base|directory",
                "pgdata|escape_dir|symlink", "pgdata|escape_file|symlink",
                "pgdata|pg_stat_tmp|directory", "pgdata|postmaster.pid|file",
                "pgdata/base|1|directory", "pgdata/base/1|123|file",
                "pgdata/base/1|124|file", "pgdata/pg_stat_tmp|sub|directory",
                "pgdata/pg_stat_tmp|x.tmp|file",
                "pgdata/pg_stat_tmp/sub|y.tmp|file"}));
  // A visitor's failure stops the walk.
  int calls = 0;
  Status stopped = WalkBeneath(root->get(), ".", true, [&](const WalkEntry&) {
    ++calls;
    return Status(Code::kCancelled, "stop");
  });
  EXPECT_EQ(stopped.code(), Code::kCancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(WalkBeneath(root->get(), "pgdata/escape_dir", true,
                        [](const WalkEntry&) { return Status::Ok(); })
                .code(),
            Code::kPathEscape);
}

}  // namespace
}  // namespace sp::cli
