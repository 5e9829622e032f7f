#include "array/rpc/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace sp::array::rpc {

Result<std::string> ReadSmallFd(int fd, const std::string& path,
                                size_t max_bytes) {
  std::string data;
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno(errno, "reading " + path);
    if (n == 0) return data;
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return Status(
          Code::kInvalidArg,
          path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "opening " + path);
  Result<std::string> data = ReadSmallFd(fd, path, max_bytes);
  close(fd);
  return data;
}

}  // namespace sp::array::rpc
