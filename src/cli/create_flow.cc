#include "create_flow.h"

#include <utility>

#include "component_choice.h"
#include "exec_env.h"
#include "os/process.h"
#include "output_file.h"
#include "shadowport/component_selection.h"
#include "shadowport/metadata_bundle.h"

namespace sp::cli {
namespace {

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

std::string WriterLabel(const std::vector<WriterMetadataInfo>& writers,
                        const Guid& instance_id) {
  for (const WriterMetadataInfo& w : writers) {
    if (w.instance_id == instance_id) {
      return "\"" + w.writer_name + "\" " + instance_id.ToString();
    }
  }
  return instance_id.ToString();
}

// AddComponent for each component the options select and
// DisableWriterInstances for the writers left out; what was selected goes
// into `created` for the summary.
Status SelectComponents(BackupComponents& backup, const CreateOptions& options,
                        CreatedSet& created) {
  const std::vector<WriterMetadataInfo>& writers = backup.GetWriterMetadata();
  SP_ASSIGN_OR_RETURN(
      SelectionPlan plan,
      PlanSelection(writers, options.excluded_writers, options.components));
  for (const WriterPick& pick : plan.writers) {
    const WriterMetadataInfo& w = *pick.writer;
    SelectedWriter selected{w.writer_name, w.instance_id, {}, {}};
    for (const WmdComponent* c : pick.components) {
      SP_RETURN_IF_ERROR(
          Step(backup.AddComponent(w.instance_id, w.writer_id, c->type,
                                   c->logical_path, c->name),
               "AddComponent " + c->FullPath()));
      selected.explicit_components.push_back(c->FullPath());
    }
    std::vector<BcdComponent> in_bcd;
    for (const WmdComponent* c : pick.components) {
      BcdComponent entry;
      entry.type = c->type;
      entry.logical_path = c->logical_path;
      entry.name = c->name;
      in_bcd.push_back(std::move(entry));
    }
    for (const IncludedComponent& inc : IncludedComponents(w.wmd, in_bcd)) {
      if (!inc.explicitly) {
        selected.implicit_components.push_back(inc.component->FullPath());
      }
    }
    created.selection.push_back(std::move(selected));
  }
  if (!plan.excluded.empty()) backup.DisableWriterInstances(plan.excluded);
  for (const Guid& id : plan.excluded) {
    created.excluded_writers.push_back(WriterLabel(writers, id));
  }
  return Status::Ok();
}

}  // namespace

Status CheckWriterOptions(const CreateOptions& options,
                          const ContextChoice& choice) {
  if (choice.involves_writers) return Status::Ok();
  if (!options.components.empty() || !options.excluded_writers.empty()) {
    return Status(Code::kInvalidArg,
                  std::string(options.components.empty() ? "--exclude-writer"
                                                         : "--component") +
                      " has no meaning in a context without writers (" +
                      std::string(ContextName(choice.base)) + ")");
  }
  return Status::Ok();
}

Result<CreatedSet> CreateSnapshotSet(BackupComponents& backup,
                                     const CreateOptions& options,
                                     const ContextChoice& choice) {
  SP_RETURN_IF_ERROR(CheckWriterOptions(options, choice));
  CreatedSet created;
  SP_RETURN_IF_ERROR(Step(backup.InitializeForBackup(), "InitializeForBackup"));
  SP_RETURN_IF_ERROR(Step(backup.SetContext(choice.value), "SetContext"));
  SP_RETURN_IF_ERROR(Step(
      backup.SetBackupState(/*select_components=*/true,
                            /*bootable_system_state=*/false, BackupType::kFull),
      "SetBackupState"));
  if (choice.involves_writers) {
    SP_RETURN_IF_ERROR(
        Step(backup.GatherWriterMetadata(), "GatherWriterMetadata"));
    SP_RETURN_IF_ERROR(SelectComponents(backup, options, created));
  }

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
