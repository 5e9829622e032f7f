// `shadowport create VOLUME... [options]`: makes a snapshot set on this host
// (systemOne), like `vshadow [-p] [-nw] [-t=FILE] [-exec=FILE] VOLUME...` and
// diskshadow's `set context` / `set option` / `set metadata` / `create`.
//
// The protocol steps are in create_flow.h, the output in create_report.h.
// After the set exists: --exec runs a command while it does, --wait-done
// keeps the session (and an auto-release set) until the importing host's
// done-signal (a transportable set: `shadowport done` there), a signal or
// the timeout. The done-signal confirms the backup: each component's
// backup_succeeded is taken from it, then BackupComplete. A backup this verb
// cannot confirm ends with BackupComplete and every component marked not
// succeeded (writers truncate nothing). Either way the session is released
// then and its auto-release snapshots go. In a context without writers there
// is no BackupComplete: the session is only released.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "commands.h"
#include "component_choice.h"
#include "create_flow.h"
#include "create_options.h"
#include "create_report.h"
#include "output_file.h"
#include "service_options.h"
#include "shadowport/context.h"
#include "termination_signals.h"

namespace sp::cli {
namespace {

// Closes an unconfirmed backup (writer contexts) and releases the session.
// `cause` is what ended it; a cleanup failure is added to its message.
Status EndUnconfirmed(BackupComponents& backup, const ContextChoice& choice,
                      Status cause) {
  std::string notes;
  if (choice.involves_writers) {
    Status complete = CompleteWithoutSuccess(backup);
    if (!complete.ok()) notes += "; closing the backup: " + complete.ToString();
  }
  Status release = backup.Release();
  if (!release.ok()) notes += "; releasing the session: " + release.ToString();
  if (notes.empty()) return cause;
  return Status(cause.code(), cause.message() + notes);
}

std::string SignalName(int sig) {
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

Status Cancelled(int sig, std::string_view when) {
  return Status(Code::kCancelled,
                "interrupted by " + SignalName(sig) + " " + std::string(when) +
                    "; the backup was closed without success and the session "
                    "released");
}

// How long one WaitForBackupDone call blocks: SIGINT and SIGTERM end the
// wait within about this.
constexpr std::chrono::milliseconds kWaitSlice{1000};

// The backup confirmed by the importing host's done-signal: its verdicts
// taken over and BackupComplete (writer contexts), then the release.
Status ConfirmDone(BackupComponents& backup, const CreateOptions& options,
                   const ContextChoice& choice, const BackupDoneInfo& done,
                   std::ostream& out) {
  DoneOutcome outcome = CountDone(backup.document(), done.bcd);
  if (choice.involves_writers) {
    Result<DoneOutcome> completed = CompleteFromDoneSignal(backup, done.bcd);
    if (!completed.ok()) {
      return EndUnconfirmed(
          backup, choice,
          std::move(completed).status().WithContext(
              "taking over the done-signal from " + done.from_host));
    }
    outcome = *completed;
  }
  if (!options.json) {
    out << "done-signal from " << done.from_host << ": " << outcome.succeeded
        << " of " << outcome.total
        << (outcome.total == 1 ? " component" : " components") << " succeeded";
    if (choice.involves_writers) {
      out << "; BackupComplete sent to the writers\n";
    } else {
      out << " (no writers: no BackupComplete)\n";
    }
    out << "releasing the session\n";
  }
  SP_RETURN_IF_ERROR(FlushOut(out));
  Status release = backup.Release();
  if (!release.ok()) {
    return std::move(release).WithContext("releasing the session");
  }
  if (!done.succeeded) {
    // Writers were told per component; the verb says the backup failed.
    return Status(Code::kIoError, "the importing host " + done.from_host +
                                      " reports that its backup of the set "
                                      "failed");
  }
  return Status::Ok();
}

// --wait-done: until the done-signal (a transportable set), SIGINT/SIGTERM
// or --wait-timeout. The service is asked in slices of kWaitSlice so the
// signals are noticed in between.
Status WaitForDone(BackupComponents& backup, const CreateOptions& options,
                   const ContextChoice& choice, TerminationSignals& signals,
                   const std::string& set_id, std::ostream& out) {
  const Status timed_out(
      Code::kDeadlineExceeded,
      "no done-signal came for set " + set_id + " within " +
          std::to_string(options.wait_timeout_s) +
          " s; the backup was closed without success and the session "
          "released");
  if ((choice.value & attr::kTransportable) == 0) {
    // No importing host will signal: hold the set until a signal or the
    // timeout.
    const int sig = signals.Wait(std::chrono::seconds(options.wait_timeout_s));
    if (sig != 0) {
      return EndUnconfirmed(
          backup, choice,
          Cancelled(sig, "before a done-signal came for set " + set_id));
    }
    return EndUnconfirmed(backup, choice, timed_out);
  }
  using Clock = std::chrono::steady_clock;
  const bool limited = options.wait_timeout_s > 0;
  const Clock::time_point end =
      Clock::now() + std::chrono::seconds(options.wait_timeout_s);
  while (true) {
    if (const int sig = signals.Received(); sig != 0) {
      return EndUnconfirmed(
          backup, choice,
          Cancelled(sig, "before a done-signal came for set " + set_id));
    }
    std::chrono::milliseconds slice = kWaitSlice;
    if (limited) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - Clock::now());
      if (left.count() <= 0) return EndUnconfirmed(backup, choice, timed_out);
      slice = std::min(slice, left);
    }
    Result<BackupDoneInfo> done = backup.WaitForBackupDone(slice);
    if (done.ok()) return ConfirmDone(backup, options, choice, *done, out);
    if (done.status().code() != Code::kDeadlineExceeded) {
      return EndUnconfirmed(
          backup, choice,
          std::move(done).status().WithContext("WaitForBackupDone"));
    }
  }
}

// The part after the set exists: --exec, --wait-done, release.
Status HoldAndRelease(BackupComponents& backup, const CreateOptions& options,
                      const ContextChoice& choice, const CreatedSet& created,
                      const SavedFiles& files, std::ostream& out) {
  // Only while the set is held for something else (module comment of
  // termination_signals.h).
  std::optional<TerminationSignals> signals;
  if (!options.exec_file.empty() || options.wait_done) signals.emplace();
  const std::string set_id = created.set.snapshot_set_id.ToString();
  if (!options.exec_file.empty()) {
    std::optional<TempDocument> temp_bcd;
    std::string bcd_path = files.bcd;
    if (bcd_path.empty()) {
      Result<std::string> xml = backup.SaveAsXml();
      Result<TempDocument> temp =
          xml.ok() ? TempDocument::Create("shadowport-bcd", *xml)
                   : Result<TempDocument>(std::move(xml).status());
      if (!temp.ok()) {
        return EndUnconfirmed(
            backup, choice,
            std::move(temp).status().WithContext("saving the BCD for --exec"));
      }
      temp_bcd.emplace(std::move(*temp));
      bcd_path = temp_bcd->path();
    }
    Status exec =
        RunExec(options.exec_file, created.set, bcd_path, files.metadata);
    if (int sig = signals->Received(); sig != 0) {
      return EndUnconfirmed(backup, choice, Cancelled(sig, "during --exec"));
    }
    if (!exec.ok()) return EndUnconfirmed(backup, choice, std::move(exec));
    if (!options.json) out << "--exec " << options.exec_file << " succeeded\n";
  }

  if (options.wait_done) {
    if (!options.json) {
      out << "waiting for the done-signal from the importing host; "
             "Ctrl-C to end";
      if (options.wait_timeout_s > 0) {
        out << " (at most " << options.wait_timeout_s << " s)";
      }
      out << '\n';
    }
    SP_RETURN_IF_ERROR(FlushOut(out));
    return WaitForDone(backup, options, choice, *signals, set_id, out);
  }

  if (!options.json) {
    if (choice.lifetime == Lifetime::kAutoRelease) {
      out << "releasing the session: the auto-release set " << set_id
          << " is deleted now (keep it with --persistent or --wait-done)\n";
    } else {
      out << "releasing the session: the set " << set_id << " remains ("
          << LifetimeName(choice.lifetime) << ")\n";
    }
  }
  SP_RETURN_IF_ERROR(FlushOut(out));
  Status release = backup.Release();
  if (!release.ok())
    return std::move(release).WithContext("releasing the session");
  return Status::Ok();
}

Status RunCreate(const CreateOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(const ContextChoice choice,
                      SelectContext(options.context));
  // Before connecting: a usage mistake needs no service to be found.
  SP_RETURN_IF_ERROR(CheckWriterOptions(options, choice));
  for (const std::string& component : options.components) {
    SP_RETURN_IF_ERROR(ParseComponentArg(component).status());
  }
  if (options.wait_timeout_s < 0) {
    return Status(Code::kInvalidArg, "--wait-timeout must not be negative");
  }
  Result<std::unique_ptr<BackupComponents>> connected =
      BackupComponents::Connect(options.socket, "shadowport create");
  if (!connected.ok()) {
    return std::move(connected).status();
  }
  BackupComponents& backup = **connected;

  Result<CreatedSet> created = CreateSnapshotSet(backup, options, choice);
  if (!created.ok()) {
    (void)backup.Release();  // the service aborts the backup and cleans up
    return std::move(created).status();
  }
  Result<SavedFiles> files = SaveDocuments(backup, options);
  if (!files.ok())
    return EndUnconfirmed(backup, choice, std::move(files).status());

  const CreateReport report{options, choice, *created, *files};
  if (options.json) {
    SP_RETURN_IF_ERROR(PrintJson(out, CreateSummaryJson(report)));
  } else {
    out << CreateSummaryText(report);
    SP_RETURN_IF_ERROR(FlushOut(out));
  }
  return HoldAndRelease(backup, options, choice, *created, *files, out);
}

}  // namespace

void RegisterCreate(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<CreateOptions>();
  CLI::App* verb = app.add_subcommand(
      "create", "Create a snapshot set of one or more volumes");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("VOLUME", options->volumes,
                   "mount point, path on the volume, or block device")
      ->required();
  ContextFlags& c = options->context;
  CLI::Option* context = verb->add_option(
      "--context", c.context_name,
      "snapshot context: backup, file_share_backup, nas_rollback, "
      "app_rollback, client_accessible, client_accessible_writers (or "
      "VSS_CTX_*)");
  CLI::Option* persistent = verb->add_flag(
      "--persistent", c.persistent,
      "keep the set until deleted (VSS_CTX_APP_ROLLBACK; vshadow -p)");
  CLI::Option* no_writers = verb->add_flag(
      "--no-writers", c.no_writers,
      "no writers take part (VSS_CTX_FILE_SHARE_BACKUP, or NAS_ROLLBACK with "
      "--persistent; vshadow -nw)");
  context->excludes(persistent)->excludes(no_writers);
  verb->add_flag("--transportable", c.transportable,
                 "the set can be imported on another host (TRANSPORTABLE)");
  CLI::Option* differential =
      verb->add_flag("--differential", c.differential,
                     "copy-on-write snapshots (DIFFERENTIAL)");
  CLI::Option* plex =
      verb->add_flag("--plex", c.plex, "full-copy snapshots (PLEX)");
  differential->excludes(plex);
  verb->add_option("--importer", options->importers,
                   "a host (or cluster:NAME) allowed to import a transportable "
                   "set; repeatable (default: the service's configuration)")
      ->allow_extra_args(false);  // `--importer two /srv/F`: F is a volume
  verb->add_option("--exclude-writer", options->excluded_writers,
                   "leave out this writer: a writer name (every instance) or "
                   "an instance id; repeatable")
      ->allow_extra_args(false);
  verb->add_option("--component", options->components,
                   "select only this component, WRITER:LOGICAL\\PATH\\NAME "
                   "(writer name or instance id); repeatable. The writers' "
                   "required components are added; writers with none named "
                   "are left out (docs/components.md)")
      ->allow_extra_args(false);
  verb->add_option("--bcd", options->bcd_file,
                   "save the Backup Components Document here (vshadow -t=)");
  verb->add_option("--wmd-dir", options->wmd_dir,
                   "save each writer's metadata as DIR/<instance id>.xml");
  verb->add_option("--metadata", options->metadata_file,
                   "save the BCD and every WMD as a metadata bundle "
                   "(diskshadow's metadata .cab)");
  verb->add_option("--exec", options->exec_file,
                   "run this executable (no arguments, no shell) while the "
                   "set exists; its failure fails the command");
  CLI::Option* wait_done =
      verb->add_flag("--wait-done", options->wait_done,
                     "keep the session open until the importing host is done "
                     "(its `shadowport done`; or Ctrl-C, or --wait-timeout)");
  verb->add_option("--wait-timeout", options->wait_timeout_s,
                   "with --wait-done: give up after SECONDS (0: no limit)")
      ->capture_default_str()
      ->needs(wait_done);
  verb->callback([options, &invocation] {
    invocation.status = RunCreate(*options, invocation.out);
  });
}

}  // namespace sp::cli
