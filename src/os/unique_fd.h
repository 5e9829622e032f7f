// UniqueFd: sole owner of a file descriptor; closes it when destroyed.
//
// Move-only. close() errors are ignored on destruction (on Linux the
// descriptor is gone whatever close() returns, and retrying could close a
// descriptor another thread just got).
//
// Thread safety: none; one owner at a time, like std::unique_ptr.
#ifndef SHADOWPORT_OS_UNIQUE_FD_H_
#define SHADOWPORT_OS_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace sp::os {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd` (-1 for none).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }

  // Gives up ownership without closing; returns the descriptor.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the owned descriptor, if any, and takes `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace sp::os

#endif  // SHADOWPORT_OS_UNIQUE_FD_H_
