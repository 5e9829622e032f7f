// A fake exposure for the file listing tests (no root): a temporary
// directory that stands for the snapshot of /srv/F exposed on the backup
// host, and a WMD of a writer "TestWriter" describing it:
//
//   pgdata/            component "pgdata" (selectable): "*" recursive
//     PG_VERSION  base/1/123  base/1/124
//     postmaster.pid             excluded (EXCLUDE_FILES, not recursive)
//     pg_stat_tmp/x.tmp, sub/y.tmp   excluded (EXCLUDE_FILES "*" recursive)
//     escape_dir -> ../../../..  a symlink out of the exposure
//     escape_file -> /etc/passwd an absolute symlink
//   wal/               component "pgdata\wal" (not selectable, implicit):
//     000000010000000000000001  "0000*", not recursive
//     000000010000000000000002
//     archive_status/000000010000000000000001.done  (not matched: deeper)
//     README                                        (not matched: name)
//   db/                component "sqlite" (selectable database):
//     main.db (DATABASE_FILES *.db)  main.db-wal (DATABASE_LOGFILES *.db-wal)
//     other.txt
//   (no etc/)          component "config" (required): /srv/F/etc "*"
//
// Thread safety: test-only, single-threaded.
#ifndef SHADOWPORT_TESTS_UNIT_FILE_LISTING_FIXTURE_H_
#define SHADOWPORT_TESTS_UNIT_FILE_LISTING_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/file_listing.h"
#include "shadowport/bcd.h"
#include "shadowport/wmd.h"

namespace sp::cli::testing_support {

class FakeExposure {
 public:
  FakeExposure() {
    char dir[] = "/tmp/sp-file-listing-XXXXXX";
    if (::mkdtemp(dir) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    base_ = dir;
    root_ = base_ + "/srv_F";
    namespace fs = std::filesystem;
    for (const char* d : {"pgdata/base/1", "pgdata/pg_stat_tmp/sub",
                          "wal/archive_status", "db"}) {
      fs::create_directories(root_ + "/" + d);
    }
    for (const char* f :
         {"pgdata/PG_VERSION", "pgdata/base/1/123", "pgdata/base/1/124",
          "pgdata/postmaster.pid", "pgdata/pg_stat_tmp/x.tmp",
          "pgdata/pg_stat_tmp/sub/y.tmp", "wal/000000010000000000000001",
          "wal/000000010000000000000002",
          "wal/archive_status/000000010000000000000001.done", "wal/README",
          "db/main.db", "db/main.db-wal", "db/other.txt"}) {
      std::ofstream(root_ + "/" + f) << f << '\n';
    }
    fs::create_directory_symlink("../../../..", root_ + "/pgdata/escape_dir");
    fs::create_symlink("/etc/passwd", root_ + "/pgdata/escape_file");

    wmd_.identity.writer_name = "TestWriter";
    wmd_.identity.writer_id =
        *Guid::Parse("{c0000000-0000-4000-8000-000000000001}");
    wmd_.identity.instance_id =
        *Guid::Parse("{d0000000-0000-4000-8000-000000000001}");
    WmdComponent pgdata = Group("", "pgdata", true);
    pgdata.files.push_back(Files("/srv/F/pgdata", "*", true));
    WmdComponent wal = Group("pgdata", "wal", false);
    wal.files.push_back(Files("/srv/F/wal", "0000*", false));
    WmdComponent sqlite = Group("", "sqlite", true);
    sqlite.type = ComponentType::kDatabase;
    sqlite.database_files.push_back(Files("/srv/F/db", "*.db", false));
    sqlite.log_files.push_back(Files("/srv/F/db", "*.db-wal", false));
    WmdComponent config = Group("", "config", false);
    config.files.push_back(Files("/srv/F/etc", "*", true));
    wmd_.components = {pgdata, wal, sqlite, config};
    wmd_.exclude_files.push_back(
        Files("/srv/F/pgdata", "postmaster.pid", false));
    wmd_.exclude_files.push_back(Files("/srv/F/pgdata/pg_stat_tmp", "*", true));
  }
  ~FakeExposure() {
    if (!base_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(base_, ignored);
    }
  }
  FakeExposure(const FakeExposure&) = delete;
  FakeExposure& operator=(const FakeExposure&) = delete;

  // The exposure root of /srv/F.
  const std::string& root() const { return root_; }
  // A scratch directory beside it, removed with it.
  const std::string& base() const { return base_; }
  const WriterMetadata& wmd() const { return wmd_; }

  // A selectable file group named `name` with one descriptor.
  void AddComponentWithFiles(const std::string& name, const std::string& path,
                             const std::string& filespec, bool recursive) {
    WmdComponent c = Group("", name, true);
    c.files.push_back(Files(path, filespec, recursive));
    wmd_.components.push_back(std::move(c));
  }

  static BcdComponent Pick(std::string logical_path, std::string name,
                           ComponentType type = ComponentType::kFileGroup) {
    BcdComponent c;
    c.type = type;
    c.logical_path = std::move(logical_path);
    c.name = std::move(name);
    return c;
  }

  // A BCD selecting `picks` of TestWriter, its WMD, and the exposure.
  BackupComponentsDocument Bcd(std::vector<BcdComponent> picks) const {
    BackupComponentsDocument bcd;
    WriterComponents w;
    w.writer_id = wmd_.identity.writer_id;
    w.instance_id = wmd_.identity.instance_id;
    w.components = std::move(picks);
    bcd.writers.push_back(std::move(w));
    return bcd;
  }
  FileListingRequest Request(std::vector<BcdComponent> picks) const {
    FileListingRequest request;
    request.bcd = Bcd(std::move(picks));
    request.wmds = {wmd_};
    request.volumes = {VolumeExposure{"/srv/F", root_}};
    return request;
  }

 private:
  static WmdComponent Group(std::string logical_path, std::string name,
                            bool selectable) {
    WmdComponent c;
    c.logical_path = std::move(logical_path);
    c.name = std::move(name);
    c.selectable = selectable;
    return c;
  }
  static FileDescriptor Files(std::string path, std::string filespec,
                              bool recursive) {
    FileDescriptor d;
    d.path = std::move(path);
    d.filespec = std::move(filespec);
    d.recursive = recursive;
    return d;
  }

  std::string base_;
  std::string root_;
  WriterMetadata wmd_;
};

}  // namespace sp::cli::testing_support

#endif  // SHADOWPORT_TESTS_UNIT_FILE_LISTING_FIXTURE_H_
