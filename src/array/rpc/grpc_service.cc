#include "array/rpc/grpc_service.h"

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "array/rpc/proto_convert.h"
#include "array/rpc/status_codec.h"

namespace sp::array::rpc {
namespace {

// A snapshot set id from a request; bad text is the caller's error.
Result<Guid> RequestGuid(const std::string& text) {
  Result<Guid> guid = GuidFromText(text);
  if (!guid.ok()) {
    return Status(Code::kInvalidArg, "snapshot set id \"" + text.substr(0, 64) +
                                         "\" is not a GUID");
  }
  return guid;
}

// The request of CreateSnapshotSet or PrepareSnapshotSet (same fields).
template <typename Req>
Result<SnapshotSetRequest> SetRequest(const Req& req) {
  SnapshotSetRequest request;
  SP_ASSIGN_OR_RETURN(request.snapshot_set_id,
                      RequestGuid(req.snapshot_set_id()));
  request.lun_ids.assign(req.lun_ids().begin(), req.lun_ids().end());
  request.transportable = req.transportable();
  request.importers.assign(req.importers().begin(), req.importers().end());
  return request;
}

// The reply of CreateSnapshotSet or FinishSnapshotSet (same fields).
template <typename Resp>
void SetReply(const SnapshotSetResult& result, Resp* resp) {
  resp->set_snapshot_set_id(GuidToText(result.snapshot_set_id));
  for (const LunInfo& l : result.snapshots) ToProto(l, resp->add_snapshots());
  resp->set_commit_us(result.commit_us);
  resp->set_sync_us(result.sync_us);
}

}  // namespace

template <typename Fn>
grpc::Status GrpcService::Serve(Ctx* context, std::string_view method,
                                Kind kind, const google::protobuf::Message& req,
                                Fn&& fn) {
  if (context->IsCancelled()) {
    return ReplyStatus(
        Status(Code::kCancelled, std::string(method) +
                                     ": cancelled or past its deadline before "
                                     "it started"),
        context);
  }
  Result<Caller> caller = auth_.Authenticate(*context, method);
  if (!caller.ok()) return ReplyStatus(caller.status(), context);

  const Status status = std::forward<Fn>(fn)(*caller);

  // Requests carry no secret (credentials travel in metadata, and the one
  // reply that holds one is not logged).
  std::string line =
      std::string(method) + " by " +
      (caller->admin ? std::string("admin") : "host " + caller->host) +
      " from " + context->peer() + " {" + req.ShortDebugString() + "}: ";
  if (!status.ok()) {
    logger_->Notice(line + status.ToString());
  } else if (kind == Kind::kChange) {
    logger_->Info(line + "ok");
  } else {
    logger_->Debug(line + "ok");
  }
  return ReplyStatus(status, context);
}

grpc::Status GrpcService::WhoAmI(Ctx* c, const pb::WhoAmIRequest* req,
                                 pb::WhoAmIResponse* resp) {
  return Serve(c, "WhoAmI", Kind::kRead, *req, [&](const Caller& caller) {
    resp->set_host(caller.host);
    resp->set_admin(caller.admin);
    return Status::Ok();
  });
}

grpc::Status GrpcService::AddHost(Ctx* c, const pb::AddHostRequest* req,
                                  pb::AddHostResponse* resp) {
  return Serve(
      c, "AddHost", Kind::kChange, *req, [&](const Caller& caller) -> Status {
        if (caller.admin && req->name() == auth_.policy().admin_common_name) {
          return Status(
              Code::kInvalidArg,
              "\"" + req->name() + "\" is the admin's certificate name");
        }
        SP_ASSIGN_OR_RETURN(
            NewHost host, array_->AddHost(caller, req->name(), req->cluster()));
        ToProto(host.host, resp->mutable_host());
        resp->set_credential(std::move(host.credential));
        return Status::Ok();
      });
}

grpc::Status GrpcService::ListHosts(Ctx* c, const pb::ListHostsRequest* req,
                                    pb::ListHostsResponse* resp) {
  return Serve(c, "ListHosts", Kind::kRead, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(std::vector<HostInfo> hosts,
                                     array_->ListHosts(caller));
                 for (const HostInfo& h : hosts) ToProto(h, resp->add_hosts());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::RemoveHost(Ctx* c, const pb::RemoveHostRequest* req,
                                     pb::RemoveHostResponse* /*resp*/) {
  return Serve(c, "RemoveHost", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->RemoveHost(caller, req->name());
  });
}

grpc::Status GrpcService::ReclaimHost(Ctx* c, const pb::ReclaimHostRequest* req,
                                      pb::ReclaimHostResponse* /*resp*/) {
  return Serve(c, "ReclaimHost", Kind::kChange, *req,
               [&](const Caller& caller) {
                 return array_->ReclaimHost(caller, req->name());
               });
}

grpc::Status GrpcService::CreateLun(Ctx* c, const pb::CreateLunRequest* req,
                                    pb::CreateLunResponse* resp) {
  return Serve(c, "CreateLun", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(
                     LunInfo lun, array_->CreateLun(caller, req->size_bytes()));
                 ToProto(lun, resp->mutable_lun());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::ListLuns(Ctx* c, const pb::ListLunsRequest* req,
                                   pb::ListLunsResponse* resp) {
  return Serve(c, "ListLuns", Kind::kRead, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns,
                                     array_->ListLuns(caller));
                 for (const LunInfo& l : luns) ToProto(l, resp->add_luns());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::GetLun(Ctx* c, const pb::GetLunRequest* req,
                                 pb::GetLunResponse* resp) {
  return Serve(
      c, "GetLun", Kind::kRead, *req, [&](const Caller& caller) -> Status {
        SP_ASSIGN_OR_RETURN(LunInfo lun, array_->GetLun(caller, req->id()));
        ToProto(lun, resp->mutable_lun());
        return Status::Ok();
      });
}

grpc::Status GrpcService::FindLunByNaa(Ctx* c,
                                       const pb::FindLunByNaaRequest* req,
                                       pb::FindLunByNaaResponse* resp) {
  return Serve(c, "FindLunByNaa", Kind::kRead, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(LunInfo lun,
                                     array_->FindLunByNaa(caller, req->naa()));
                 ToProto(lun, resp->mutable_lun());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::ResizeLun(Ctx* c, const pb::ResizeLunRequest* req,
                                    pb::ResizeLunResponse* /*resp*/) {
  return Serve(c, "ResizeLun", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->ResizeLun(caller, req->id(), req->new_size_bytes());
  });
}

grpc::Status GrpcService::DeleteLun(Ctx* c, const pb::DeleteLunRequest* req,
                                    pb::DeleteLunResponse* /*resp*/) {
  return Serve(c, "DeleteLun", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->DeleteLun(caller, req->id());
  });
}

grpc::Status GrpcService::Present(Ctx* c, const pb::PresentRequest* req,
                                  pb::PresentResponse* /*resp*/) {
  return Serve(c, "Present", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->Present(caller, req->id(), req->host());
  });
}

grpc::Status GrpcService::Unpresent(Ctx* c, const pb::UnpresentRequest* req,
                                    pb::UnpresentResponse* /*resp*/) {
  return Serve(c, "Unpresent", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->Unpresent(caller, req->id(), req->host());
  });
}

grpc::Status GrpcService::CreateSnapshotSet(
    Ctx* c, const pb::CreateSnapshotSetRequest* req,
    pb::CreateSnapshotSetResponse* resp) {
  return Serve(
      c, "CreateSnapshotSet", Kind::kChange, *req,
      [&](const Caller& caller) -> Status {
        SP_ASSIGN_OR_RETURN(SnapshotSetRequest request, SetRequest(*req));
        SP_ASSIGN_OR_RETURN(SnapshotSetResult result,
                            array_->CreateSnapshotSet(caller, request));
        SetReply(result, resp);
        return Status::Ok();
      });
}

grpc::Status GrpcService::PrepareSnapshotSet(
    Ctx* c, const pb::PrepareSnapshotSetRequest* req,
    pb::PrepareSnapshotSetResponse* /*resp*/) {
  return Serve(c, "PrepareSnapshotSet", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(SnapshotSetRequest request,
                                     SetRequest(*req));
                 return array_->PrepareSnapshotSet(caller, request);
               });
}

grpc::Status GrpcService::CommitSnapshotSet(
    Ctx* c, const pb::CommitSnapshotSetRequest* req,
    pb::CommitSnapshotSetResponse* resp) {
  return Serve(c, "CommitSnapshotSet", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(Guid set_id,
                                     RequestGuid(req->snapshot_set_id()));
                 SP_ASSIGN_OR_RETURN(int64_t clone_us,
                                     array_->CommitSnapshotSet(caller, set_id));
                 resp->set_clone_us(clone_us);
                 return Status::Ok();
               });
}

grpc::Status GrpcService::FinishSnapshotSet(
    Ctx* c, const pb::FinishSnapshotSetRequest* req,
    pb::FinishSnapshotSetResponse* resp) {
  return Serve(c, "FinishSnapshotSet", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(Guid set_id,
                                     RequestGuid(req->snapshot_set_id()));
                 SP_ASSIGN_OR_RETURN(SnapshotSetResult result,
                                     array_->FinishSnapshotSet(caller, set_id));
                 SetReply(result, resp);
                 return Status::Ok();
               });
}

grpc::Status GrpcService::ListSnapshots(Ctx* c,
                                        const pb::ListSnapshotsRequest* req,
                                        pb::ListSnapshotsResponse* resp) {
  return Serve(c, "ListSnapshots", Kind::kRead, *req,
               [&](const Caller& caller) -> Status {
                 std::optional<Guid> set_id;
                 if (!req->snapshot_set_id().empty()) {
                   SP_ASSIGN_OR_RETURN(set_id,
                                       RequestGuid(req->snapshot_set_id()));
                 }
                 SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns,
                                     array_->ListSnapshots(caller, set_id));
                 for (const LunInfo& l : luns)
                   ToProto(l, resp->add_snapshots());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::LocateLuns(Ctx* c, const pb::LocateLunsRequest* req,
                                     pb::LocateLunsResponse* resp) {
  return Serve(c, "LocateLuns", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 std::vector<std::string> naa_ids(req->naa_ids().begin(),
                                                  req->naa_ids().end());
                 SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns,
                                     array_->LocateLuns(caller, naa_ids));
                 for (const LunInfo& l : luns) ToProto(l, resp->add_luns());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::DeleteSnapshot(Ctx* c,
                                         const pb::DeleteSnapshotRequest* req,
                                         pb::DeleteSnapshotResponse* /*resp*/) {
  return Serve(c, "DeleteSnapshot", Kind::kChange, *req,
               [&](const Caller& caller) {
                 return array_->DeleteSnapshot(caller, req->id());
               });
}

grpc::Status GrpcService::DeleteSnapshotSet(
    Ctx* c, const pb::DeleteSnapshotSetRequest* req,
    pb::DeleteSnapshotSetResponse* /*resp*/) {
  return Serve(c, "DeleteSnapshotSet", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(Guid set_id,
                                     RequestGuid(req->snapshot_set_id()));
                 return array_->DeleteSnapshotSet(caller, set_id);
               });
}

grpc::Status GrpcService::BreakSnapshot(Ctx* c,
                                        const pb::BreakSnapshotRequest* req,
                                        pb::BreakSnapshotResponse* resp) {
  return Serve(c, "BreakSnapshot", Kind::kChange, *req,
               [&](const Caller& caller) -> Status {
                 SP_ASSIGN_OR_RETURN(LunInfo lun,
                                     array_->BreakSnapshot(caller, req->id()));
                 ToProto(lun, resp->mutable_lun());
                 return Status::Ok();
               });
}

grpc::Status GrpcService::Attach(Ctx* c, const pb::AttachRequest* req,
                                 pb::AttachResponse* resp) {
  return Serve(
      c, "Attach", Kind::kChange, *req, [&](const Caller& caller) -> Status {
        SP_ASSIGN_OR_RETURN(AttachInfo info, array_->Attach(caller, req->id()));
        ToProto(info.lun, resp->mutable_lun());
        resp->set_backing_file(info.backing_file);
        resp->set_read_only(info.read_only);
        return Status::Ok();
      });
}

grpc::Status GrpcService::SetAttachmentDevice(
    Ctx* c, const pb::SetAttachmentDeviceRequest* req,
    pb::SetAttachmentDeviceResponse* /*resp*/) {
  return Serve(
      c, "SetAttachmentDevice", Kind::kChange, *req, [&](const Caller& caller) {
        return array_->SetAttachmentDevice(caller, req->id(), req->device());
      });
}

grpc::Status GrpcService::Detach(Ctx* c, const pb::DetachRequest* req,
                                 pb::DetachResponse* /*resp*/) {
  return Serve(c, "Detach", Kind::kChange, *req, [&](const Caller& caller) {
    return array_->Detach(caller, req->id());
  });
}

grpc::Status GrpcService::ReportMount(Ctx* c, const pb::ReportMountRequest* req,
                                      pb::ReportMountResponse* /*resp*/) {
  return Serve(c, "ReportMount", Kind::kChange, *req,
               [&](const Caller& caller) {
                 return array_->ReportMount(caller, req->id(),
                                            req->mounted_read_write());
               });
}

grpc::Status GrpcService::GetStatus(Ctx* c, const pb::GetStatusRequest* req,
                                    pb::GetStatusResponse* resp) {
  return Serve(
      c, "GetStatus", Kind::kRead, *req, [&](const Caller& caller) -> Status {
        SP_ASSIGN_OR_RETURN(PoolStatus status, array_->GetStatus(caller));
        ToProto(status, resp);
        return Status::Ok();
      });
}

}  // namespace sp::array::rpc
