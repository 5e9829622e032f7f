#include "writers/postgres/restore.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "os/file_util.h"
#include "shadowport/documents.h"
#include "shadowport/path_translation.h"
#include "writers/postgres/config.h"
#include "writers/postgres/wal_names.h"
#include "writers/postgres/wmd_builder.h"

namespace sp::postgres {
namespace {

namespace fs = std::filesystem;

std::string_view BaseName(std::string_view relative) {
  const size_t slash = relative.rfind('/');
  return slash == std::string_view::npos ? relative
                                         : relative.substr(slash + 1);
}

Result<std::string> ReadBcdFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(Code::kObjectNotFound,
                  "cannot read the BCD " + QuotedPath(path));
  }
  std::string text;
  std::array<char, 65536> buf{};
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    text.append(buf.data(), static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxDocumentBytes) {
      return Status(Code::kInvalidXmlDocument,
                    QuotedPath(path) + " is larger than a BCD may be");
    }
  }
  return text;
}

Result<std::string> CheckedPath(std::string_view what, const std::string& p) {
  Result<std::string> normal = NormalizeAbsolutePath(p);
  if (!normal.ok()) {
    return std::move(normal).status().WithContext(std::string(what));
  }
  return *normal;
}

// Names in `dir` (regular files only).
Result<std::set<std::string>> RegularFiles(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
      names.insert(it->path().filename().string());
    }
  }
  if (ec) return FromErrno(ec.value(), "listing " + QuotedPath(dir));
  return names;
}

// Every segment from start_wal_file to stop_wal_file must be in the archive.
Status CheckArchiveHoldsBackup(const BackupMetadata& m,
                               const std::set<std::string>& names,
                               const std::string& archive) {
  const auto start = ParseWalSegmentName(m.start_wal_file, m.wal_segment_size);
  const auto stop = ParseWalSegmentName(m.stop_wal_file, m.wal_segment_size);
  if (!start || !stop || stop->segment_number < start->segment_number ||
      stop->segment_number - start->segment_number > 1'000'000) {
    return Status(Code::kInvalidArg, "the backup's WAL range is not valid");
  }
  for (uint64_t n = start->segment_number; n <= stop->segment_number; ++n) {
    const std::string name =
        WalSegmentName({start->timeline, n}, m.wal_segment_size);
    if (names.count(name) == 0) {
      return Status(Code::kObjectNotFound,
                    "the WAL archive " + QuotedPath(archive) + " lacks " +
                        name +
                        ", which recovery needs to reach the end of "
                        "the backup (WAL " +
                        m.start_wal_file + ".." + m.stop_wal_file +
                        ", stop LSN " + m.stop_lsn +
                        "): give an archive copied after the backup's "
                        "PostSnapshot (pg_backup_stop)");
    }
  }
  return Status::Ok();
}

bool IsArchiveFileName(std::string_view name) {
  return IsWalSegmentName(name) || IsPartialWalSegmentName(name) ||
         IsBackupHistoryName(name) || IsTimelineHistoryName(name);
}

}  // namespace

Result<const BcdComponent*> FindClusterComponent(
    const BackupComponentsDocument& bcd, std::string_view instance) {
  const Guid writer_class = *Guid::Parse(kWriterClassId);
  std::vector<const BcdComponent*> found;
  for (const WriterComponents& w : bcd.writers) {
    if (w.writer_id != writer_class) continue;
    for (const BcdComponent& c : w.components) {
      if (c.logical_path == kRootLogicalPath && !c.backup_metadata.empty() &&
          (instance.empty() || c.name == instance)) {
        found.push_back(&c);
      }
    }
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return Status(Code::kInvalidArg,
                  "the BCD has no PostgreSQL cluster component with backup "
                  "metadata" +
                      (instance.empty() ? std::string()
                                        : " named " + std::string(instance)) +
                      " (was the writer part of the backup, and did its "
                      "PostSnapshot succeed?)");
  }
  std::string names;
  for (const BcdComponent* c : found) names += " " + c->name;
  return Status(Code::kInvalidArg,
                "the BCD holds several PostgreSQL clusters (" +
                    names.substr(1) + "): choose one with --instance");
}

CopyAction DataDirectoryFilter(std::string_view relative,
                               const struct stat& st) {
  static const std::set<std::string_view> kTopFiles = {
      "postmaster.pid",       "postmaster.opts", "backup_label",
      "backup_label.old",     "tablespace_map",  "tablespace_map.old",
      "recovery.signal",      "standby.signal",  "postgresql.auto.conf.tmp",
      "current_logfiles.tmp",
  };
  static const std::set<std::string_view> kEmptied = {
      "pg_wal",    "pg_replslot",  "pg_dynshmem", "pg_notify",
      "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans",
  };
  const std::string_view name = BaseName(relative);
  const bool top = name.size() == relative.size();
  if (top && kTopFiles.count(name) != 0) return CopyAction::kSkip;
  // pg_wal may be a symlink to a directory elsewhere (initdb --waldir):
  // the restored cluster gets its own, filled from the archive by recovery.
  if (top && kEmptied.count(name) != 0 &&
      (S_ISDIR(st.st_mode) || (name == "pg_wal" && S_ISLNK(st.st_mode)))) {
    return CopyAction::kEmptyDir;
  }
  if (name == "pg_internal.init" || name.starts_with("pgsql_tmp")) {
    return CopyAction::kSkip;
  }
  if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) return CopyAction::kCopy;
  // Symlinks included: the tablespace links in pg_tblspc are left out by
  // Restore for the tablespaces of the backup's tablespace_map only.
  return CopyAction::kRefuse;
}

bool IsSafeConfigPath(std::string_view path) {
  Result<std::string> normal = NormalizeAbsolutePath(path);
  if (!normal.ok() || *normal != path) return false;
  for (char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '/' || c == '.' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RecoverySettings(const BackupMetadata& m,
                             const std::string& archive_to,
                             bool recover_to_latest, bool keep_archive_mode) {
  std::ostringstream s;
  s << "\n# Added by shadowport-writer-postgres restore: backup \"" << m.label
    << "\", WAL " << m.start_wal_file << ".." << m.stop_wal_file
    << " (stop LSN " << m.stop_lsn << ").\n";
  s << "restore_command = 'cp \"" << archive_to << "/%f\" \"%p\"'\n";
  if (!recover_to_latest) {
    // Stop as soon as the backup is consistent (its end), then open.
    s << "recovery_target = 'immediate'\n";
    s << "recovery_target_action = 'promote'\n";
  }
  if (!keep_archive_mode) {
    // The copy must not archive into the original cluster's archive.
    s << "archive_mode = 'off'\n";
  }
  return s.str();
}

Result<RestoreReport> Restore(const RestoreOptions& options) {
  RestoreReport report;
  SP_ASSIGN_OR_RETURN(const std::string from,
                      CheckedPath("--from", options.from));
  SP_ASSIGN_OR_RETURN(const std::string to, CheckedPath("--to", options.to));
  SP_ASSIGN_OR_RETURN(const std::string archive,
                      CheckedPath("--archive", options.archive));
  report.archive_to =
      options.archive_to.empty() ? to + ".wal-archive" : options.archive_to;
  SP_ASSIGN_OR_RETURN(report.archive_to,
                      CheckedPath("--archive-to", report.archive_to));
  if (!IsSafeConfigPath(report.archive_to)) {
    return Status(Code::kInvalidArg,
                  "the archive copy's path " + QuotedPath(report.archive_to) +
                      " must consist of [A-Za-z0-9/._+-] only (it goes into "
                      "restore_command); choose another with --archive-to");
  }
  for (const std::string* p :
       std::array<const std::string*, 2>{&to, &report.archive_to}) {
    if (PathsOverlap(*p, from) || PathsOverlap(*p, archive)) {
      return Status(Code::kInvalidArg, QuotedPath(*p) +
                                           " overlaps the snapshot's data "
                                           "directory or the archive");
    }
    if (os::PathExists(*p)) {
      return Status(Code::kObjectAlreadyExists,
                    QuotedPath(*p) + " exists; restore makes it new");
    }
  }
  if (PathsOverlap(to, report.archive_to)) {
    return Status(Code::kInvalidArg, "--archive-to must lie outside --to");
  }

  SP_ASSIGN_OR_RETURN(const std::string xml, ReadBcdFile(options.bcd_path));
  SP_ASSIGN_OR_RETURN(const BackupComponentsDocument bcd, LoadBcd(xml));
  SP_ASSIGN_OR_RETURN(const BcdComponent* component,
                      FindClusterComponent(bcd, options.instance));
  SP_ASSIGN_OR_RETURN(report.metadata,
                      ParseBackupMetadata(component->backup_metadata));
  const BackupMetadata& m = report.metadata;
  if (m.server_version_num / 10000 != 15) {
    return Status(Code::kNotSupported,
                  "the backup is of PostgreSQL " +
                      std::to_string(m.server_version_num) +
                      "; this restore knows PostgreSQL 15");
  }

  // When --from is the data directory's place in the exposure, the
  // snapshot's part of it must not go through a symlink.
  if (bcd.snapshot_set) {
    if (std::optional<std::string> exposure =
            ExposureRootOf(*bcd.snapshot_set, m.data_directory, from)) {
      SP_RETURN_IF_ERROR(RefuseSymlinksBelow(*exposure, from));
    }
  }
  struct stat root {};
  if (!os::PathExists(from + "/PG_VERSION") ||
      !os::PathExists(from + "/global/pg_control") ||
      lstat(from.c_str(), &root) != 0 || !S_ISDIR(root.st_mode)) {
    return Status(Code::kObjectNotFound,
                  QuotedPath(from) +
                      " is not a PostgreSQL data directory "
                      "(no PG_VERSION or global/pg_control)");
  }
  SP_ASSIGN_OR_RETURN(const std::set<std::string> archived,
                      RegularFiles(archive));
  SP_RETURN_IF_ERROR(CheckArchiveHoldsBackup(m, archived, archive));

  TablespacePlanInput tablespaces;
  SP_ASSIGN_OR_RETURN(tablespaces.tablespaces,
                      ParseTablespaceMap(m.tablespace_map));
  tablespaces.targets = options.tablespace_targets;
  tablespaces.sources = options.tablespace_sources;
  tablespaces.set = bcd.snapshot_set ? &*bcd.snapshot_set : nullptr;
  tablespaces.data_directory = m.data_directory;
  tablespaces.from = from;
  tablespaces.taken = {from, to, archive, report.archive_to};
  SP_ASSIGN_OR_RETURN(report.tablespaces, PlanTablespaces(tablespaces));
  std::set<std::string> oids;
  for (const TablespaceRestore& t : report.tablespaces) {
    oids.insert(t.tablespace.oid);
  }

  SP_ASSIGN_OR_RETURN(
      report.data,
      CopyTree(from, to, [&](std::string_view relative, const struct stat& st) {
        // pg_tblspc/<oid> of a tablespace being relocated: recovery makes
        // the link anew from tablespace_map.
        if (S_ISLNK(st.st_mode) && relative.starts_with("pg_tblspc/") &&
            oids.count(std::string(relative.substr(10))) != 0) {
          return CopyAction::kSkip;
        }
        return DataDirectoryFilter(relative, st);
      }));
  SP_RETURN_IF_ERROR(
      CopyTablespaces(report.tablespaces, to, root.st_uid, root.st_gid));

  // The archive copy, owned like the data directory (the server reads it).
  if (mkdir(report.archive_to.c_str(), 0700) != 0) {
    return FromErrno(errno, "mkdir " + QuotedPath(report.archive_to));
  }
  if (geteuid() == 0 &&
      chown(report.archive_to.c_str(), root.st_uid, root.st_gid) != 0) {
    return FromErrno(errno, "chown " + QuotedPath(report.archive_to));
  }
  uint64_t bytes = 0;
  for (const std::string& name : archived) {
    if (!IsArchiveFileName(name)) continue;
    SP_RETURN_IF_ERROR(CopyOneFile(archive, report.archive_to, name,
                                   root.st_uid, root.st_gid, &bytes));
    ++report.wal_files;
  }

  SP_RETURN_IF_ERROR(WriteNewFile(to + "/backup_label", m.backup_label,
                                  root.st_uid, root.st_gid));
  SP_RETURN_IF_ERROR(
      WriteNewFile(to + "/recovery.signal", "", root.st_uid, root.st_gid));
  SP_RETURN_IF_ERROR(AppendToFile(
      to + "/postgresql.auto.conf",
      RecoverySettings(m, report.archive_to, options.recover_to_latest,
                       options.keep_archive_mode),
      root.st_uid, root.st_gid));
  SP_RETURN_IF_ERROR(os::FsyncDirectory(to));
  return report;
}

}  // namespace sp::postgres
