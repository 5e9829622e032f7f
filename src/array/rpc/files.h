// Small-file helpers for the array's RPC pieces: certificates, keys and
// tokens are read whole.
//
// Thread safety: pure functions over the filesystem.
#ifndef SHADOWPORT_ARRAY_RPC_FILES_H_
#define SHADOWPORT_ARRAY_RPC_FILES_H_

#include <cstddef>
#include <string>

#include "shadowport/status.h"

namespace sp::array::rpc {

// The whole of `path` (at most `max_bytes`, else E_INVALIDARG). Errors are
// FromErrno's, naming the path.
Result<std::string> ReadSmallFile(const std::string& path,
                                  size_t max_bytes = 1 << 20);

// The same from an open descriptor (read to its end; not closed); `path`
// only names it in errors.
Result<std::string> ReadSmallFd(int fd, const std::string& path,
                                size_t max_bytes = 1 << 20);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_FILES_H_
