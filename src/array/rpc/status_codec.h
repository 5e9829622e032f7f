// status_codec: the one place where sp::Status and grpc::Status meet.
//
// Server side, a Status becomes the gRPC status of the code table's grpc
// column with the human message, plus trailing metadata naming the exact
// code (metadata.h: shadowport-code, shadowport-hresult), since many codes
// share one gRPC status. Client side, the trailers rebuild the exact Status
// (CodeFromName, else CodeFromHresult); a status without them was made by
// the transport, not by the array, and maps by its gRPC code:
// UNAVAILABLE -> SP_E_UNAVAILABLE, DEADLINE_EXCEEDED -> SP_E_DEADLINE_EXCEEDED,
// UNAUTHENTICATED -> SP_E_UNAUTHENTICATED, CANCELLED -> SP_E_CANCELLED,
// UNIMPLEMENTED -> E_NOTIMPL, anything else -> VSS_E_UNEXPECTED, the message
// naming the gRPC code.
//
// Thread safety: pure functions (ReplyStatus touches only its context).
#ifndef SHADOWPORT_ARRAY_RPC_STATUS_CODEC_H_
#define SHADOWPORT_ARRAY_RPC_STATUS_CODEC_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowport/status.h"

namespace sp::array::rpc {

using Trailers = std::multimap<grpc::string_ref, grpc::string_ref>;

// The trailing metadata that names `status`'s code; empty for S_OK.
std::vector<std::pair<std::string, std::string>> StatusTrailers(
    const Status& status);

// The gRPC status for `status` (OK for every success code).
grpc::Status ToGrpcStatus(const Status& status);

// Server: adds StatusTrailers(status) to `context` and returns
// ToGrpcStatus(status). REQUIRES: context != nullptr.
grpc::Status ReplyStatus(const Status& status, grpc::ServerContext* context);

// Client: the Status a call ended with, from its gRPC status and the
// server's trailing metadata (ClientContext::GetServerTrailingMetadata()).
Status FromGrpcStatus(const grpc::Status& status, const Trailers& trailers);

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ... ("CODE_<n>" for unknown values).
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_STATUS_CODEC_H_
