// GrpcService: the Array (array.h) behind proto/array.proto's service.
//
// Every call is first authenticated (authenticator.h: metadata credential,
// plus the TLS client certificate's common name over TCP); a refused call
// answers SP_E_UNAUTHENTICATED and never reaches the Array. An authenticated
// call runs as that Caller, so the Array's masking and admin rules apply
// unchanged. The Array's Status travels back through status_codec.h, exact
// code included. A call whose deadline has already passed when it is served
// is not started (SP_E_CANCELLED); one that passes mid-call still completes
// on the array, so a client that saw SP_E_DEADLINE_EXCEEDED re-reads before
// it retries.
//
// One rule belongs to the service, not the Array: no host may be registered
// under the admin's certificate common name.
//
// Each completed call is logged once: at debug level when it only read, at
// info when it changed something, at notice when it failed.
//
// Thread safety: gRPC calls the handlers from many threads at once; the
// service holds no mutable state and the Array serializes itself.
#ifndef SHADOWPORT_ARRAY_RPC_GRPC_SERVICE_H_
#define SHADOWPORT_ARRAY_RPC_GRPC_SERVICE_H_

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string_view>
#include <utility>

#include "array.grpc.pb.h"
#include "array/array.h"
#include "array/rpc/authenticator.h"
#include "array/rpc/logger.h"

namespace sp::array::rpc {

namespace pb = ::shadowport::array::v1;

class GrpcService final : public pb::Array::Service {
 public:
  // `array` and `logger` must outlive the service (and the server using it).
  GrpcService(Array* array, AuthPolicy policy, Logger* logger)
      : array_(array),
        auth_(array, std::move(policy), logger),
        logger_(logger) {}

  using Ctx = grpc::ServerContext;
  grpc::Status WhoAmI(Ctx* c, const pb::WhoAmIRequest* req,
                      pb::WhoAmIResponse* resp) override;

  grpc::Status AddHost(Ctx* c, const pb::AddHostRequest* req,
                       pb::AddHostResponse* resp) override;
  grpc::Status ListHosts(Ctx* c, const pb::ListHostsRequest* req,
                         pb::ListHostsResponse* resp) override;
  grpc::Status RemoveHost(Ctx* c, const pb::RemoveHostRequest* req,
                          pb::RemoveHostResponse* resp) override;
  grpc::Status ReclaimHost(Ctx* c, const pb::ReclaimHostRequest* req,
                           pb::ReclaimHostResponse* resp) override;

  grpc::Status CreateLun(Ctx* c, const pb::CreateLunRequest* req,
                         pb::CreateLunResponse* resp) override;
  grpc::Status ListLuns(Ctx* c, const pb::ListLunsRequest* req,
                        pb::ListLunsResponse* resp) override;
  grpc::Status GetLun(Ctx* c, const pb::GetLunRequest* req,
                      pb::GetLunResponse* resp) override;
  grpc::Status FindLunByNaa(Ctx* c, const pb::FindLunByNaaRequest* req,
                            pb::FindLunByNaaResponse* resp) override;
  grpc::Status ResizeLun(Ctx* c, const pb::ResizeLunRequest* req,
                         pb::ResizeLunResponse* resp) override;
  grpc::Status DeleteLun(Ctx* c, const pb::DeleteLunRequest* req,
                         pb::DeleteLunResponse* resp) override;

  grpc::Status Present(Ctx* c, const pb::PresentRequest* req,
                       pb::PresentResponse* resp) override;
  grpc::Status Unpresent(Ctx* c, const pb::UnpresentRequest* req,
                         pb::UnpresentResponse* resp) override;

  grpc::Status CreateSnapshotSet(Ctx* c,
                                 const pb::CreateSnapshotSetRequest* req,
                                 pb::CreateSnapshotSetResponse* resp) override;
  grpc::Status PrepareSnapshotSet(
      Ctx* c, const pb::PrepareSnapshotSetRequest* req,
      pb::PrepareSnapshotSetResponse* resp) override;
  grpc::Status CommitSnapshotSet(Ctx* c,
                                 const pb::CommitSnapshotSetRequest* req,
                                 pb::CommitSnapshotSetResponse* resp) override;
  grpc::Status FinishSnapshotSet(Ctx* c,
                                 const pb::FinishSnapshotSetRequest* req,
                                 pb::FinishSnapshotSetResponse* resp) override;
  grpc::Status ListSnapshots(Ctx* c, const pb::ListSnapshotsRequest* req,
                             pb::ListSnapshotsResponse* resp) override;
  grpc::Status LocateLuns(Ctx* c, const pb::LocateLunsRequest* req,
                          pb::LocateLunsResponse* resp) override;
  grpc::Status DeleteSnapshot(Ctx* c, const pb::DeleteSnapshotRequest* req,
                              pb::DeleteSnapshotResponse* resp) override;
  grpc::Status DeleteSnapshotSet(Ctx* c,
                                 const pb::DeleteSnapshotSetRequest* req,
                                 pb::DeleteSnapshotSetResponse* resp) override;
  grpc::Status BreakSnapshot(Ctx* c, const pb::BreakSnapshotRequest* req,
                             pb::BreakSnapshotResponse* resp) override;

  grpc::Status Attach(Ctx* c, const pb::AttachRequest* req,
                      pb::AttachResponse* resp) override;
  grpc::Status SetAttachmentDevice(
      Ctx* c, const pb::SetAttachmentDeviceRequest* req,
      pb::SetAttachmentDeviceResponse* resp) override;
  grpc::Status Detach(Ctx* c, const pb::DetachRequest* req,
                      pb::DetachResponse* resp) override;
  grpc::Status ReportMount(Ctx* c, const pb::ReportMountRequest* req,
                           pb::ReportMountResponse* resp) override;

  grpc::Status GetStatus(Ctx* c, const pb::GetStatusRequest* req,
                         pb::GetStatusResponse* resp) override;

 private:
  enum class Kind { kRead, kChange };

  // Authenticates, runs fn(caller) -> Status, logs (with `req`), encodes
  // the result.
  template <typename Fn>
  grpc::Status Serve(Ctx* context, std::string_view method, Kind kind,
                     const google::protobuf::Message& req, Fn&& fn);

  Array* const array_;
  const Authenticator auth_;
  Logger* const logger_;
};

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_GRPC_SERVICE_H_
