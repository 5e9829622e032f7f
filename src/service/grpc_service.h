// ShadowportService: proto/service.proto served by shadowportd. One
// BackupSession per Session stream, served on the stream's own thread; the
// session ends with the stream (requester crash included). Administrative
// calls go to the Service.
//
// Thread safety: gRPC calls the handlers concurrently; each session is
// confined to its stream's thread; the Service is thread-safe.
#ifndef SHADOWPORT_SERVICE_GRPC_SERVICE_H_
#define SHADOWPORT_SERVICE_GRPC_SERVICE_H_

#include <cstdint>

#include "service.grpc.pb.h"
#include "service/service.h"

namespace sp::service {

class ShadowportService final
    : public ::shadowport::service::v1::Shadowport::Service {
 public:
  ShadowportService(::sp::service::Service* service, int64_t started_us)
      : service_(service), started_us_(started_us) {}

  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<::shadowport::service::v1::SessionResponse,
                               ::shadowport::service::v1::SessionRequest>*
          stream) override;
  grpc::Status Query(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::QueryRequest* request,
      ::shadowport::service::v1::QueryResponse* response) override;
  grpc::Status DeleteSnapshots(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::DeleteSnapshotsRequest* request,
      ::shadowport::service::v1::DeleteSnapshotsResponse* response) override;
  grpc::Status IsVolumeSupported(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::IsVolumeSupportedRequest* request,
      ::shadowport::service::v1::IsVolumeSupportedResponse* response) override;
  grpc::Status ListWriters(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::ListWritersRequest* request,
      ::shadowport::service::v1::ListWritersResponse* response) override;
  grpc::Status Expose(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::ExposeRequest* request,
      ::shadowport::service::v1::SnapshotProperties* response) override;
  grpc::Status Unexpose(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::UnexposeRequest* request,
      ::shadowport::service::v1::SnapshotProperties* response) override;
  // VSS BreakSnapshotSet(Ex) of a set imported here (Service::
  // BreakSnapshotSet); replies with the volumes it became.
  grpc::Status BreakSnapshotSet(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::BreakSnapshotSetRequest* request,
      ::shadowport::service::v1::BreakSnapshotSetResponse* response) override;
  grpc::Status Cleanup(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::CleanupRequest* request,
      ::shadowport::service::v1::CleanupResponse* response) override;
  grpc::Status GetStatus(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::GetStatusRequest* request,
      ::shadowport::service::v1::GetStatusResponse* response) override;
  // Importing host: sends the done-signal of the BCD's snapshot set to its
  // creating host, at the address [peers] gives for it, over the peer
  // channel (peer/peer_client.h); replies with that address.
  grpc::Status SignalBackupDone(
      grpc::ServerContext* context,
      const ::shadowport::service::v1::SignalBackupDoneRequest* request,
      ::shadowport::service::v1::SignalBackupDoneResponse* response) override;

 private:
  grpc::Status PropertiesOf(const Guid& snapshot_id,
                            grpc::ServerContext* context,
                            ::shadowport::service::v1::SnapshotProperties* out);

  ::sp::service::Service* const service_;
  const int64_t started_us_;
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_GRPC_SERVICE_H_
