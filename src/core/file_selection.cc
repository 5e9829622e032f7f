// The WMD's file descriptors as matching rules (shadowport/file_selection.h).
#include "shadowport/file_selection.h"

#include "shadowport/path_translation.h"

namespace sp {
namespace {

// `path` is `dir` or lies below it (both normalized and absolute).
bool AtOrBelow(std::string_view path, std::string_view dir) {
  if (path == dir) return true;
  if (dir == "/") return true;
  return path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
         path[dir.size()] == '/';
}

Status CheckFilespec(std::string_view filespec) {
  if (filespec.empty()) {
    return Status(Code::kInvalidArg, "empty filespec");
  }
  if (filespec.find('/') != std::string_view::npos ||
      filespec.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidArg, "filespec " + QuotedPath(filespec) +
                                         " holds a '/' or a NUL byte; it "
                                         "must be a file name pattern");
  }
  return Status::Ok();
}

}  // namespace

bool MatchFilespec(std::string_view filespec, std::string_view name) {
  if (filespec == "*.*") return true;
  // Greedy match with backtracking to the last '*': linear in practice,
  // O(|filespec| * |name|) at worst, no recursion for hostile patterns.
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (n < name.size()) {
    // '*' first: a '*' in the name must not make it match literally.
    if (p < filespec.size() && filespec[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < filespec.size() &&
               (filespec[p] == '?' || filespec[p] == name[n])) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < filespec.size() && filespec[p] == '*') ++p;
  return p == filespec.size();
}

Result<FileRule> MakeFileRule(const FileDescriptor& descriptor,
                              bool use_alternate_location) {
  const std::string& where =
      use_alternate_location && !descriptor.alternate_location.empty()
          ? descriptor.alternate_location
          : descriptor.path;
  FileRule rule;
  SP_ASSIGN_OR_RETURN(rule.directory, NormalizeAbsolutePath(where));
  SP_RETURN_IF_ERROR(CheckFilespec(descriptor.filespec));
  rule.filespec = descriptor.filespec;
  rule.recursive = descriptor.recursive;
  return rule;
}

bool RuleCovers(const FileRule& rule, std::string_view directory) {
  return rule.recursive ? AtOrBelow(directory, rule.directory)
                        : directory == rule.directory;
}

bool RuleMatches(const FileRule& rule, std::string_view directory,
                 std::string_view name) {
  return RuleCovers(rule, directory) && MatchFilespec(rule.filespec, name);
}

bool NeededFor(uint32_t mask, BackupType type) {
  if (mask == 0) return true;
  uint32_t bits = 0;
  switch (type) {
    case BackupType::kFull:
    case BackupType::kCopy:
      bits = backup_type_mask::kFullBackup | backup_type_mask::kFullSnapshot;
      break;
    case BackupType::kDifferential:
      bits = backup_type_mask::kDifferentialBackup |
             backup_type_mask::kDifferentialSnapshot;
      break;
    case BackupType::kIncremental:
      bits = backup_type_mask::kIncrementalBackup |
             backup_type_mask::kIncrementalSnapshot;
      break;
    case BackupType::kLog:
      bits = backup_type_mask::kLogBackup | backup_type_mask::kLogSnapshot;
      break;
    case BackupType::kOther:
    case BackupType::kUndefined:
      return true;
  }
  return (mask & bits) != 0;
}

Result<std::vector<ComponentRules>> IncludedFileRules(
    std::span<const IncludedComponent> included, BackupType type) {
  std::vector<ComponentRules> out;
  for (const IncludedComponent& inc : included) {
    ComponentRules entry;
    entry.component = inc.component;
    for (const auto* list :
         {&inc.component->files, &inc.component->database_files,
          &inc.component->log_files}) {
      for (const FileDescriptor& d : *list) {
        if (!NeededFor(d.backup_type_mask, type)) continue;
        Result<FileRule> rule =
            MakeFileRule(d, /*use_alternate_location=*/true);
        if (!rule.ok()) {
          return std::move(rule).status().WithContext(
              "component \"" + inc.component->FullPath() + "\"");
        }
        entry.rules.push_back(std::move(*rule));
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::vector<FileRule>> ExclusionRules(const WriterMetadata& wmd) {
  std::vector<FileRule> out;
  for (const auto* list : {&wmd.exclude_files, &wmd.exclude_from_snapshot}) {
    for (const FileDescriptor& d : *list) {
      Result<FileRule> rule = MakeFileRule(d, /*use_alternate_location=*/false);
      if (!rule.ok()) {
        return std::move(rule).status().WithContext(
            "an exclusion of writer \"" + wmd.identity.writer_name + "\"");
      }
      out.push_back(std::move(*rule));
    }
  }
  return out;
}

bool IsExcluded(std::span<const FileRule> exclusions,
                std::string_view directory, std::string_view name) {
  for (const FileRule& rule : exclusions) {
    if (RuleMatches(rule, directory, name)) return true;
  }
  return false;
}

}  // namespace sp
