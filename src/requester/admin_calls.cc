// BackupComponents: the administrative calls, which need no session.
#include <chrono>
#include <utility>

#include "requester/convert.h"
#include "requester/service_channel.h"
#include "service/proto_convert.h"
#include "shadowport/backup_components.h"
#include "shadowport/path_translation.h"

namespace sp {

namespace pb = requester::pb;

Result<std::vector<SnapshotProperties>> BackupComponents::QueryService(
    const std::string& socket, const Guid& snapshot_set_id,
    const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::QueryRequest request;
  if (!snapshot_set_id.IsNull()) {
    request.set_snapshot_set_id(snapshot_set_id.ToString());
  }
  if (!snapshot_id.IsNull()) request.set_snapshot_id(snapshot_id.ToString());
  pb::QueryResponse response;
  SP_RETURN_IF_ERROR(c->Call("Query", [&](grpc::ClientContext* context) {
    return c->stub().Query(context, request, &response);
  }));
  std::vector<SnapshotProperties> out;
  for (const auto& p : response.snapshots()) {
    SP_ASSIGN_OR_RETURN(SnapshotProperties props,
                        requester::FromProtoProperties(p));
    out.push_back(std::move(props));
  }
  return out;
}

Result<DeleteResult> BackupComponents::DeleteOnService(
    const std::string& socket, const Guid& id, bool is_set, bool force) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::DeleteSnapshotsRequest request;
  request.set_id(id.ToString());
  request.set_is_set(is_set);
  request.set_force(force);
  pb::DeleteSnapshotsResponse response;
  SP_RETURN_IF_ERROR(
      c->Call("DeleteSnapshots", [&](grpc::ClientContext* context) {
        return c->stub().DeleteSnapshots(context, request, &response);
      }));
  DeleteResult out;
  out.deleted = response.deleted();
  if (!response.nondeleted_id().empty()) {
    SP_ASSIGN_OR_RETURN(out.nondeleted_id,
                        Guid::Parse(response.nondeleted_id()));
  }
  return out;
}

Result<VolumeSupport> BackupComponents::IsVolumeSupported(
    const std::string& socket, const std::string& volume, uint32_t context) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::IsVolumeSupportedRequest request;
  request.set_volume(volume);
  request.set_context(context);
  pb::IsVolumeSupportedResponse response;
  SP_RETURN_IF_ERROR(
      c->Call("IsVolumeSupported", [&](grpc::ClientContext* ctx) {
        return c->stub().IsVolumeSupported(ctx, request, &response);
      }));
  VolumeSupport out;
  out.supported = response.supported();
  if (!response.provider_id().empty()) {
    SP_ASSIGN_OR_RETURN(out.provider_id, Guid::Parse(response.provider_id()));
  }
  out.provider_name = response.provider_name();
  out.volume = requester::FromProtoVolume(response.volume());
  if (response.has_reason()) {
    out.reason = service::FromProtoError(response.reason());
  }
  return out;
}

Result<std::vector<WriterMetadataInfo>> BackupComponents::ListWriterMetadata(
    const std::string& socket, std::vector<WriterStatusInfo>* status) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::ListWritersRequest request;
  pb::ListWritersResponse response;
  SP_RETURN_IF_ERROR(c->Call("ListWriters", [&](grpc::ClientContext* ctx) {
    return c->stub().ListWriters(ctx, request, &response);
  }));
  std::vector<WriterMetadataInfo> out;
  for (const auto& m : response.metadata()) {
    SP_ASSIGN_OR_RETURN(WriterMetadataInfo info,
                        requester::FromProtoMetadata(m));
    out.push_back(std::move(info));
  }
  if (status != nullptr) {
    status->clear();
    for (const auto& w : response.writers()) {
      status->push_back(requester::FromProtoWriterStatus(w));
    }
  }
  return out;
}

Result<ServiceStatus> BackupComponents::GetServiceStatus(
    const std::string& socket) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::GetStatusRequest request;
  pb::GetStatusResponse response;
  SP_RETURN_IF_ERROR(c->Call("GetStatus", [&](grpc::ClientContext* ctx) {
    return c->stub().GetStatus(ctx, request, &response);
  }));
  ServiceStatus out;
  out.version = response.version();
  out.host = response.host();
  out.cluster = response.cluster();
  out.state_dir = response.state_dir();
  for (const auto& s : response.sessions()) {
    ServiceStatus::Session session;
    SP_ASSIGN_OR_RETURN(session.session_id, Guid::Parse(s.session_id()));
    session.requester_name = s.requester_name();
    session.opened_us = s.opened_us();
    session.state = s.state();
    if (!s.snapshot_set_id().empty()) {
      SP_ASSIGN_OR_RETURN(session.snapshot_set_id,
                          Guid::Parse(s.snapshot_set_id()));
    }
    session.context = s.context();
    out.sessions.push_back(std::move(session));
  }
  if (!response.creation_in_flight().empty()) {
    SP_ASSIGN_OR_RETURN(out.creation_in_flight,
                        Guid::Parse(response.creation_in_flight()));
  }
  out.writer_count = response.writer_count();
  out.providers.assign(response.providers().begin(),
                       response.providers().end());
  out.snapshot_set_count = response.snapshot_set_count();
  out.snapshot_count = response.snapshot_count();
  out.started_us = response.started_us();
  return out;
}

Result<std::string> BackupComponents::SignalBackupDone(
    const std::string& socket, const std::string& bcd_xml, bool succeeded) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::SignalBackupDoneRequest request;
  request.set_bcd_xml(bcd_xml);
  request.set_succeeded(succeeded);
  pb::SignalBackupDoneResponse response;
  SP_RETURN_IF_ERROR(c->Call("SignalBackupDone", [&](grpc::ClientContext* ctx) {
    return c->stub().SignalBackupDone(ctx, request, &response);
  }));
  return response.peer();
}

Result<SnapshotProperties> BackupComponents::Expose(const std::string& socket,
                                                    const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::ExposeRequest request;
  request.set_snapshot_id(snapshot_id.ToString());
  pb::SnapshotProperties response;
  SP_RETURN_IF_ERROR(c->Call("Expose", [&](grpc::ClientContext* ctx) {
    return c->stub().Expose(ctx, request, &response);
  }));
  return requester::FromProtoProperties(response);
}

Result<SnapshotProperties> BackupComponents::Unexpose(const std::string& socket,
                                                      const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::UnexposeRequest request;
  request.set_snapshot_id(snapshot_id.ToString());
  pb::SnapshotProperties response;
  SP_RETURN_IF_ERROR(c->Call("Unexpose", [&](grpc::ClientContext* ctx) {
    return c->stub().Unexpose(ctx, request, &response);
  }));
  return requester::FromProtoProperties(response);
}

Result<std::vector<std::string>> BackupComponents::Cleanup(
    const std::string& socket) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::CleanupRequest request;
  pb::CleanupResponse response;
  SP_RETURN_IF_ERROR(c->Call("Cleanup", [&](grpc::ClientContext* ctx) {
    return c->stub().Cleanup(ctx, request, &response);
  }));
  return std::vector<std::string>(response.actions().begin(),
                                  response.actions().end());
}

Result<std::vector<BrokenVolumeInfo>> BackupComponents::BreakSnapshotSet(
    const std::string& socket, const Guid& snapshot_set_id, bool writable) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> c,
                      requester::ServiceConnection::Open(socket));
  pb::BreakSnapshotSetRequest request;
  request.set_snapshot_set_id(snapshot_set_id.ToString());
  request.set_writable(writable);
  pb::BreakSnapshotSetResponse response;
  SP_RETURN_IF_ERROR(c->Call("BreakSnapshotSet", [&](grpc::ClientContext* ctx) {
    // Not the usual minute: a writable break checks every filesystem of
    // the set (e2fsck -f), which takes long on large volumes; the service
    // bounds each tool it runs (os/filesystem_identity.cc).
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(8));
    return c->stub().BreakSnapshotSet(ctx, request, &response);
  }));
  std::vector<BrokenVolumeInfo> out;
  for (const auto& v : response.volumes()) {
    BrokenVolumeInfo info;
    SP_ASSIGN_OR_RETURN(info.snapshot_id, Guid::Parse(v.snapshot_id()));
    info.device = v.device();
    info.lun_id = v.lun_id();
    info.fs_type = v.fs_type();
    info.fs_uuid = v.fs_uuid();
    info.read_only = v.read_only();
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> TranslateToSnapshot(
    const std::vector<SnapshotProperties>& snapshots,
    std::string_view original_path) {
  std::vector<VolumeExposure> exposed;
  for (const SnapshotProperties& s : snapshots) {
    if (s.exposed_path.empty()) continue;
    exposed.push_back(VolumeExposure{s.original.mount_point, s.exposed_path});
  }
  return TranslatePath(original_path, exposed);
}

}  // namespace sp
