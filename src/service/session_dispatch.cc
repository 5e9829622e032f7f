#include "service/session_dispatch.h"

#include <string>
#include <vector>

#include "service/proto_convert.h"

namespace sp::service {
namespace {

void ToProtoImport(const ImportOutcome& outcome, pb::ImportResult* out) {
  for (const ImportedSnapshot& s : outcome.snapshots) {
    pb::SnapshotImport* r = out->add_snapshots();
    r->set_snapshot_id(s.snapshot_id.ToString());
    if (!s.status.ok()) ToProtoError(s.status, r->mutable_error());
    r->set_device(s.device);
    r->set_exposed_path(s.exposed_path);
    r->mutable_original()->set_device(s.original.device);
    r->mutable_original()->set_mount_point(s.original.mount_point);
    r->mutable_original()->set_fs_type(s.original.fs_type);
    r->mutable_original()->set_fs_uuid(s.original.fs_uuid);
  }
}

Status Dispatch(BackupSession& session, const pb::SessionRequest& request,
                const std::function<bool()>& cancelled,
                pb::SessionResponse* response) {
  switch (request.call_case()) {
    case pb::SessionRequest::kInitializeForBackup: {
      SP_RETURN_IF_ERROR(session.InitializeForBackup(
          request.initialize_for_backup().bcd_xml()));
      response->mutable_opened()->set_session_id(session.id().ToString());
      return Status::Ok();
    }
    case pb::SessionRequest::kSetContext:
      return session.SetContext(request.set_context().context());
    case pb::SessionRequest::kSetBackupState: {
      const pb::SetBackupState& s = request.set_backup_state();
      SP_ASSIGN_OR_RETURN(BackupType type, ParseBackupType(s.backup_type()));
      return session.SetBackupState(s.select_components(),
                                    s.bootable_system_state(), type,
                                    s.partial_file_support());
    }
    case pb::SessionRequest::kGatherWriterMetadata: {
      SP_ASSIGN_OR_RETURN(std::vector<WriterStatus> writers,
                          session.GatherWriterMetadata());
      pb::WriterMetadataList* list = response->mutable_writer_metadata();
      for (const WriterStatus& w : writers) {
        pb::WriterMetadata* m = list->add_writers();
        m->set_writer_id(w.writer_id.ToString());
        m->set_instance_id(w.instance_id.ToString());
        m->set_writer_name(w.writer_name);
        m->set_instance_name(w.instance_name);
        m->set_wmd_xml(w.wmd_xml);
      }
      return Status::Ok();
    }
    case pb::SessionRequest::kStartSnapshotSet: {
      const auto& importers = request.start_snapshot_set().importers();
      SP_ASSIGN_OR_RETURN(Guid set_id,
                          session.StartSnapshotSet(std::vector<std::string>(
                              importers.begin(), importers.end())));
      response->mutable_snapshot_set_started()->set_snapshot_set_id(
          set_id.ToString());
      return Status::Ok();
    }
    case pb::SessionRequest::kAddToSnapshotSet: {
      const pb::AddToSnapshotSet& add = request.add_to_snapshot_set();
      Guid provider;
      if (!add.provider_id().empty()) {
        SP_ASSIGN_OR_RETURN(provider, Guid::Parse(add.provider_id()));
      }
      SP_ASSIGN_OR_RETURN(AddedVolume added,
                          session.AddToSnapshotSet(add.volume(), provider));
      pb::SnapshotAdded* out = response->mutable_snapshot_added();
      out->set_snapshot_id(added.snapshot_id.ToString());
      out->set_provider_id(added.provider->id().ToString());
      out->mutable_volume()->set_device(added.volume.device);
      out->mutable_volume()->set_mount_point(added.volume.mount_point);
      out->mutable_volume()->set_fs_type(added.volume.fs_type);
      out->mutable_volume()->set_fs_uuid(added.volume.fs_uuid);
      return Status::Ok();
    }
    case pb::SessionRequest::kPrepareForBackup: {
      const pb::PrepareForBackup& p = request.prepare_for_backup();
      std::vector<Guid> excluded;
      for (const std::string& text : p.excluded_writer_instances()) {
        SP_ASSIGN_OR_RETURN(Guid id, Guid::Parse(text));
        excluded.push_back(id);
      }
      SP_ASSIGN_OR_RETURN(std::string bcd,
                          session.PrepareForBackup(p.bcd_xml(), excluded));
      response->mutable_bcd()->set_bcd_xml(bcd);
      return Status::Ok();
    }
    case pb::SessionRequest::kDoSnapshotSet: {
      SP_ASSIGN_OR_RETURN(std::string bcd, session.DoSnapshotSet());
      response->mutable_bcd()->set_bcd_xml(bcd);
      return Status::Ok();
    }
    case pb::SessionRequest::kGatherWriterStatus: {
      pb::WriterStatusList* list = response->mutable_writer_status();
      for (const WriterStatus& w : session.GatherWriterStatus()) {
        ToProtoWriterStatus(w, list->add_writers());
      }
      return Status::Ok();
    }
    case pb::SessionRequest::kBackupComplete: {
      SP_ASSIGN_OR_RETURN(
          std::string bcd,
          session.BackupComplete(request.backup_complete().bcd_xml()));
      response->mutable_bcd()->set_bcd_xml(bcd);
      return Status::Ok();
    }
    case pb::SessionRequest::kAbortBackup:
      return session.AbortBackup();
    case pb::SessionRequest::kGetBcd: {
      SP_ASSIGN_OR_RETURN(std::string bcd, session.SaveBcd());
      response->mutable_bcd()->set_bcd_xml(bcd);
      return Status::Ok();
    }
    case pb::SessionRequest::kImportSnapshots: {
      SP_ASSIGN_OR_RETURN(
          ImportOutcome outcome,
          session.ImportSnapshots(request.import_snapshots().expose()));
      ToProtoImport(outcome, response->mutable_import_result());
      SP_ASSIGN_OR_RETURN(std::string bcd, session.SaveBcd());
      response->mutable_import_result()->set_bcd_xml(bcd);
      return outcome.overall;
    }
    case pb::SessionRequest::kWaitForBackupDone: {
      const uint32_t ms = request.wait_for_backup_done().timeout_ms();
      SP_ASSIGN_OR_RETURN(
          BackupDoneSignal signal,
          session.WaitForBackupDone(std::chrono::milliseconds(ms), cancelled));
      pb::BackupDone* done = response->mutable_backup_done();
      done->set_snapshot_set_id(signal.snapshot_set_id.ToString());
      done->set_bcd_xml(signal.bcd_xml);
      done->set_from_host(signal.from_host);
      done->set_succeeded(signal.succeeded);
      return Status::Ok();
    }
    case pb::SessionRequest::kRelease:
      return session.End();
    case pb::SessionRequest::CALL_NOT_SET:
      break;
  }
  return Status(Code::kInvalidArg, "a session request without a call");
}

}  // namespace

void ToProtoWriterStatus(const WriterStatus& writer, pb::WriterStatus* out) {
  out->set_writer_id(writer.writer_id.ToString());
  out->set_instance_id(writer.instance_id.ToString());
  out->set_writer_name(writer.writer_name);
  out->set_instance_name(writer.instance_name);
  out->set_state(std::string(WriterStateName(writer.state)));
  out->set_state_value(static_cast<uint32_t>(writer.state));
  if (writer.failure.code() != Code::kOk) {
    ToProtoError(writer.failure, out->mutable_failure());
  }
  out->set_app_message(writer.app_message);
}

void DispatchSessionCall(BackupSession& session,
                         const pb::SessionRequest& request,
                         const std::function<bool()>& cancelled,
                         pb::SessionResponse* response) {
  response->set_call_id(request.call_id());
  const Status status = Dispatch(session, request, cancelled, response);
  if (status.code() != Code::kOk) {
    // A success with information (VSS_S_*) keeps its result.
    if (!status.ok()) response->clear_result();
    ToProtoError(status, response->mutable_error());
  }
}

}  // namespace sp::service
