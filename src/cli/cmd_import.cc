// `shadowport import BCD|BUNDLE [--no-expose] [--exec FILE] [--signal-done]
//  [--delete] [--hold] [--json]`: step 6 of the transportable flow on the
// importing host (VSS ImportSnapshots, like `vshadow -i=FILE`). The service
// locates the snapshot LUNs at the array (which checks that this host may
// import them), attaches them read-only, checks them against the BCD, and
// exposes each under its exposure root. Then, as the options say:
//   --exec FILE     runs FILE with SHADOWPORT_* variables naming every device
//                   and exposure, and SHADOWPORT_FILE_LIST with the files of
//                   the backup's components (import_env.h), e.g. a backup
//                   tool;
//   --delete        deletes the set after (a persistent set; an auto-release
//                   one goes when this command ends anyway);
//   --signal-done   then tells the creating host that the backup finished
//                   (every component succeeded if --exec exited 0, none
//                   otherwise; without --exec, all succeeded);
//   --hold          keeps the import (the session) until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "bcd_source.h"
#include "commands.h"
#include "file_listing.h"
#include "import_env.h"
#include "os/process.h"
#include "output_file.h"
#include "service_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "termination_signals.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct ImportOptions {
  std::string socket;
  bool json = false;
  std::string file;
  bool no_expose = false;
  std::string exec;
  bool signal_done = false;
  bool remove = false;
  bool hold = false;
};

Status Step(Status status, const std::string& what) {
  if (status.ok()) return status;
  return std::move(status).WithContext(what);
}

void Print(const ImportOptions& options, const SnapshotSetDescription& set,
           const ImportResult& result, std::ostream& out) {
  if (options.json) return;
  out << "imported snapshot set " << set.snapshot_set_id.ToString() << " from "
      << set.creating_host << " (" << AttributesToString(set.context) << ")\n";
  for (const ImportedSnapshotInfo& s : result.snapshots) {
    out << "  snapshot " << s.snapshot_id.ToString() << " of "
        << s.original.mount_point << " (" << s.original.fs_type << ")\n";
    if (!s.status.ok()) {
      out << "    NOT IMPORTED: " << s.status.ToString() << '\n';
      continue;
    }
    out << "    device  " << s.device << " (read-only)\n";
    out << "    exposed "
        << (s.exposed_path.empty() ? "(not exposed)" : s.exposed_path) << '\n';
  }
  out.flush();
}

json ToJson(const SnapshotSetDescription& set, const ImportResult& result) {
  json snapshots = json::array();
  for (const ImportedSnapshotInfo& s : result.snapshots) {
    json one = {{"snapshot_id", s.snapshot_id.ToString()},
                {"imported", s.status.ok()},
                {"original_volume", s.original.mount_point},
                {"fs_type", s.original.fs_type},
                {"device", s.device},
                {"exposed_path", s.exposed_path}};
    if (!s.status.ok()) one["error"] = s.status.ToString();
    snapshots.push_back(one);
  }
  return json{{"snapshot_set_id", set.snapshot_set_id.ToString()},
              {"creating_host", set.creating_host},
              {"context", set.context},
              {"overall", std::string(result.overall.info().name)},
              {"snapshots", snapshots}};
}

// Every component of the BCD marked as the backup turned out.
Status MarkComponents(BackupComponents& backup, bool succeeded) {
  const std::vector<WriterComponents> writers = backup.document().writers;
  for (const WriterComponents& w : writers) {
    for (const BcdComponent& c : w.components) {
      SP_RETURN_IF_ERROR(backup.SetBackupSucceeded(w.instance_id, w.writer_id,
                                                   c.type, c.logical_path,
                                                   c.name, succeeded));
    }
  }
  return Status::Ok();
}

// The exposed path of every file of the backup's components
// (file_listing.h), in a private temporary file for --exec. Nothing when
// the import cannot tell them: no WMDs (a bare BCD), no component selected,
// or nothing exposed (--no-expose).
struct ExecFileList {
  std::optional<TempDocument> file;
  size_t count = 0;
};

Result<ExecFileList> MakeExecFileList(const BcdSource& source,
                                      const BackupComponentsDocument& bcd,
                                      const ImportResult& result) {
  ExecFileList out;
  const bool selects = std::any_of(
      bcd.writers.begin(), bcd.writers.end(),
      [](const WriterComponents& w) { return !w.components.empty(); });
  if (source.wmd_xmls.empty() || !bcd.select_components || !selects) {
    return out;
  }
  FileListingRequest request;
  request.bcd = bcd;
  for (const std::string& xml : source.wmd_xmls) {
    SP_ASSIGN_OR_RETURN(WriterMetadata wmd, LoadWmd(xml));
    request.wmds.push_back(std::move(wmd));
  }
  for (const ImportedSnapshotInfo& s : result.snapshots) {
    if (s.status.ok() && !s.exposed_path.empty()) {
      request.volumes.push_back(
          VolumeExposure{s.original.mount_point, s.exposed_path});
    }
  }
  if (request.volumes.empty()) return out;
  SP_ASSIGN_OR_RETURN(FileListing listing, ListSelectedFiles(request));
  SP_ASSIGN_OR_RETURN(
      TempDocument file,
      TempDocument::Create("import-files", NulSeparatedPaths(listing)));
  out.file.emplace(std::move(file));
  out.count = listing.files.size();
  return out;
}

Status RunImport(const ImportOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(BcdSource source, ReadBcdSource(options.file));
  SP_ASSIGN_OR_RETURN(
      std::unique_ptr<BackupComponents> backup,
      BackupComponents::Connect(options.socket, "shadowport import"));
  SP_RETURN_IF_ERROR(
      Step(backup->InitializeForBackup(source.bcd_xml), "InitializeForBackup"));
  SP_ASSIGN_OR_RETURN(ImportResult result,
                      backup->ImportSnapshots(!options.no_expose));
  const SnapshotSetDescription set = *backup->document().snapshot_set;
  if (options.json) {
    SP_RETURN_IF_ERROR(PrintJson(out, ToJson(set, result)));
  } else {
    Print(options, set, result, out);
  }

  bool succeeded = true;
  Status exec_status;
  if (!options.exec.empty()) {
    SP_ASSIGN_OR_RETURN(TempDocument bcd_file,
                        TempDocument::Create("import-bcd", source.bcd_xml));
    // A file list that cannot be made (an escaping path, a component on a
    // volume not imported) fails the backup: --exec does not run on an
    // incomplete list.
    Result<ExecFileList> files =
        MakeExecFileList(source, backup->document(), result);
    if (!files.ok()) {
      exec_status = std::move(files).status().WithContext(
          "listing the backup's files for --exec");
    } else {
      const FileListFile list{files->file ? files->file->path() : "",
                              files->count};
      os::RunOptions run;
      run.inherit_output = true;
      run.extra_env = BuildImportEnvironment(set, result, bcd_file.path(),
                                             files->file ? &list : nullptr);
      const std::vector<std::string> argv = {options.exec};
      Result<os::ProcessResult> ran = os::RunProcess(argv, run);
      exec_status = ran.ok() ? os::CheckExitStatus(argv, *ran) : ran.status();
    }
    succeeded = exec_status.ok();
  }
  if (options.hold) {
    TerminationSignals signals;
    if (!options.json) {
      out << "holding the import; Ctrl-C (or SIGTERM) ends it\n";
      out.flush();
    }
    signals.Wait(std::chrono::seconds(0));
  }
  if (options.remove) {
    SP_RETURN_IF_ERROR(
        Step(backup
                 ->DeleteSnapshots(set.snapshot_set_id, /*is_set=*/true,
                                   /*force=*/true)
                 .status(),
             "DeleteSnapshots"));
  }
  if (options.signal_done) {
    SP_RETURN_IF_ERROR(MarkComponents(*backup, succeeded));
    SP_ASSIGN_OR_RETURN(std::string done_bcd, backup->SaveAsXml());
    // Step 8 first: the set goes (auto-release: with the session), then
    // the signal.
    SP_RETURN_IF_ERROR(Step(backup->Release(), "Release"));
    SP_ASSIGN_OR_RETURN(std::string peer,
                        BackupComponents::SignalBackupDone(
                            options.socket, done_bcd, succeeded));
    if (!options.json) {
      out << "signalled " << set.creating_host << " (" << peer << "): backup "
          << (succeeded ? "succeeded" : "failed") << '\n';
    }
  }
  SP_RETURN_IF_ERROR(Step(exec_status, "--exec"));
  SP_RETURN_IF_ERROR(FlushOut(out));
  // VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED: a success, reported with its code.
  return result.overall;
}

}  // namespace

void RegisterImport(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* verb = app.add_subcommand(
      "import",
      "Import a transportable snapshot set (systemTwo): locate its LUNs at "
      "the array, attach them read-only, expose them");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("FILE", options->file,
                   "systemOne's BCD, or its metadata bundle")
      ->required();
  verb->add_flag("--no-expose", options->no_expose,
                 "attach the snapshots but do not mount them");
  verb->add_option("--exec", options->exec,
                   "a program to run with the imported set (SHADOWPORT_* "
                   "variables; see docs/cli.md)");
  verb->add_flag("--delete", options->remove,
                 "delete the set afterwards (a persistent one; an "
                 "auto-release set goes when this command ends)");
  verb->add_flag("--signal-done", options->signal_done,
                 "then tell the creating host that the backup finished");
  verb->add_flag("--hold", options->hold,
                 "keep the import until SIGINT or SIGTERM");
  verb->callback([options, &invocation] {
    invocation.status = RunImport(*options, invocation.out);
  });
}

}  // namespace sp::cli
