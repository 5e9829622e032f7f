#include "service/peer/peer_server.h"

#include <utility>

#include "array/rpc/authenticator.h"
#include "array/rpc/status_codec.h"
#include "shadowport/guid.h"

namespace sp::service::peer {
namespace {

namespace pb = ::shadowport::peer::v1;

constexpr size_t kMaxLoggedName = 64;

// `name` cut for the log: a CN is the peer's to choose.
std::string ForLog(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kMaxLoggedName)) {
    const bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    out += printable ? c : '?';
  }
  if (name.size() > kMaxLoggedName) out += "...";
  return out;
}

}  // namespace

grpc::Status PeerService::Refuse(grpc::ServerContext* context,
                                 std::string_view method,
                                 std::string_view common_name,
                                 const Status& status) {
  service_->logger().Warning("refused peer call " + std::string(method) +
                             " from " + context->peer() +
                             " with certificate CN \"" + ForLog(common_name) +
                             "\": " + status.ToString());
  return array::rpc::ReplyStatus(status, context);
}

grpc::Status PeerService::BackupDone(grpc::ServerContext* context,
                                     const pb::BackupDoneRequest* request,
                                     pb::BackupDoneResponse* /*response*/) {
  constexpr std::string_view kMethod = "BackupDone";
  const std::optional<std::string> cn =
      array::rpc::VerifiedPeerCommonName(*context);
  if (!cn) {
    return Refuse(context, kMethod, "",
                  Status(Code::kUnauthenticated,
                         "a peer call needs a verified TLS client "
                         "certificate"));
  }
  Result<Guid> set_id = Guid::Parse(request->snapshot_set_id());
  if (!set_id.ok()) {
    return Refuse(context, kMethod, *cn,
                  std::move(set_id).status().WithContext("snapshot_set_id"));
  }
  BackupDoneSignal signal;
  signal.from_host = *cn;
  signal.snapshot_set_id = *set_id;
  signal.bcd_xml = request->bcd_xml();
  signal.succeeded = request->succeeded();
  Status delivered = service_->DeliverBackupDone(signal);
  if (!delivered.ok()) return Refuse(context, kMethod, *cn, delivered);
  service_->logger().Info("BackupDone for snapshot set " + set_id->ToString() +
                          " from " + context->peer() + " (host " + *cn + ")");
  return grpc::Status::OK;
}

}  // namespace sp::service::peer
