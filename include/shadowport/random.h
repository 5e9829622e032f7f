// Random bytes from the kernel CSPRNG (getrandom), for ids and credentials.
//
// Thread safety: safe to call concurrently.
#ifndef SHADOWPORT_RANDOM_H_
#define SHADOWPORT_RANDOM_H_

#include <cstdint>
#include <span>

#include "shadowport/status.h"

namespace sp {

// Fills `out` completely; fails only if the kernel CSPRNG fails.
Status FillRandom(std::span<uint8_t> out);

}  // namespace sp

#endif  // SHADOWPORT_RANDOM_H_
