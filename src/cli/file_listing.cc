#include "file_listing.h"

#include <fcntl.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "os/open_beneath.h"
#include "os/unique_fd.h"
#include "shadowport/component_selection.h"
#include "shadowport/file_selection.h"

namespace sp::cli {
namespace {

// One writer's part: its metadata and the components the listing covers.
struct WriterPart {
  const WriterMetadata* wmd = nullptr;
  std::vector<IncludedComponent> included;
};

std::string JoinPath(const std::string& base, const std::string& relative) {
  if (relative == ".") return base;
  return base == "/" ? "/" + relative : base + "/" + relative;
}

std::string WriterLabel(const WriterMetadata& wmd) {
  return "writer \"" + wmd.identity.writer_name + "\" " +
         wmd.identity.instance_id.ToString();
}

const WriterMetadata* FindWmd(const std::vector<WriterMetadata>& wmds,
                              const Guid& instance_id) {
  for (const WriterMetadata& w : wmds) {
    if (w.identity.instance_id == instance_id) return &w;
  }
  return nullptr;
}

// Every writer part the BCD includes, before filters.
Result<std::vector<WriterPart>> IncludedParts(const FileListingRequest& r) {
  std::vector<WriterPart> out;
  if (!r.bcd.select_components) {
    // Not component mode: every writer given backs up everything it has.
    for (const WriterMetadata& w : r.wmds) {
      std::vector<BcdComponent> all;
      for (const WmdComponent* c : TopLevelComponents(w)) {
        BcdComponent b;
        b.type = c->type;
        b.logical_path = c->logical_path;
        b.name = c->name;
        all.push_back(std::move(b));
      }
      out.push_back(WriterPart{&w, IncludedComponents(w, all)});
    }
    return out;
  }
  for (const WriterComponents& entry : r.bcd.writers) {
    if (entry.components.empty()) continue;
    const WriterMetadata* wmd = FindWmd(r.wmds, entry.instance_id);
    if (wmd == nullptr) {
      return Status(Code::kObjectNotFound,
                    "the BCD selects components of writer instance " +
                        entry.instance_id.ToString() +
                        ", but its WMD is not at hand (use the metadata "
                        "bundle, or give the WMD with --wmd)");
    }
    // The BCD comes from another host: it must make sense for the WMD.
    SP_RETURN_IF_ERROR(ValidateWriterSelection(*wmd, entry.components));
    out.push_back(WriterPart{wmd, IncludedComponents(*wmd, entry.components)});
  }
  return out;
}

Status FilterByWriter(std::vector<WriterPart>& parts,
                      const std::string& writer) {
  if (writer.empty()) return Status::Ok();
  Result<Guid> id = Guid::Parse(writer);
  std::string known;
  std::vector<WriterPart> kept;
  for (WriterPart& p : parts) {
    known += (known.empty() ? "" : ", ") + WriterLabel(*p.wmd);
    const bool match = id.ok() ? p.wmd->identity.instance_id == *id
                               : p.wmd->identity.writer_name == writer;
    if (match) kept.push_back(std::move(p));
  }
  if (kept.empty()) {
    return Status(Code::kObjectNotFound,
                  "--writer \"" + writer +
                      "\": no such writer takes part in the backup (" +
                      (known.empty() ? "none does" : known) + ")");
  }
  parts = std::move(kept);
  return Status::Ok();
}

Status FilterByComponents(std::vector<WriterPart>& parts,
                          const std::vector<std::string>& filters) {
  if (filters.empty()) return Status::Ok();
  std::vector<std::set<const WmdComponent*>> keep(parts.size());
  for (const std::string& filter : filters) {
    bool found = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      for (const IncludedComponent& named : parts[i].included) {
        if (named.component->FullPath() != filter) continue;
        found = true;
        for (const IncludedComponent& inc : parts[i].included) {
          if (inc.component == named.component ||
              IsUnder(*inc.component, *named.component)) {
            keep[i].insert(inc.component);
          }
        }
      }
    }
    if (!found) {
      return Status(Code::kObjectNotFound,
                    "--component \"" + filter +
                        "\": no component of that full path is included in "
                        "the backup (`shadowport doc show` lists the BCD's)");
    }
  }
  std::vector<WriterPart> kept;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (keep[i].empty()) continue;
    WriterPart part{parts[i].wmd, {}};
    for (const IncludedComponent& inc : parts[i].included) {
      if (keep[i].count(inc.component) != 0) part.included.push_back(inc);
    }
    kept.push_back(std::move(part));
  }
  parts = std::move(kept);
  return Status::Ok();
}

// Walks the exposed volumes for one writer's rules, adding to `found`.
class Lister {
 public:
  Lister(const FileListingRequest& request, FileListing& listing)
      : request_(request), listing_(listing) {}

  Status ListWriter(const WriterPart& part) {
    SP_ASSIGN_OR_RETURN(
        std::vector<ComponentRules> rules,
        IncludedFileRules(part.included, request_.bcd.backup_type));
    SP_ASSIGN_OR_RETURN(const std::vector<FileRule> exclusions,
                        ExclusionRules(*part.wmd));
    for (const ComponentRules& component : rules) {
      for (const FileRule& rule : component.rules) {
        Status status = ListRule(part, *component.component, rule, exclusions);
        if (!status.ok()) {
          return std::move(status).WithContext(
              "component \"" + component.component->FullPath() + "\" of " +
              WriterLabel(*part.wmd));
        }
      }
    }
    return Status::Ok();
  }

  std::vector<ListedFile> TakeFiles() {
    std::vector<ListedFile> out;
    out.reserve(found_.size());
    for (auto& [path, file] : found_) out.push_back(std::move(file));
    return out;
  }

 private:
  Result<int> RootOf(size_t volume) {
    auto it = roots_.find(volume);
    if (it == roots_.end()) {
      SP_ASSIGN_OR_RETURN(
          os::UniqueFd fd,
          os::OpenDirectory(request_.volumes[volume].exposure_root));
      it = roots_.emplace(volume, std::move(fd)).first;
    }
    return it->second.get();
  }

  void Add(const WriterPart& part, const WmdComponent& component,
           const VolumeExposure& volume, const std::string& relative,
           EntryKind kind) {
    ListedFile file;
    file.path = JoinPath(volume.exposure_root, relative);
    if (found_.count(file.path) != 0) return;  // an earlier rule has it
    file.relative_path = relative;
    file.original_path = JoinPath(volume.original_mount_point, relative);
    file.volume = volume.original_mount_point;
    file.kind = kind;
    file.writer_name = part.wmd->identity.writer_name;
    file.instance_id = part.wmd->identity.instance_id;
    file.component = component.FullPath();
    found_.emplace(file.path, std::move(file));
  }

  Status ListRule(const WriterPart& part, const WmdComponent& component,
                  const FileRule& rule,
                  const std::vector<FileRule>& exclusions) {
    SP_ASSIGN_OR_RETURN(VolumeRelativePath where,
                        RelativeToVolume(rule.directory, request_.volumes));
    const VolumeExposure& volume = request_.volumes[where.volume_index];
    SP_ASSIGN_OR_RETURN(const int root, RootOf(where.volume_index));
    // A directory the snapshot lacks contributes nothing, and is reported;
    // an escape is an error (the walk would refuse it the same way).
    Result<os::UniqueFd> base =
        os::OpenBeneath(root, where.relative_path, O_RDONLY | O_DIRECTORY);
    if (!base.ok()) {
      if (base.status().code() != Code::kObjectNotFound) {
        return std::move(base).status();
      }
      listing_.missing_directories.push_back(rule.directory);
      return Status::Ok();
    }
    if (request_.directories && rule.recursive) {
      Add(part, component, volume, where.relative_path, EntryKind::kDirectory);
    }
    return WalkBeneath(root, where.relative_path, rule.recursive,
                       [&](const WalkEntry& entry) -> Status {
                         const std::string dir =
                             JoinPath(volume.original_mount_point, entry.dir);
                         if (IsExcluded(exclusions, dir, entry.name))
                           return Status::Ok();
                         const std::string relative =
                             entry.dir == "." ? entry.name
                                              : entry.dir + "/" + entry.name;
                         if (entry.kind == EntryKind::kDirectory) {
                           if (request_.directories && rule.recursive) {
                             Add(part, component, volume, relative, entry.kind);
                           }
                         } else if (MatchFilespec(rule.filespec, entry.name)) {
                           Add(part, component, volume, relative, entry.kind);
                         }
                         return Status::Ok();
                       });
  }

  const FileListingRequest& request_;
  FileListing& listing_;
  std::map<size_t, os::UniqueFd> roots_;
  std::map<std::string, ListedFile> found_;  // by path: sorted, each once
};

}  // namespace

Result<FileListing> ListSelectedFiles(const FileListingRequest& request) {
  SP_ASSIGN_OR_RETURN(std::vector<WriterPart> parts, IncludedParts(request));
  SP_RETURN_IF_ERROR(FilterByWriter(parts, request.writer));
  SP_RETURN_IF_ERROR(FilterByComponents(parts, request.components));
  FileListing listing;
  Lister lister(request, listing);
  for (const WriterPart& part : parts) {
    SP_RETURN_IF_ERROR(lister.ListWriter(part));
  }
  listing.files = lister.TakeFiles();
  std::sort(listing.missing_directories.begin(),
            listing.missing_directories.end());
  listing.missing_directories.erase(
      std::unique(listing.missing_directories.begin(),
                  listing.missing_directories.end()),
      listing.missing_directories.end());
  return listing;
}

std::string NulSeparatedPaths(const FileListing& listing) {
  std::string out;
  for (const ListedFile& f : listing.files) {
    out += f.path;
    out += '\0';
  }
  return out;
}

}  // namespace sp::cli
