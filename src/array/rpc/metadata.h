// The gRPC metadata keys of proto/array.proto's contract, in one place.
//
// Request metadata (authentication, checked by grpc_service.cc):
//   shadowport-host, shadowport-credential  a registered host
//   shadowport-admin-token                  the administrator
// Trailing metadata (status_codec.cc): the exact code of a failed call.
//
// Thread safety: constants.
#ifndef SHADOWPORT_ARRAY_RPC_METADATA_H_
#define SHADOWPORT_ARRAY_RPC_METADATA_H_

namespace sp::array::rpc {

inline constexpr char kHostKey[] = "shadowport-host";
inline constexpr char kCredentialKey[] = "shadowport-credential";
inline constexpr char kAdminTokenKey[] = "shadowport-admin-token";

inline constexpr char kCodeKey[] = "shadowport-code";        // "VSS_E_..."
inline constexpr char kHresultKey[] = "shadowport-hresult";  // "0x8004231F"
// Binary ("-bin") so any bytes survive; only for OK-with-information
// statuses, whose gRPC status cannot carry a message.
inline constexpr char kMessageKey[] = "shadowport-message-bin";

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_METADATA_H_
