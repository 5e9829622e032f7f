#include "writers/postgres/tablespace_restore.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <memory>

#include "os/file_util.h"
#include "shadowport/path_translation.h"
#include "writers/postgres/backup_metadata.h"

namespace sp::postgres {
namespace {

Status Invalid(const std::string& what) {
  return Status(Code::kInvalidArg, what);
}

std::string Describe(const Tablespace& t) {
  return "tablespace " + t.oid + " at " + QuotedPath(t.location);
}

// Normalized OLDDIR -> NEWDIR, each OLDDIR a location of `tablespaces`.
Result<std::map<std::string, std::string>> MappingsByLocation(
    const std::vector<DirectoryMapping>& mappings,
    const std::vector<Tablespace>& tablespaces, std::string_view option) {
  std::map<std::string, std::string> out;
  for (const DirectoryMapping& m : mappings) {
    Result<std::string> old_dir = NormalizeAbsolutePath(m.old_dir);
    if (!old_dir.ok()) {
      return std::move(old_dir).status().WithContext(std::string(option));
    }
    Result<std::string> new_dir = NormalizeAbsolutePath(m.new_dir);
    if (!new_dir.ok()) {
      return std::move(new_dir).status().WithContext(std::string(option));
    }
    bool known = false;
    for (const Tablespace& t : tablespaces) known |= t.location == *old_dir;
    if (!known) {
      std::string list;
      for (const Tablespace& t : tablespaces) list += ", " + Describe(t);
      return Invalid(std::string(option) + " names " + QuotedPath(*old_dir) +
                     ", which is no tablespace of the backup (" +
                     (list.empty() ? std::string("it has none")
                                   : "it has " + list.substr(2)) +
                     ")");
    }
    if (!out.emplace(*old_dir, *new_dir).second) {
      return Invalid(std::string(option) + " names " + QuotedPath(*old_dir) +
                     " twice");
    }
  }
  return out;
}

// The source must be a real directory (not a symlink) holding PostgreSQL
// 15's per-version directory, PG_15_<catalog version>.
Status CheckSource(const TablespaceRestore& r) {
  struct stat st {};
  if (lstat(r.source.c_str(), &st) != 0) {
    return Status(Code::kObjectNotFound,
                  "the copy of " + Describe(r.tablespace) + ", " +
                      QuotedPath(r.source) + ", does not exist");
  }
  if (S_ISLNK(st.st_mode)) {
    return Status(Code::kPathEscape, "the copy of " + Describe(r.tablespace) +
                                         ", " + QuotedPath(r.source) +
                                         ", is a symlink");
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(r.source.c_str()), closedir);
  if (!S_ISDIR(st.st_mode) || dir == nullptr) {
    return Status(Code::kObjectNotFound,
                  QuotedPath(r.source) + " is not a directory (the copy of " +
                      Describe(r.tablespace) + ")");
  }
  while (const dirent* e = readdir(dir.get())) {
    if (std::string_view(e->d_name).starts_with("PG_15_")) {
      return Status::Ok();
    }
  }
  return Status(Code::kObjectNotFound,
                QuotedPath(r.source) +
                    " has no PG_15_* directory: it is not "
                    "the copy of " +
                    Describe(r.tablespace));
}

// Which volume of `set` holds `path` (exposure roots do not matter here).
std::optional<size_t> VolumeOf(const SnapshotSetDescription& set,
                               const std::string& path, std::string* relative) {
  std::vector<VolumeExposure> volumes;
  for (const SnapshotDescription& s : set.snapshots) {
    volumes.push_back({s.original.mount_point, "/"});
  }
  Result<VolumeRelativePath> r = RelativeToVolume(path, volumes);
  if (!r.ok()) return std::nullopt;
  if (relative != nullptr) *relative = r->relative_path;
  return r->volume_index;
}

Status CheckTarget(const TablespaceRestore& r) {
  if (os::PathExists(r.target)) {
    return Status(Code::kObjectAlreadyExists,
                  "the new location of " + Describe(r.tablespace) + ", " +
                      QuotedPath(r.target) + ", exists; restore makes it new");
  }
  const std::string parent = r.target.substr(0, r.target.rfind('/'));
  struct stat st {};
  if (r.target == "/" ||
      stat(parent.empty() ? "/" : parent.c_str(), &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    return Status(Code::kObjectNotFound,
                  "the new location of " + Describe(r.tablespace) + ", " +
                      QuotedPath(r.target) +
                      ", needs an existing parent directory");
  }
  return Status::Ok();
}

}  // namespace

Result<DirectoryMapping> ParseDirectoryMapping(std::string_view arg) {
  DirectoryMapping m;
  std::string* side = &m.old_dir;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] == '\\' && i + 1 < arg.size() && arg[i + 1] == '=') {
      side->push_back('=');
      ++i;
    } else if (arg[i] == '=') {
      if (side == &m.new_dir) {
        return Invalid("\"" + std::string(arg) +
                       "\" has more than one '=' (write \\= for a '=' in "
                       "a directory)");
      }
      side = &m.new_dir;
    } else {
      side->push_back(arg[i]);
    }
  }
  if (side != &m.new_dir || m.old_dir.empty() || m.new_dir.empty()) {
    return Invalid("\"" + std::string(arg) + "\" is not OLDDIR=NEWDIR");
  }
  return m;
}

std::optional<std::string> ExposureRootOf(const SnapshotSetDescription& set,
                                          const std::string& data_directory,
                                          const std::string& from) {
  std::string relative;
  if (!VolumeOf(set, data_directory, &relative)) return std::nullopt;
  if (relative == ".") return from;
  const std::string suffix = "/" + relative;
  if (!from.ends_with(suffix) || from.size() == suffix.size()) {
    return std::nullopt;
  }
  return from.substr(0, from.size() - suffix.size());
}

std::optional<std::string> DeriveTablespaceSource(
    const SnapshotSetDescription& set, const std::string& data_directory,
    const std::string& from, const std::string& location) {
  std::optional<std::string> root = ExposureRootOf(set, data_directory, from);
  std::string relative;
  if (!root || VolumeOf(set, data_directory, nullptr) !=
                   VolumeOf(set, location, &relative)) {
    return std::nullopt;
  }
  if (relative == ".") return root;
  return (*root == "/" ? "" : *root) + "/" + relative;
}

Status RefuseSymlinksBelow(const std::string& root, const std::string& path) {
  const std::optional<std::string_view> below = PathBelow(root, path);
  if (!below) {
    return Status(Code::kPathEscape,
                  QuotedPath(path) + " is not below " + QuotedPath(root));
  }
  const size_t start = path.size() - below->size();
  for (size_t i = start; i <= path.size(); ++i) {
    if (i == start || (i != path.size() && path[i] != '/')) continue;
    const std::string prefix = path.substr(0, i);
    struct stat st {};
    if (lstat(prefix.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return Status(Code::kPathEscape,
                    "the snapshot's path " + QuotedPath(path) +
                        " goes through the symlink " + QuotedPath(prefix));
    }
  }
  return Status::Ok();
}

Result<std::vector<TablespaceRestore>> PlanTablespaces(
    const TablespacePlanInput& in) {
  SP_ASSIGN_OR_RETURN(
      const auto targets,
      MappingsByLocation(in.targets, in.tablespaces, "--tablespace-mapping"));
  SP_ASSIGN_OR_RETURN(
      const auto sources,
      MappingsByLocation(in.sources, in.tablespaces, "--tablespace-from"));
  std::vector<TablespaceRestore> plan;
  for (const Tablespace& t : in.tablespaces) {
    TablespaceRestore r;
    r.tablespace = t;
    auto target = targets.find(t.location);
    if (target == targets.end()) {
      return Invalid(Describe(t) +
                     " needs a new location: --tablespace-mapping " +
                     t.location + "=NEWDIR");
    }
    r.target = target->second;
    auto source = sources.find(t.location);
    if (source != sources.end()) {
      r.source = source->second;
    } else if (in.set != nullptr) {
      r.source = DeriveTablespaceSource(*in.set, in.data_directory, in.from,
                                        t.location)
                     .value_or("");
      // Nobody named this path: none of its components in the snapshot
      // may be a symlink.
      if (!r.source.empty()) {
        SP_RETURN_IF_ERROR(RefuseSymlinksBelow(
            *ExposureRootOf(*in.set, in.data_directory, in.from), r.source));
      }
    }
    if (r.source.empty()) {
      return Invalid(
          Describe(t) +
          " is not on the data directory's snapshot volume: name its copy "
          "with --tablespace-from " +
          t.location + "=DIR (`shadowport path SET " + t.location +
          "` prints it)");
    }
    plan.push_back(std::move(r));
  }
  // Every target apart from everything else, before anything is written.
  for (size_t i = 0; i < plan.size(); ++i) {
    std::vector<std::string> others = in.taken;
    for (size_t j = 0; j < plan.size(); ++j) {
      others.push_back(plan[j].source);
      if (j != i) others.push_back(plan[j].target);
    }
    for (const std::string& other : others) {
      if (PathsOverlap(plan[i].target, other)) {
        return Invalid("the new location of " + Describe(plan[i].tablespace) +
                       ", " + QuotedPath(plan[i].target) + ", overlaps " +
                       QuotedPath(other));
      }
    }
    SP_RETURN_IF_ERROR(CheckTarget(plan[i]));
    SP_RETURN_IF_ERROR(CheckSource(plan[i]));
  }
  return plan;
}

os::CopyAction TablespaceFilter(std::string_view relative,
                                const struct stat& st) {
  const size_t slash = relative.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  if (name.starts_with("pgsql_tmp")) return os::CopyAction::kSkip;
  if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) return os::CopyAction::kCopy;
  return os::CopyAction::kRefuse;
}

Status CopyTablespaces(std::vector<TablespaceRestore>& plan,
                       const std::string& data_dir, uid_t uid, gid_t gid) {
  std::vector<Tablespace> relocated;
  for (TablespaceRestore& r : plan) {
    Result<os::CopyStats> copied =
        os::CopyTree(r.source, r.target, TablespaceFilter);
    if (!copied.ok()) {
      return std::move(copied).status().WithContext("copying " +
                                                    Describe(r.tablespace));
    }
    r.data = *copied;
    relocated.push_back({r.tablespace.oid, r.target});
  }
  if (relocated.empty()) return Status::Ok();
  return os::WriteNewFile(data_dir + "/tablespace_map",
                          FormatTablespaceMap(relocated), uid, gid);
}

}  // namespace sp::postgres
