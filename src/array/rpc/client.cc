#include "array/rpc/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <utility>

#include "array/rpc/files.h"
#include "array/rpc/metadata.h"
#include "array/rpc/proto_convert.h"
#include "array/rpc/status_codec.h"

namespace sp::array::rpc {
namespace {

// A malformed reply is the array's fault, not the caller's.
Status BadReply(const Status& status) {
  return Status(Code::kUnexpected,
                "the array sent a malformed reply: " + status.message());
}

Result<LunInfo> Lun(const pb::Lun& lun) {
  Result<LunInfo> out = FromProto(lun);
  if (!out.ok()) return BadReply(out.status());
  return out;
}

Result<std::vector<LunInfo>> Luns(
    const google::protobuf::RepeatedPtrField<pb::Lun>& luns) {
  std::vector<LunInfo> out;
  out.reserve(static_cast<size_t>(luns.size()));
  for (const pb::Lun& lun : luns) {
    SP_ASSIGN_OR_RETURN(LunInfo info, Lun(lun));
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ClientOptions& options) {
  if (options.tls_ca_file.empty() || options.tls_cert_file.empty() ||
      options.tls_key_file.empty()) {
    return Status(Code::kInvalidArg,
                  "TCP target " + options.target +
                      " needs TLS files: CA, client certificate and key");
  }
  grpc::SslCredentialsOptions ssl;
  SP_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadSmallFile(options.tls_ca_file));
  SP_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadSmallFile(options.tls_cert_file));
  SP_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadSmallFile(options.tls_key_file));
  return grpc::SslCredentials(ssl);
}

template <typename Req>
void FillSetRequest(const SnapshotSetRequest& request, Req* req) {
  req->set_snapshot_set_id(GuidToText(request.snapshot_set_id));
  for (uint64_t id : request.lun_ids) req->add_lun_ids(id);
  req->set_transportable(request.transportable);
  for (const std::string& host : request.importers) req->add_importers(host);
}

// The reply of CreateSnapshotSet or FinishSnapshotSet (same fields).
template <typename Resp>
Result<SnapshotSetResult> SetResult(const Resp& resp) {
  SnapshotSetResult result;
  Result<Guid> set_id = GuidFromText(resp.snapshot_set_id());
  if (!set_id.ok()) return BadReply(set_id.status());
  result.snapshot_set_id = *set_id;
  SP_ASSIGN_OR_RETURN(result.snapshots, Luns(resp.snapshots()));
  result.commit_us = resp.commit_us();
  result.sync_us = resp.sync_us();
  return result;
}

}  // namespace

Result<std::unique_ptr<ArrayClient>> ArrayClient::Create(
    const ClientOptions& options) {
  if (options.target.empty()) {
    return Status(Code::kInvalidArg, "no array address");
  }
  if (!options.admin_token.empty() &&
      (!options.host.empty() || !options.credential.empty())) {
    return Status(Code::kInvalidArg,
                  "an admin token and a host credential: choose one");
  }
  if (options.deadline.count() <= 0) {
    return Status(Code::kInvalidArg, "the call deadline must be positive");
  }
  grpc::ChannelArguments args;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.target.starts_with("unix:")) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    SP_ASSIGN_OR_RETURN(credentials, TlsCredentials(options));
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, credentials, args);
  if (channel == nullptr) {
    return Status(Code::kInvalidArg, "bad array address " + options.target);
  }
  return std::unique_ptr<ArrayClient>(
      new ArrayClient(options, std::move(channel)));
}

ArrayClient::ArrayClient(ClientOptions options,
                         std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      stub_(pb::Array::NewStub(std::move(channel))) {}

Status ArrayClient::Call(
    std::string_view method,
    const std::function<grpc::Status(grpc::ClientContext*)>& invoke) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  if (!options_.admin_token.empty()) {
    context.AddMetadata(kAdminTokenKey, options_.admin_token);
  }
  if (!options_.host.empty()) context.AddMetadata(kHostKey, options_.host);
  if (!options_.credential.empty()) {
    context.AddMetadata(kCredentialKey, options_.credential);
  }
  const grpc::Status status = invoke(&context);
  const Trailers& trailers = context.GetServerTrailingMetadata();
  Status result = FromGrpcStatus(status, trailers);
  if (!status.ok() && trailers.find(kCodeKey) == trailers.end()) {
    // The transport failed, not the array: say which call and where.
    result.WithContext(std::string(method) + " on " + options_.target);
  }
  return result;
}

Result<Caller> ArrayClient::WhoAmI() const {
  pb::WhoAmIRequest req;
  pb::WhoAmIResponse resp;
  SP_RETURN_IF_ERROR(Call("WhoAmI", [&](grpc::ClientContext* c) {
    return stub_->WhoAmI(c, req, &resp);
  }));
  return resp.admin() ? Caller::Admin() : Caller::Host(resp.host());
}

Result<NewHost> ArrayClient::AddHost(const std::string& name,
                                     const std::string& cluster) const {
  pb::AddHostRequest req;
  req.set_name(name);
  req.set_cluster(cluster);
  pb::AddHostResponse resp;
  SP_RETURN_IF_ERROR(Call("AddHost", [&](grpc::ClientContext* c) {
    return stub_->AddHost(c, req, &resp);
  }));
  return NewHost{FromProto(resp.host()), resp.credential()};
}

Result<std::vector<HostInfo>> ArrayClient::ListHosts() const {
  pb::ListHostsRequest req;
  pb::ListHostsResponse resp;
  SP_RETURN_IF_ERROR(Call("ListHosts", [&](grpc::ClientContext* c) {
    return stub_->ListHosts(c, req, &resp);
  }));
  std::vector<HostInfo> hosts;
  for (const pb::Host& h : resp.hosts()) hosts.push_back(FromProto(h));
  return hosts;
}

Status ArrayClient::RemoveHost(const std::string& name) const {
  pb::RemoveHostRequest req;
  req.set_name(name);
  pb::RemoveHostResponse resp;
  return Call("RemoveHost", [&](grpc::ClientContext* c) {
    return stub_->RemoveHost(c, req, &resp);
  });
}

Status ArrayClient::ReclaimHost(const std::string& name) const {
  pb::ReclaimHostRequest req;
  req.set_name(name);
  pb::ReclaimHostResponse resp;
  return Call("ReclaimHost", [&](grpc::ClientContext* c) {
    return stub_->ReclaimHost(c, req, &resp);
  });
}

Result<LunInfo> ArrayClient::CreateLun(uint64_t size_bytes) const {
  pb::CreateLunRequest req;
  req.set_size_bytes(size_bytes);
  pb::CreateLunResponse resp;
  SP_RETURN_IF_ERROR(Call("CreateLun", [&](grpc::ClientContext* c) {
    return stub_->CreateLun(c, req, &resp);
  }));
  return Lun(resp.lun());
}

Result<std::vector<LunInfo>> ArrayClient::ListLuns() const {
  pb::ListLunsRequest req;
  pb::ListLunsResponse resp;
  SP_RETURN_IF_ERROR(Call("ListLuns", [&](grpc::ClientContext* c) {
    return stub_->ListLuns(c, req, &resp);
  }));
  return Luns(resp.luns());
}

Result<LunInfo> ArrayClient::GetLun(uint64_t id) const {
  pb::GetLunRequest req;
  req.set_id(id);
  pb::GetLunResponse resp;
  SP_RETURN_IF_ERROR(Call("GetLun", [&](grpc::ClientContext* c) {
    return stub_->GetLun(c, req, &resp);
  }));
  return Lun(resp.lun());
}

Result<LunInfo> ArrayClient::FindLunByNaa(const std::string& naa) const {
  pb::FindLunByNaaRequest req;
  req.set_naa(naa);
  pb::FindLunByNaaResponse resp;
  SP_RETURN_IF_ERROR(Call("FindLunByNaa", [&](grpc::ClientContext* c) {
    return stub_->FindLunByNaa(c, req, &resp);
  }));
  return Lun(resp.lun());
}

Status ArrayClient::ResizeLun(uint64_t id, uint64_t new_size_bytes) const {
  pb::ResizeLunRequest req;
  req.set_id(id);
  req.set_new_size_bytes(new_size_bytes);
  pb::ResizeLunResponse resp;
  return Call("ResizeLun", [&](grpc::ClientContext* c) {
    return stub_->ResizeLun(c, req, &resp);
  });
}

Status ArrayClient::DeleteLun(uint64_t id) const {
  pb::DeleteLunRequest req;
  req.set_id(id);
  pb::DeleteLunResponse resp;
  return Call("DeleteLun", [&](grpc::ClientContext* c) {
    return stub_->DeleteLun(c, req, &resp);
  });
}

Status ArrayClient::Present(uint64_t id, const std::string& host) const {
  pb::PresentRequest req;
  req.set_id(id);
  req.set_host(host);
  pb::PresentResponse resp;
  return Call("Present", [&](grpc::ClientContext* c) {
    return stub_->Present(c, req, &resp);
  });
}

Status ArrayClient::Unpresent(uint64_t id, const std::string& host) const {
  pb::UnpresentRequest req;
  req.set_id(id);
  req.set_host(host);
  pb::UnpresentResponse resp;
  return Call("Unpresent", [&](grpc::ClientContext* c) {
    return stub_->Unpresent(c, req, &resp);
  });
}

Result<SnapshotSetResult> ArrayClient::CreateSnapshotSet(
    const SnapshotSetRequest& request) const {
  pb::CreateSnapshotSetRequest req;
  FillSetRequest(request, &req);
  pb::CreateSnapshotSetResponse resp;
  SP_RETURN_IF_ERROR(Call("CreateSnapshotSet", [&](grpc::ClientContext* c) {
    return stub_->CreateSnapshotSet(c, req, &resp);
  }));
  return SetResult(resp);
}

Status ArrayClient::PrepareSnapshotSet(
    const SnapshotSetRequest& request) const {
  pb::PrepareSnapshotSetRequest req;
  FillSetRequest(request, &req);
  pb::PrepareSnapshotSetResponse resp;
  return Call("PrepareSnapshotSet", [&](grpc::ClientContext* c) {
    return stub_->PrepareSnapshotSet(c, req, &resp);
  });
}

Result<int64_t> ArrayClient::CommitSnapshotSet(const Guid& set_id) const {
  pb::CommitSnapshotSetRequest req;
  req.set_snapshot_set_id(GuidToText(set_id));
  pb::CommitSnapshotSetResponse resp;
  SP_RETURN_IF_ERROR(Call("CommitSnapshotSet", [&](grpc::ClientContext* c) {
    return stub_->CommitSnapshotSet(c, req, &resp);
  }));
  return resp.clone_us();
}

Result<SnapshotSetResult> ArrayClient::FinishSnapshotSet(
    const Guid& set_id) const {
  pb::FinishSnapshotSetRequest req;
  req.set_snapshot_set_id(GuidToText(set_id));
  pb::FinishSnapshotSetResponse resp;
  SP_RETURN_IF_ERROR(Call("FinishSnapshotSet", [&](grpc::ClientContext* c) {
    return stub_->FinishSnapshotSet(c, req, &resp);
  }));
  return SetResult(resp);
}

Result<std::vector<LunInfo>> ArrayClient::ListSnapshots(
    std::optional<Guid> set_id) const {
  pb::ListSnapshotsRequest req;
  if (set_id) req.set_snapshot_set_id(set_id->ToString());
  pb::ListSnapshotsResponse resp;
  SP_RETURN_IF_ERROR(Call("ListSnapshots", [&](grpc::ClientContext* c) {
    return stub_->ListSnapshots(c, req, &resp);
  }));
  return Luns(resp.snapshots());
}

Result<std::vector<LunInfo>> ArrayClient::LocateLuns(
    const std::vector<std::string>& naa_ids) const {
  pb::LocateLunsRequest req;
  for (const std::string& naa : naa_ids) req.add_naa_ids(naa);
  pb::LocateLunsResponse resp;
  SP_RETURN_IF_ERROR(Call("LocateLuns", [&](grpc::ClientContext* c) {
    return stub_->LocateLuns(c, req, &resp);
  }));
  return Luns(resp.luns());
}

Status ArrayClient::DeleteSnapshot(uint64_t id) const {
  pb::DeleteSnapshotRequest req;
  req.set_id(id);
  pb::DeleteSnapshotResponse resp;
  return Call("DeleteSnapshot", [&](grpc::ClientContext* c) {
    return stub_->DeleteSnapshot(c, req, &resp);
  });
}

Status ArrayClient::DeleteSnapshotSet(const Guid& set_id) const {
  pb::DeleteSnapshotSetRequest req;
  req.set_snapshot_set_id(set_id.ToString());
  pb::DeleteSnapshotSetResponse resp;
  return Call("DeleteSnapshotSet", [&](grpc::ClientContext* c) {
    return stub_->DeleteSnapshotSet(c, req, &resp);
  });
}

Result<LunInfo> ArrayClient::BreakSnapshot(uint64_t id) const {
  pb::BreakSnapshotRequest req;
  req.set_id(id);
  pb::BreakSnapshotResponse resp;
  SP_RETURN_IF_ERROR(Call("BreakSnapshot", [&](grpc::ClientContext* c) {
    return stub_->BreakSnapshot(c, req, &resp);
  }));
  return Lun(resp.lun());
}

Result<AttachInfo> ArrayClient::Attach(uint64_t id) const {
  pb::AttachRequest req;
  req.set_id(id);
  pb::AttachResponse resp;
  SP_RETURN_IF_ERROR(Call("Attach", [&](grpc::ClientContext* c) {
    return stub_->Attach(c, req, &resp);
  }));
  AttachInfo info;
  SP_ASSIGN_OR_RETURN(info.lun, Lun(resp.lun()));
  info.backing_file = resp.backing_file();
  info.read_only = resp.read_only();
  return info;
}

Status ArrayClient::SetAttachmentDevice(uint64_t id,
                                        const std::string& device) const {
  pb::SetAttachmentDeviceRequest req;
  req.set_id(id);
  req.set_device(device);
  pb::SetAttachmentDeviceResponse resp;
  return Call("SetAttachmentDevice", [&](grpc::ClientContext* c) {
    return stub_->SetAttachmentDevice(c, req, &resp);
  });
}

Status ArrayClient::Detach(uint64_t id) const {
  pb::DetachRequest req;
  req.set_id(id);
  pb::DetachResponse resp;
  return Call("Detach", [&](grpc::ClientContext* c) {
    return stub_->Detach(c, req, &resp);
  });
}

Status ArrayClient::ReportMount(uint64_t id, bool mounted_read_write) const {
  pb::ReportMountRequest req;
  req.set_id(id);
  req.set_mounted_read_write(mounted_read_write);
  pb::ReportMountResponse resp;
  return Call("ReportMount", [&](grpc::ClientContext* c) {
    return stub_->ReportMount(c, req, &resp);
  });
}

Result<PoolStatus> ArrayClient::GetStatus() const {
  pb::GetStatusRequest req;
  pb::GetStatusResponse resp;
  SP_RETURN_IF_ERROR(Call("GetStatus", [&](grpc::ClientContext* c) {
    return stub_->GetStatus(c, req, &resp);
  }));
  return FromProto(resp);
}

}  // namespace sp::array::rpc
