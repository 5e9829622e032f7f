// `shadowport files BUNDLE|BCD [--wmd FILE]... [--writer W] [--component
// PATH]... [--volume MOUNT] [--dirs] [--relative] [--null] [--exposure
// MOUNT=DIR]... [--json]`: step 7 on the importing host, the files the
// backup must copy. The BCD says which components are included; their
// writers' WMDs (in the bundle, or --wmd) say which files those are; the set
// is found exposed here through the service (or at --exposure DIR, for a
// snapshot mounted by hand). The listing is file_listing.h's; the rules are
// in docs/components.md.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "bcd_source.h"
#include "commands.h"
#include "document_file.h"
#include "file_listing.h"
#include "service_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/documents.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct FilesOptions {
  std::string socket;
  bool json = false;
  std::string file;
  std::vector<std::string> wmd_files;
  std::string writer;
  std::vector<std::string> components;
  std::string volume;
  bool directories = false;
  bool relative = false;
  bool null = false;
  std::vector<std::string> exposures;  // MOUNT=DIR
};

Result<std::vector<VolumeExposure>> ParseExposures(
    const std::vector<std::string>& args) {
  std::vector<VolumeExposure> out;
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      return Status(Code::kInvalidArg,
                    "--exposure \"" + arg +
                        "\": expected ORIGINAL_MOUNT_POINT=DIRECTORY");
    }
    out.push_back(VolumeExposure{arg.substr(0, eq), arg.substr(eq + 1)});
  }
  return out;
}

// The set's volumes as exposed on this host, from the service.
Result<std::vector<VolumeExposure>> ExposedVolumes(
    const std::string& socket, const BackupComponentsDocument& bcd) {
  if (!bcd.snapshot_set.has_value()) {
    return Status(Code::kNontransportableBcd,
                  "the BCD describes no snapshot set; give the volumes with "
                  "--exposure MOUNT=DIR");
  }
  SP_ASSIGN_OR_RETURN(std::vector<SnapshotProperties> snapshots,
                      BackupComponents::QueryService(
                          socket, bcd.snapshot_set->snapshot_set_id));
  std::vector<VolumeExposure> out;
  for (const SnapshotProperties& s : snapshots) {
    if (!s.exposed_path.empty()) {
      out.push_back(VolumeExposure{s.original.mount_point, s.exposed_path});
    }
  }
  if (out.empty()) {
    return Status(Code::kObjectNotFound,
                  "no snapshot of set " +
                      bcd.snapshot_set->snapshot_set_id.ToString() +
                      " is exposed on this host (`shadowport import` it, or "
                      "`shadowport expose` its snapshots)");
  }
  return out;
}

json ToJson(const FileListing& listing, bool relative) {
  json files = json::array();
  for (const ListedFile& f : listing.files) {
    files.push_back(json{{"path", relative ? f.relative_path : f.path},
                         {"exposed_path", f.path},
                         {"original_path", f.original_path},
                         {"volume", f.volume},
                         {"type", EntryKindName(f.kind)},
                         {"writer_name", f.writer_name},
                         {"writer_instance_id", f.instance_id.ToString()},
                         {"component", f.component}});
  }
  return json{{"files", files},
              {"missing_directories", listing.missing_directories}};
}

Status RunFiles(const FilesOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(BcdSource source, ReadBcdSource(options.file));
  FileListingRequest request;
  SP_ASSIGN_OR_RETURN(request.bcd, LoadBcd(source.bcd_xml));
  for (const std::string& xml : source.wmd_xmls) {
    SP_ASSIGN_OR_RETURN(WriterMetadata wmd, LoadWmd(xml));
    request.wmds.push_back(std::move(wmd));
  }
  for (const std::string& path : options.wmd_files) {
    SP_ASSIGN_OR_RETURN(AnyDocument doc,
                        LoadDocumentFile(path, DocumentKind::kWmd));
    request.wmds.push_back(std::get<WriterMetadata>(std::move(doc)));
  }
  if (!options.exposures.empty()) {
    SP_ASSIGN_OR_RETURN(request.volumes, ParseExposures(options.exposures));
  } else {
    SP_ASSIGN_OR_RETURN(request.volumes,
                        ExposedVolumes(options.socket, request.bcd));
  }
  request.writer = options.writer;
  request.components = options.components;
  request.directories = options.directories;
  SP_ASSIGN_OR_RETURN(FileListing listing, ListSelectedFiles(request));

  if (!options.volume.empty()) {
    std::erase_if(listing.files, [&](const ListedFile& f) {
      return f.volume != options.volume;
    });
  }
  if (options.relative) {
    // Relative paths are relative to one exposure root: mixing volumes
    // would make them ambiguous.
    std::vector<std::string> volumes;
    for (const ListedFile& f : listing.files) {
      if (std::find(volumes.begin(), volumes.end(), f.volume) ==
          volumes.end()) {
        volumes.push_back(f.volume);
      }
    }
    if (volumes.size() > 1) {
      std::string list;
      for (const std::string& v : volumes)
        list += (list.empty() ? "" : ", ") + v;
      return Status(Code::kInvalidArg, "--relative: the files lie on " +
                                           std::to_string(volumes.size()) +
                                           " volumes (" + list +
                                           "); choose one with --volume MOUNT");
    }
  }
  if (options.json) return PrintJson(out, ToJson(listing, options.relative));
  for (const ListedFile& f : listing.files) {
    const std::string& path = options.relative ? f.relative_path : f.path;
    if (options.null) {
      out << path << '\0';
      continue;
    }
    if (path.find('\n') != std::string::npos) {
      return Status(Code::kInvalidArg,
                    "a listed path holds a newline (" + QuotedPath(path) +
                        "); use --null or --json for such names");
    }
    out << path << '\n';
  }
  return FlushOut(out);
}

}  // namespace

void RegisterFiles(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<FilesOptions>();
  CLI::App* verb = app.add_subcommand(
      "files",
      "List the files of the backup's components in the exposed snapshots "
      "(systemTwo; docs/components.md)");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("FILE", options->file,
                   "systemOne's metadata bundle, or its BCD (then --wmd)")
      ->required();
  verb->add_option("--wmd", options->wmd_files,
                   "a writer's metadata document, when FILE is a bare BCD; "
                   "repeatable")
      ->allow_extra_args(false);
  verb->add_option("--writer", options->writer,
                   "only this writer (name or instance id)");
  verb->add_option("--component", options->components,
                   "only this included component (full path, "
                   "LOGICAL\\PATH\\NAME) and those under it; repeatable")
      ->allow_extra_args(false);
  verb->add_option("--volume", options->volume,
                   "only files of this original volume (mount point)");
  verb->add_flag("--dirs", options->directories,
                 "also list the directories recursive descriptors walk (for "
                 "tar --no-recursion)");
  verb->add_flag("--relative", options->relative,
                 "paths relative to the volume's exposure root (tar -C); one "
                 "volume only");
  verb->add_flag("--null", options->null,
                 "end each path with a NUL byte instead of a newline");
  verb->add_option("--exposure", options->exposures,
                   "ORIGINAL_MOUNT=DIR: the volume's snapshot is mounted at "
                   "DIR (instead of asking the service); repeatable")
      ->allow_extra_args(false);
  verb->callback([options, &invocation] {
    invocation.status = RunFiles(*options, invocation.out);
  });
}

}  // namespace sp::cli
