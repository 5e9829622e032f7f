// Byte sizes as people write them, for the array's config file and CLI:
// "1073741824", "512M", "10G", "1.5TiB"... Suffixes K, M, G, T, P (alone or
// followed by "iB") are powers of 1024; KB, MB, GB, TB, PB are powers of
// 1000 (as truncate(1)); "B" or none is bytes. A fraction of up to three
// decimals is allowed with a suffix; the result must be a whole number of
// bytes.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_ARRAY_RPC_SIZE_TEXT_H_
#define SHADOWPORT_ARRAY_RPC_SIZE_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::array::rpc {

// E_INVALIDARG (naming the text) on anything else or on overflow.
Result<uint64_t> ParseSize(std::string_view text);

// "0 B", "512 B", "1 GiB", "1.5 GiB" (at most two decimals, binary units).
std::string FormatSize(uint64_t bytes);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_SIZE_TEXT_H_
