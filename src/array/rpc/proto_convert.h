// proto_convert: array.h's C++ types <-> proto/array.proto's messages, used
// by both ends (grpc_service.cc and client.cc) so they cannot drift.
//
// The From* functions that read what the other side sent validate what a
// proto cannot: GUID text. A bad GUID is E_INVALIDARG when the server reads
// a request, and the client turns it into VSS_E_UNEXPECTED (the array sent
// something malformed).
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_ARRAY_RPC_PROTO_CONVERT_H_
#define SHADOWPORT_ARRAY_RPC_PROTO_CONVERT_H_

#include <string>

#include "array.pb.h"
#include "array/array.h"
#include "shadowport/status.h"

namespace sp::array::rpc {

namespace pb = ::shadowport::array::v1;

void ToProto(const LunInfo& lun, pb::Lun* out);
Result<LunInfo> FromProto(const pb::Lun& lun);

void ToProto(const HostInfo& host, pb::Host* out);
HostInfo FromProto(const pb::Host& host);

void ToProto(const PoolStatus& status, pb::GetStatusResponse* out);
PoolStatus FromProto(const pb::GetStatusResponse& status);

// Empty text is the null GUID (an ordinary LUN's snapshot_set_id).
std::string GuidToText(const Guid& guid);
Result<Guid> GuidFromText(const std::string& text);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_PROTO_CONVERT_H_
