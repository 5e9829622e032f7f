#include "os/freeze.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "os/file_util.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

Result<UniqueFd> OpenMountPoint(const std::string& mount_point) {
  UniqueFd fd(RetryOnEintr([&] {
    return ::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }));
  if (!fd.valid()) return FromErrno(errno, "opening " + mount_point);
  return fd;
}

Status Ioctl(const std::string& mount_point, unsigned long request,
             const char* what) {
  SP_ASSIGN_OR_RETURN(UniqueFd fd, OpenMountPoint(mount_point));
  if (request == FIFREEZE && ::syncfs(fd.get()) != 0) {
    return FromErrno(errno, "syncfs of " + mount_point);
  }
  if (RetryOnEintr([&] { return ::ioctl(fd.get(), request, 0); }) != 0) {
    return FromErrno(errno, std::string(what) + " of " + mount_point);
  }
  return Status::Ok();
}

}  // namespace

Status FreezeFilesystem(const std::string& mount_point) {
  return Ioctl(mount_point, FIFREEZE, "FIFREEZE");
}

Status ThawFilesystem(const std::string& mount_point) {
  return Ioctl(mount_point, FITHAW, "FITHAW");
}

ScopedFreeze::ScopedFreeze(std::string mount_point)
    : mount_point_(std::move(mount_point)),
      status_(FreezeFilesystem(mount_point_)),
      frozen_(status_.ok()) {}

ScopedFreeze::~ScopedFreeze() { (void)Thaw(); }

Status ScopedFreeze::Thaw() {
  if (!frozen_) return Status::Ok();
  frozen_ = false;
  return ThawFilesystem(mount_point_);
}

}  // namespace sp::os
