// Where shadowport-arrayd and its clients look by default (the packaging's
// layout: packaging/shadowport-arrayd.service, docs/array.md).
//
// Thread safety: constants.
#ifndef SHADOWPORT_ARRAY_RPC_DEFAULTS_H_
#define SHADOWPORT_ARRAY_RPC_DEFAULTS_H_

namespace sp::array::rpc {

inline constexpr char kDefaultConfigFile[] = "/etc/shadowport/arrayd.toml";
// RuntimeDirectory=shadowport-array
inline constexpr char kDefaultSocket[] = "/run/shadowport-array/arrayd.sock";
// StateDirectory=shadowport-array
inline constexpr char kDefaultAdminTokenFile[] =
    "/var/lib/shadowport-array/admin.token";
inline constexpr char kDefaultAdminCommonName[] = "shadowport-admin";
inline constexpr int kDefaultDeadlineSeconds = 10;

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_DEFAULTS_H_
