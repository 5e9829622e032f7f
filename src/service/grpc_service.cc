#include "service/grpc_service.h"

#include <string>
#include <vector>

#include "array/rpc/status_codec.h"
#include "service/peer/peer_client.h"
#include "service/proto_convert.h"
#include "service/session.h"
#include "service/session_dispatch.h"
#include "shadowport/context.h"
#include "shadowport/documents.h"

namespace sp::service {
namespace {

using array::rpc::ReplyStatus;

void ToProtoProperties(const SetRecord& set, const SnapshotRecord& snapshot,
                       const std::string& service_host,
                       const std::string& provider_name,
                       pb::SnapshotProperties* out) {
  out->set_snapshot_id(snapshot.snapshot_id.ToString());
  out->set_snapshot_set_id(set.snapshot_set_id.ToString());
  out->set_context(set.context);
  out->set_attributes(snapshot.attributes);
  out->set_provider_id(snapshot.provider_id.ToString());
  out->set_provider_name(provider_name);
  pb::Volume* original = out->mutable_original();
  original->set_device(snapshot.original.device);
  original->set_mount_point(snapshot.original.mount_point);
  original->set_fs_type(snapshot.original.fs_type);
  original->set_fs_uuid(snapshot.original.fs_uuid);
  out->set_originating_host(set.creating_host);
  out->set_service_host(service_host);
  out->set_created_us(set.created_us);
  out->set_state(std::string(SetStateName(set.state)));
  out->set_session_id(set.session_id.ToString());
  out->set_device(snapshot.device);
  out->set_exposed_path(snapshot.exposed_path);
  for (const providers::SnapshotLun& lun : snapshot.luns) {
    pb::LunMapping* m = out->add_luns();
    m->set_provider_lun_id(lun.provider_lun_id);
    ToProtoLun(lun.mapping.source, m->mutable_source());
    ToProtoLun(lun.mapping.destination, m->mutable_destination());
  }
}

Result<Guid> OptionalGuid(const std::string& text) {
  if (text.empty()) return Guid();
  return Guid::Parse(text);
}

}  // namespace

grpc::Status ShadowportService::Session(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::SessionResponse, pb::SessionRequest>* stream) {
  pb::SessionRequest request;
  if (!stream->Read(&request)) return grpc::Status::OK;
  std::string requester = "requester";
  if (request.has_initialize_for_backup() &&
      !request.initialize_for_backup().requester_name().empty()) {
    requester = request.initialize_for_backup().requester_name();
  }
  // Destroying the session ends it: whatever ends the stream (Release, a
  // requester crash, the daemon stopping) deletes its auto-release sets.
  BackupSession session(service_, requester);
  do {
    pb::SessionResponse response;
    DispatchSessionCall(
        session, request, [context] { return context->IsCancelled(); },
        &response);
    if (!stream->Write(response)) break;
    if (request.has_release()) break;
  } while (stream->Read(&request));
  return grpc::Status::OK;
}

grpc::Status ShadowportService::Query(grpc::ServerContext* context,
                                      const pb::QueryRequest* request,
                                      pb::QueryResponse* response) {
  Result<Guid> set_id = OptionalGuid(request->snapshot_set_id());
  if (!set_id.ok()) return ReplyStatus(set_id.status(), context);
  Result<Guid> snapshot_id = OptionalGuid(request->snapshot_id());
  if (!snapshot_id.ok()) return ReplyStatus(snapshot_id.status(), context);
  Result<std::vector<SetRecord>> sets = service_->deps().inventory->ListSets();
  if (!sets.ok()) return ReplyStatus(sets.status(), context);
  bool found = set_id->IsNull() && snapshot_id->IsNull();
  for (const SetRecord& set : *sets) {
    if (!set_id->IsNull() && set.snapshot_set_id != *set_id) continue;
    for (const SnapshotRecord& snapshot : set.snapshots) {
      if (!snapshot_id->IsNull() && snapshot.snapshot_id != *snapshot_id) {
        continue;
      }
      found = true;
      const providers::Provider* provider =
          service_->deps().providers->Find(snapshot.provider_id);
      ToProtoProperties(set, snapshot, service_->config().host,
                        provider ? std::string(provider->name()) : "",
                        response->add_snapshots());
    }
  }
  if (!found) {
    return ReplyStatus(
        Status(Code::kObjectNotFound,
               "no snapshot " +
                   (snapshot_id->IsNull() ? "set " + set_id->ToString()
                                          : snapshot_id->ToString()) +
                   " on this host"),
        context);
  }
  return grpc::Status::OK;
}

grpc::Status ShadowportService::DeleteSnapshots(
    grpc::ServerContext* context, const pb::DeleteSnapshotsRequest* request,
    pb::DeleteSnapshotsResponse* response) {
  Result<Guid> id = Guid::Parse(request->id());
  if (!id.ok()) return ReplyStatus(id.status(), context);
  Result<DeleteOutcome> outcome =
      service_->DeleteSnapshots(*id, request->is_set(), request->force());
  if (!outcome.ok()) {
    response->set_nondeleted_id(id->ToString());
    return ReplyStatus(outcome.status(), context);
  }
  response->set_deleted(outcome->deleted);
  if (!outcome->nondeleted_id.IsNull()) {
    response->set_nondeleted_id(outcome->nondeleted_id.ToString());
  }
  return grpc::Status::OK;
}

grpc::Status ShadowportService::IsVolumeSupported(
    grpc::ServerContext* context, const pb::IsVolumeSupportedRequest* request,
    pb::IsVolumeSupportedResponse* response) {
  Result<ContextSpec> spec =
      ValidateContext(request->context(), ContextUse::kCreate);
  if (!spec.ok()) return ReplyStatus(spec.status(), context);
  Result<Guid> provider_id = OptionalGuid(request->provider_id());
  if (!provider_id.ok()) return ReplyStatus(provider_id.status(), context);
  Result<os::VolumeInfo> volume =
      service_->deps().system->ProbeVolume(request->volume());
  if (!volume.ok()) return ReplyStatus(volume.status(), context);
  pb::Volume* v = response->mutable_volume();
  v->set_device(volume->device);
  v->set_mount_point(volume->mount_point);
  v->set_fs_type(volume->fs_type);
  v->set_fs_uuid(volume->fs_uuid);
  Status allowed =
      service_->deps().system->CheckFreezeAllowed(volume->mount_point);
  if (!allowed.ok()) {
    ToProtoError(allowed, response->mutable_reason());
    return grpc::Status::OK;
  }
  std::optional<Guid> requested;
  if (!provider_id->IsNull()) requested = *provider_id;
  Result<providers::Provider*> provider = service_->deps().providers->SelectFor(
      *volume, spec->SnapshotAttributes(), requested);
  if (!provider.ok()) {
    ToProtoError(provider.status(), response->mutable_reason());
    return grpc::Status::OK;
  }
  response->set_supported(true);
  response->set_provider_id((*provider)->id().ToString());
  response->set_provider_name(std::string((*provider)->name()));
  return grpc::Status::OK;
}

// The properties of one snapshot, as Query gives them.
grpc::Status ShadowportService::PropertiesOf(const Guid& snapshot_id,
                                             grpc::ServerContext* context,
                                             pb::SnapshotProperties* out) {
  Result<SetRecord> set = service_->deps().inventory->FindSnapshot(snapshot_id);
  if (!set.ok()) return ReplyStatus(set.status(), context);
  for (const SnapshotRecord& snapshot : set->snapshots) {
    if (snapshot.snapshot_id != snapshot_id) continue;
    const providers::Provider* provider =
        service_->deps().providers->Find(snapshot.provider_id);
    ToProtoProperties(*set, snapshot, service_->config().host,
                      provider ? std::string(provider->name()) : "", out);
  }
  return grpc::Status::OK;
}

grpc::Status ShadowportService::Expose(grpc::ServerContext* context,
                                       const pb::ExposeRequest* request,
                                       pb::SnapshotProperties* response) {
  Result<Guid> id = Guid::Parse(request->snapshot_id());
  if (!id.ok()) return ReplyStatus(id.status(), context);
  Result<std::string> path = service_->Expose(*id);
  if (!path.ok()) return ReplyStatus(path.status(), context);
  return PropertiesOf(*id, context, response);
}

grpc::Status ShadowportService::Unexpose(grpc::ServerContext* context,
                                         const pb::UnexposeRequest* request,
                                         pb::SnapshotProperties* response) {
  Result<Guid> id = Guid::Parse(request->snapshot_id());
  if (!id.ok()) return ReplyStatus(id.status(), context);
  Status status = service_->Unexpose(*id);
  if (!status.ok()) return ReplyStatus(status, context);
  return PropertiesOf(*id, context, response);
}

grpc::Status ShadowportService::BreakSnapshotSet(
    grpc::ServerContext* context, const pb::BreakSnapshotSetRequest* request,
    pb::BreakSnapshotSetResponse* response) {
  Result<Guid> id = Guid::Parse(request->snapshot_set_id());
  if (!id.ok()) return ReplyStatus(id.status(), context);
  Result<std::vector<BrokenVolume>> broken =
      service_->BreakSnapshotSet(*id, request->writable());
  if (!broken.ok()) return ReplyStatus(broken.status(), context);
  for (const BrokenVolume& b : *broken) {
    pb::BrokenVolume* v = response->add_volumes();
    v->set_snapshot_id(b.snapshot_id.ToString());
    v->set_device(b.device);
    v->set_lun_id(b.lun.mapping.destination.unique_id);
    v->set_fs_type(b.original.fs_type);
    v->set_fs_uuid(b.fs_uuid);
    v->set_read_only(b.read_only);
  }
  return grpc::Status::OK;
}

grpc::Status ShadowportService::Cleanup(grpc::ServerContext* context,
                                        const pb::CleanupRequest* /*request*/,
                                        pb::CleanupResponse* response) {
  Result<std::vector<std::string>> actions = service_->Cleanup();
  if (!actions.ok()) return ReplyStatus(actions.status(), context);
  for (const std::string& a : *actions) response->add_actions(a);
  return grpc::Status::OK;
}

grpc::Status ShadowportService::ListWriters(
    grpc::ServerContext* /*context*/, const pb::ListWritersRequest* /*request*/,
    pb::ListWritersResponse* response) {
  for (const WriterStatus& w : service_->deps().writers->ListWriters()) {
    ToProtoWriterStatus(w, response->add_writers());
    pb::WriterMetadata* m = response->add_metadata();
    m->set_writer_id(w.writer_id.ToString());
    m->set_instance_id(w.instance_id.ToString());
    m->set_writer_name(w.writer_name);
    m->set_instance_name(w.instance_name);
    m->set_wmd_xml(w.wmd_xml);
  }
  return grpc::Status::OK;
}

grpc::Status ShadowportService::GetStatus(
    grpc::ServerContext* context, const pb::GetStatusRequest* /*request*/,
    pb::GetStatusResponse* response) {
  const ServiceConfig& config = service_->config();
  response->set_version(SP_VERSION);
  response->set_host(config.host);
  response->set_cluster(config.cluster);
  response->set_state_dir(config.state_dir);
  response->set_started_us(started_us_);
  for (const SessionSummary& s : service_->Sessions()) {
    pb::SessionInfo* info = response->add_sessions();
    info->set_session_id(s.session_id.ToString());
    info->set_requester_name(s.requester_name);
    info->set_opened_us(s.opened_us);
    info->set_state(s.state);
    if (!s.snapshot_set_id.IsNull()) {
      info->set_snapshot_set_id(s.snapshot_set_id.ToString());
    }
    info->set_context(s.context);
  }
  if (std::optional<Guid> creation = service_->CreationInFlight()) {
    response->set_creation_in_flight(creation->ToString());
  }
  response->set_writer_count(
      static_cast<uint32_t>(service_->deps().writers->ListWriters().size()));
  for (const providers::Provider* p : service_->deps().providers->All()) {
    response->add_providers(std::string(p->name()) + " " + p->id().ToString());
  }
  Result<std::vector<SetRecord>> sets = service_->deps().inventory->ListSets();
  if (!sets.ok()) return ReplyStatus(sets.status(), context);
  uint32_t snapshots = 0;
  for (const SetRecord& set : *sets) {
    snapshots += static_cast<uint32_t>(set.snapshots.size());
  }
  response->set_snapshot_set_count(static_cast<uint32_t>(sets->size()));
  response->set_snapshot_count(snapshots);
  return grpc::Status::OK;
}

grpc::Status ShadowportService::SignalBackupDone(
    grpc::ServerContext* context, const pb::SignalBackupDoneRequest* request,
    pb::SignalBackupDoneResponse* response) {
  Result<BackupComponentsDocument> bcd = LoadBcd(request->bcd_xml());
  if (!bcd.ok()) {
    return ReplyStatus(
        std::move(bcd).status().WithContext("SignalBackupDone: the BCD"),
        context);
  }
  if (!bcd->snapshot_set) {
    return ReplyStatus(
        Status(Code::kInvalidXmlDocument,
               "SignalBackupDone: the BCD describes no snapshot set (it is "
               "the one saved after DoSnapshotSet on the creating host)"),
        context);
  }
  const SnapshotSetDescription& set = *bcd->snapshot_set;
  const ServiceConfig& config = service_->config();
  auto address = config.peers.find(set.creating_host);
  if (address == config.peers.end()) {
    return ReplyStatus(
        Status(Code::kObjectNotFound,
               "no address for host " + set.creating_host +
                   " in [peers] (the creating host of snapshot set " +
                   set.snapshot_set_id.ToString() + ")"),
        context);
  }
  const peer::PeerClient client(
      peer::PeerClientOptions::FromConfig(config.peer));
  Status sent = client.SendBackupDone(address->second, set.creating_host,
                                      set.snapshot_set_id, request->bcd_xml(),
                                      request->succeeded());
  if (!sent.ok()) {
    service_->logger().Warning(
        "done-signal for snapshot set " + set.snapshot_set_id.ToString() +
        " to " + set.creating_host + " failed: " + sent.ToString());
    return ReplyStatus(sent, context);
  }
  service_->logger().Notice("done-signal for snapshot set " +
                            set.snapshot_set_id.ToString() + " delivered to " +
                            set.creating_host + " at " + address->second);
  response->set_peer(address->second);
  return grpc::Status::OK;
}

}  // namespace sp::service
