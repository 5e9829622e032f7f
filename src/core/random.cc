#include "shadowport/random.h"

#include <sys/random.h>

#include <cerrno>

namespace sp {

Status FillRandom(std::span<uint8_t> out) {
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "getrandom");
    }
    got += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace sp
