#include "create_flow.h"

#include <utility>

#include "exec_env.h"
#include "os/process.h"
#include "output_file.h"
#include "shadowport/metadata_bundle.h"

namespace sp::cli {
namespace {

bool Contains(const std::vector<Guid>& ids, const Guid& id) {
  for (const Guid& g : ids) {
    if (g == id) return true;
  }
  return false;
}

// The importing host's verdict on `component` of writer `writer`: false
// when its BCD does not have the component or left it unset.
bool SucceededIn(const BackupComponentsDocument& done,
                 const WriterComponents& writer,
                 const BcdComponent& component) {
  for (const WriterComponents& w : done.writers) {
    if (w.instance_id != writer.instance_id ||
        w.writer_id != writer.writer_id) {
      continue;
    }
    for (const BcdComponent& c : w.components) {
      if (c.type == component.type &&
          c.logical_path == component.logical_path &&
          c.name == component.name) {
        return c.backup_succeeded.value_or(false);
      }
    }
  }
  return false;
}

// `status` prefixed with the step that failed.
Status Step(Status status, std::string_view step) {
  if (status.ok()) return status;
  return std::move(status).WithContext(step);
}

}  // namespace

Result<CreatedSet> CreateSnapshotSet(BackupComponents& backup,
                                     const CreateOptions& options,
                                     const ContextChoice& choice,
                                     const std::vector<Guid>& excluded) {
  SP_RETURN_IF_ERROR(Step(backup.InitializeForBackup(), "InitializeForBackup"));
  SP_RETURN_IF_ERROR(Step(backup.SetContext(choice.value), "SetContext"));
  SP_RETURN_IF_ERROR(Step(
      backup.SetBackupState(/*select_components=*/true,
                            /*bootable_system_state=*/false, BackupType::kFull),
      "SetBackupState"));
  if (choice.involves_writers) {
    SP_RETURN_IF_ERROR(
        Step(backup.GatherWriterMetadata(), "GatherWriterMetadata"));
    // Every component of every writer taking part: enough until component
    // selection has options of its own.
    for (const WriterMetadataInfo& writer : backup.GetWriterMetadata()) {
      if (Contains(excluded, writer.instance_id)) continue;
      for (const WmdComponent& component : writer.wmd.components) {
        SP_RETURN_IF_ERROR(
            Step(backup.AddComponent(writer.instance_id, writer.writer_id,
                                     component.type, component.logical_path,
                                     component.name),
                 "AddComponent " + component.FullPath()));
      }
    }
  }
  if (!excluded.empty()) backup.DisableWriterInstances(excluded);

  Result<Guid> set_id = backup.StartSnapshotSet(options.importers);
  if (!set_id.ok()) return Step(std::move(set_id).status(), "StartSnapshotSet");
  for (const std::string& volume : options.volumes) {
    Result<AddedSnapshot> added = backup.AddToSnapshotSet(volume);
    if (!added.ok()) {
      return Step(std::move(added).status(), "AddToSnapshotSet " + volume);
    }
  }
  if (choice.involves_writers) {
    SP_RETURN_IF_ERROR(Step(backup.PrepareForBackup(), "PrepareForBackup"));
  }
  SP_RETURN_IF_ERROR(Step(backup.DoSnapshotSet(), "DoSnapshotSet"));

  CreatedSet created;
  if (!backup.document().snapshot_set.has_value()) {
    return Status(Code::kUnexpected,
                  "DoSnapshotSet: the service returned no description of "
                  "snapshot set " +
                      set_id->ToString());
  }
  created.set = *backup.document().snapshot_set;
  if (choice.involves_writers) {
    Result<std::vector<WriterStatusInfo>> status = backup.GatherWriterStatus();
    if (!status.ok()) {
      return Step(std::move(status).status(), "GatherWriterStatus");
    }
    created.writer_status = std::move(*status);
  }
  return created;
}

Result<SavedFiles> SaveDocuments(const BackupComponents& backup,
                                 const CreateOptions& options) {
  SavedFiles saved;
  std::string bcd_xml;
  if (!options.bcd_file.empty() || !options.metadata_file.empty()) {
    Result<std::string> xml = backup.SaveAsXml();
    if (!xml.ok()) return Step(std::move(xml).status(), "SaveAsXml");
    bcd_xml = std::move(*xml);
  }
  if (!options.bcd_file.empty()) {
    SP_RETURN_IF_ERROR(
        Step(WriteFileAtomically(options.bcd_file, bcd_xml), "saving the BCD"));
    saved.bcd = options.bcd_file;
  }
  const std::vector<WriterMetadataInfo>& writers = backup.GetWriterMetadata();
  if (!options.wmd_dir.empty()) {
    SP_RETURN_IF_ERROR(Step(EnsureDirectory(options.wmd_dir), "--wmd-dir"));
    for (const WriterMetadataInfo& writer : writers) {
      const std::string path =
          options.wmd_dir + "/" + writer.instance_id.ToBareString() + ".xml";
      SP_RETURN_IF_ERROR(Step(WriteFileAtomically(path, writer.wmd_xml),
                              "saving the WMD of " + writer.writer_name));
      saved.wmds.push_back(path);
    }
  }
  if (!options.metadata_file.empty()) {
    MetadataBundle bundle;
    bundle.bcd_xml = std::move(bcd_xml);
    for (const WriterMetadataInfo& writer : writers) {
      bundle.wmd_xmls.push_back(writer.wmd_xml);
    }
    SP_RETURN_IF_ERROR(Step(WriteMetadataBundle(options.metadata_file, bundle),
                            "writing the metadata bundle"));
    saved.metadata = options.metadata_file;
  }
  return saved;
}

Status RunExec(const std::string& file, const SnapshotSetDescription& set,
               const std::string& bcd_path, const std::string& metadata_path) {
  os::RunOptions run;
  run.inherit_output = true;
  run.extra_env = BuildExecEnvironment(set, bcd_path, metadata_path);
  const std::vector<std::string> argv = {file};
  Result<os::ProcessResult> result = os::RunProcess(argv, run);
  if (!result.ok()) return Step(std::move(result).status(), "--exec");
  return Step(os::CheckExitStatus(argv, *result), "--exec");
}

Status CompleteWithoutSuccess(BackupComponents& backup) {
  // A copy: SetBackupSucceeded changes the document.
  const std::vector<WriterComponents> writers = backup.document().writers;
  for (const WriterComponents& writer : writers) {
    for (const BcdComponent& component : writer.components) {
      SP_RETURN_IF_ERROR(
          Step(backup.SetBackupSucceeded(writer.instance_id, writer.writer_id,
                                         component.type, component.logical_path,
                                         component.name, /*succeeded=*/false),
               "SetBackupSucceeded " + component.FullPath()));
    }
  }
  return Step(backup.BackupComplete(), "BackupComplete");
}

DoneOutcome CountDone(const BackupComponentsDocument& session,
                      const BackupComponentsDocument& done) {
  DoneOutcome outcome;
  for (const WriterComponents& writer : session.writers) {
    for (const BcdComponent& component : writer.components) {
      ++outcome.total;
      if (SucceededIn(done, writer, component)) ++outcome.succeeded;
    }
  }
  return outcome;
}

Result<DoneOutcome> CompleteFromDoneSignal(
    BackupComponents& backup, const BackupComponentsDocument& done) {
  const BackupComponentsDocument session = backup.document();  // a copy
  for (const WriterComponents& writer : session.writers) {
    for (const BcdComponent& component : writer.components) {
      SP_RETURN_IF_ERROR(
          Step(backup.SetBackupSucceeded(writer.instance_id, writer.writer_id,
                                         component.type, component.logical_path,
                                         component.name,
                                         SucceededIn(done, writer, component)),
               "SetBackupSucceeded " + component.FullPath()));
    }
  }
  SP_RETURN_IF_ERROR(Step(backup.BackupComplete(), "BackupComplete"));
  return CountDone(session, done);
}

}  // namespace sp::cli
