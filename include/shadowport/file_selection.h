// File selection: from the components a backup includes to the rules that
// say which files to copy, after the WMD's file descriptors (path, filespec,
// recursive; reference 3.5 and docs/components.md). This part is pure: it
// decides what a descriptor matches. Walking an exposed snapshot with these
// rules, safely, is the caller's (the CLI's `shadowport files`, which opens
// everything with src/os/open_beneath.h).
//
// Which descriptors count:
//   - FILE_LIST, DATABASE_FILES and DATABASE_LOGFILES of every included
//     component (explicit and implicit: component_selection.h), when their
//     filespecBackupType mask covers the BCD's backup type;
//   - a descriptor with an alternatePath is looked for there: VSS's
//     backup-time alternate location, where the writer put the files for
//     the backup to find;
//   - the WMD's EXCLUDE_FILES and EXCLUDE_FILES_FROM_SNAPSHOT remove what
//     they match, whichever component it came from (a file excluded from
//     the snapshot has no business in its backup either). INCLUDE_FILES is
//     not used (VSS reserves it).
//
// Thread safety: pure functions; pointers returned point into the
// WriterMetadata given.
#ifndef SHADOWPORT_FILE_SELECTION_H_
#define SHADOWPORT_FILE_SELECTION_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/bcd.h"
#include "shadowport/component_selection.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp {

// Whether the file name `name` matches the VSS filespec `filespec`: '*'
// matches any run of bytes (also none), '?' exactly one byte, anything else
// itself, case-sensitively (Linux names are bytes, unlike NTFS). "*.*"
// matches every name, a name without a dot too, as it does on Windows,
// where writers wrote it to mean "all files". A name never contains '/'.
bool MatchFilespec(std::string_view filespec, std::string_view name);

// A file descriptor from a WMD, checked and normalized: `path` (or the
// alternate location, when given) is absolute and normalized (as
// NormalizeAbsolutePath: a ".." component is SP_E_PATH_ESCAPE, a relative
// path or NUL byte E_INVALIDARG); `filespec` is not empty and holds no '/'
// or NUL (E_INVALIDARG). Messages name the writer's component.
struct FileRule {
  std::string directory;  // where the files are (normalized)
  std::string filespec;
  bool recursive = false;
};

Result<FileRule> MakeFileRule(const FileDescriptor& descriptor,
                              bool use_alternate_location);

// Whether `rule` matches the entry `name` in the directory `directory` (an
// absolute normalized path on the creating host): `directory` is the rule's
// directory, or with `recursive` lies below it, and `name` matches the
// filespec.
bool RuleMatches(const FileRule& rule, std::string_view directory,
                 std::string_view name);

// Whether `directory` is the rule's directory or (recursive) below it: a
// walk needs to look inside it.
bool RuleCovers(const FileRule& rule, std::string_view directory);

// Whether a descriptor with `mask` (VSS_FILE_SPEC_BACKUP_TYPE) takes part
// in a backup of `type`: full and copy backups need FULL_BACKUP (0x1) or
// FULL_SNAPSHOT (0x100), differential 0x2/0x200, incremental 0x4/0x400, log
// 0x8/0x800; other and undefined types take every descriptor. A mask of 0
// is read as "every type" (a writer that did not say).
bool NeededFor(uint32_t mask, BackupType type);

// The files one included component contributes.
struct ComponentRules {
  const WmdComponent* component = nullptr;
  std::vector<FileRule> rules;
};

// The rules of `included` (IncludedComponents of a writer) for a backup of
// `type`, in order; fails as MakeFileRule on the first bad descriptor.
Result<std::vector<ComponentRules>> IncludedFileRules(
    std::span<const IncludedComponent> included, BackupType type);

// The writer's exclusion rules: EXCLUDE_FILES and EXCLUDE_FILES_FROM_SNAPSHOT
// (paths as given, never the alternate location).
Result<std::vector<FileRule>> ExclusionRules(const WriterMetadata& wmd);

// Whether any of `exclusions` matches `name` in `directory`.
bool IsExcluded(std::span<const FileRule> exclusions,
                std::string_view directory, std::string_view name);

}  // namespace sp

#endif  // SHADOWPORT_FILE_SELECTION_H_
