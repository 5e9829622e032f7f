#include "writers/postgres/cluster_layout.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "os/file_util.h"
#include "shadowport/path_translation.h"

namespace sp::postgres {
namespace {

namespace fs = std::filesystem;

Status FsError(const std::error_code& ec, const std::string& what) {
  return FromErrno(ec.value(), what);
}

bool IsDigits(const std::string& text) {
  return !text.empty() && text.size() <= 10 &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// The target of the symlink `link`, which must be an absolute path.
Result<std::string> AbsoluteLinkTarget(const fs::path& link) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(link, ec);
  if (ec) return FsError(ec, "readlink " + QuotedPath(link.string()));
  if (!target.is_absolute()) {
    return Status(Code::kInvalidArg,
                  QuotedPath(link.string()) +
                      " points to a relative path; PostgreSQL makes "
                      "absolute links");
  }
  return os::ResolvePath(target.string());
}

}  // namespace

std::vector<std::string> ClusterLayout::AllPaths() const {
  std::vector<std::string> paths{data_directory};
  if (!wal_directory.starts_with(data_directory + "/")) {
    paths.push_back(wal_directory);
  }
  for (const Tablespace& t : tablespaces) paths.push_back(t.location);
  if (!wal_archive.empty()) paths.push_back(wal_archive);
  return paths;
}

SetCoverage CoverageOf(const ClusterLayout& layout,
                       const std::function<bool(std::string_view)>& on_set) {
  SetCoverage c;
  for (std::string& path : layout.AllPaths()) {
    (on_set(path) ? c.covered : c.missing).push_back(std::move(path));
  }
  return c;
}

Result<ClusterLayout> DiscoverLayout(const WriterConfig& config) {
  ClusterLayout layout;
  SP_ASSIGN_OR_RETURN(layout.data_directory,
                      os::ResolvePath(config.data_directory));
  const fs::path data(layout.data_directory);
  if (!os::PathExists((data / "PG_VERSION").string())) {
    return Status(Code::kObjectNotFound,
                  QuotedPath(layout.data_directory) +
                      " is not a PostgreSQL data directory (no PG_VERSION)");
  }

  std::error_code ec;
  const fs::path wal = data / "pg_wal";
  if (fs::is_symlink(wal, ec)) {
    SP_ASSIGN_OR_RETURN(layout.wal_directory, AbsoluteLinkTarget(wal));
  } else {
    layout.wal_directory = wal.string();
  }

  const fs::path tblspc = data / "pg_tblspc";
  if (fs::exists(tblspc, ec)) {
    for (fs::directory_iterator it(tblspc, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string oid = it->path().filename().string();
      if (!IsDigits(oid) || !it->is_symlink(ec)) {
        return Status(Code::kInvalidArg,
                      QuotedPath(it->path().string()) +
                          " is not a tablespace link (<oid> -> directory)");
      }
      SP_ASSIGN_OR_RETURN(std::string location, AbsoluteLinkTarget(it->path()));
      layout.tablespaces.push_back({oid, std::move(location)});
    }
    if (ec) return FsError(ec, "listing " + QuotedPath(tblspc.string()));
  }
  std::sort(layout.tablespaces.begin(), layout.tablespaces.end(),
            [](const Tablespace& a, const Tablespace& b) {
              return std::stoull(a.oid) < std::stoull(b.oid);
            });

  if (!config.wal_archive.empty()) {
    Result<std::string> archive = os::ResolvePath(config.wal_archive);
    if (!archive.ok()) {
      return std::move(archive).status().WithContext(
          "the WAL archive (wal_archive)");
    }
    layout.wal_archive = *archive;
  }
  return layout;
}

}  // namespace sp::postgres
