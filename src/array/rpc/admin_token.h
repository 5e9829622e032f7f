// The admin token: a random secret the daemon creates at its first start in
// a file only its owner may read (0600, beside its config or state), and that
// the admin CLI reads to authenticate (authenticator.h).
//
// Thread safety: functions over the filesystem; not for concurrent use on
// one path.
#ifndef SHADOWPORT_ARRAY_RPC_ADMIN_TOKEN_H_
#define SHADOWPORT_ARRAY_RPC_ADMIN_TOKEN_H_

#include <string>

#include "shadowport/status.h"

namespace sp::array::rpc {

// Daemon: reads the token in `path`, or creates the file (O_EXCL, mode 0600,
// 256 random bits as 64 hex digits, fsynced with its directory) when it
// does not exist. An existing file must be a regular file (not a symlink)
// owned by the effective user with no group or other permission bits, else
// E_ACCESSDENIED (the daemon refuses to start on a token others could have
// read); a malformed token is E_INVALIDARG.
Result<std::string> LoadOrCreateAdminToken(const std::string& path);

// Client: the token in `path` (whitespace around it ignored); E_INVALIDARG
// if it is not 64 hex digits.
Result<std::string> ReadAdminToken(const std::string& path);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_ADMIN_TOKEN_H_
