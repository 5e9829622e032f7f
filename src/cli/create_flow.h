// The steps of `shadowport create` that speak to shadowportd, in the order
// of vshadow's create.cpp (reference section 0): the verb (cmd_create.cc)
// strings them together, prints, and owns the waiting.
//
// Thread safety: single-threaded, like the CLI.
#ifndef SHADOWPORT_CLI_CREATE_FLOW_H_
#define SHADOWPORT_CLI_CREATE_FLOW_H_

#include <cstddef>
#include <string>
#include <vector>

#include "create_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::cli {

// One writer taking part and the components selected for it.
struct SelectedWriter {
  std::string writer_name;
  Guid instance_id;
  std::vector<std::string> explicit_components;  // full paths, in the BCD
  std::vector<std::string> implicit_components;  // included with them
};

struct CreatedSet {
  SnapshotSetDescription set;  // as the service described it in the BCD
  // Writer contexts: what was selected (component_choice.h) and the writers
  // left out (--exclude-writer, and with --component the writers named by
  // none), as "name {instance id}".
  std::vector<SelectedWriter> selection;
  std::vector<std::string> excluded_writers;
  // Writer status after DoSnapshotSet (writer contexts only).
  std::vector<WriterStatusInfo> writer_status;
};

// InitializeForBackup, SetContext, SetBackupState(true, false, full),
// GatherWriterMetadata, AddComponent for what --component and
// --exclude-writer select (component_choice.h) and DisableWriterInstances
// for the writers left out (writer contexts), StartSnapshotSet(importers),
// AddToSnapshotSet per volume, PrepareForBackup (writer contexts),
// DoSnapshotSet, GatherWriterStatus (writer contexts). Each failure names
// its step; the caller releases the session.
// REQUIRES: no --component or --exclude-writer in a context without writers
// (CheckWriterOptions).
Result<CreatedSet> CreateSnapshotSet(BackupComponents& backup,
                                     const CreateOptions& options,
                                     const ContextChoice& choice);

// E_INVALIDARG for --component or --exclude-writer in a context without
// writers: nothing there would select or exclude anything.
Status CheckWriterOptions(const CreateOptions& options,
                          const ContextChoice& choice);

// Where SaveDocuments wrote what.
struct SavedFiles {
  std::string bcd;                // --bcd
  std::vector<std::string> wmds;  // --wmd-dir/<instance id>.xml
  std::string metadata;           // --metadata
};

// Writes the BCD (--bcd), each writer's WMD (--wmd-dir) and the metadata
// bundle (--metadata) as the options ask; each atomically, mode 0600.
Result<SavedFiles> SaveDocuments(const BackupComponents& backup,
                                 const CreateOptions& options);

// Runs `file` (argv {file}, no shell, the caller's stdout and stderr) with
// the set's environment (exec_env.h). SP_E_IO naming the exit status or
// signal when it does not succeed.
Status RunExec(const std::string& file, const SnapshotSetDescription& set,
               const std::string& bcd_path, const std::string& metadata_path);

// Ends a backup that was not confirmed: every selected component's
// backup_succeeded = false, then BackupComplete (writers truncate nothing).
Status CompleteWithoutSuccess(BackupComponents& backup);

// How many components of the session's BCD the importing host backed up.
struct DoneOutcome {
  size_t succeeded = 0;
  size_t total = 0;
};

// The importing host's verdict in `done` (its BCD, backup_succeeded per
// component), for every component of the session's BCD: a component `done`
// does not name, or names without a verdict, did not succeed.
DoneOutcome CountDone(const BackupComponentsDocument& session,
                      const BackupComponentsDocument& done);

// Ends a confirmed backup (writer contexts): SetBackupSucceeded for every
// component of the session's BCD from `done` (as CountDone), then
// BackupComplete, so writers truncate logs only for what was backed up.
Result<DoneOutcome> CompleteFromDoneSignal(
    BackupComponents& backup, const BackupComponentsDocument& done);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_CREATE_FLOW_H_
