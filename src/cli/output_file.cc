#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

namespace sp::cli {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "writing " + path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes into a new mkostemp file from `pattern` (rewritten to its name);
// on failure nothing is left behind.
Status WriteNewFile(std::string& pattern, std::string_view data) {
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "creating " + pattern);
  Status status = WriteAll(fd, data, pattern);
  if (status.ok() && ::fchmod(fd, 0600) != 0) {
    status = FromErrno(errno, "chmod " + pattern);
  }
  if (status.ok() && ::fsync(fd) != 0) {
    status = FromErrno(errno, "syncing " + pattern);
  }
  if (::close(fd) != 0 && status.ok()) {
    status = FromErrno(errno, "closing " + pattern);
  }
  if (!status.ok()) ::unlink(pattern.c_str());
  return status;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  std::string temp = path + ".tmp.XXXXXX";
  SP_RETURN_IF_ERROR(WriteNewFile(temp, data));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status status = FromErrno(errno, "renaming " + temp + " to " + path);
    ::unlink(temp.c_str());
    return status;
  }
  const std::string dir = DirectoryOf(path);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return FromErrno(errno, "opening " + dir);
  Status status = Status::Ok();
  if (::fsync(dir_fd) != 0) status = FromErrno(errno, "syncing " + dir);
  ::close(dir_fd);
  return status;
}

Status EnsureDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::Ok();
  const int err = errno;
  struct stat st {};
  if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::Ok();
  }
  return FromErrno(err == EEXIST ? ENOTDIR : err, "creating directory " + dir);
}

Result<TempDocument> TempDocument::Create(std::string_view prefix,
                                          std::string_view data) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern =
      (tmpdir != nullptr && tmpdir[0] == '/') ? tmpdir : "/tmp";
  pattern += '/';
  pattern += prefix;
  pattern += ".XXXXXX";
  SP_RETURN_IF_ERROR(WriteNewFile(pattern, data));
  return TempDocument(std::move(pattern));
}

TempDocument::TempDocument(TempDocument&& other) noexcept
    : path_(std::exchange(other.path_, std::string())) {}

TempDocument::~TempDocument() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace sp::cli
