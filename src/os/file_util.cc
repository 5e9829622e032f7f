#include "os/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "os/unique_fd.h"

namespace sp::os {

std::string ParentDirectory(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "a/b/" is "a/b"
  const size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status FsyncDirectory(const std::string& dir) {
  UniqueFd fd(RetryOnEintr(
      [&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!fd.valid()) return FromErrno(errno, "opening directory " + dir);
  if (RetryOnEintr([&] { return ::fsync(fd.get()); }) != 0) {
    return FromErrno(errno, "fsync of directory " + dir);
  }
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(
      RetryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (!fd.valid()) return FromErrno(errno, "opening " + path);
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n =
        RetryOnEintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) return FromErrno(errno, "reading " + path);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return Status(Code::kIoError, path + " is longer than " +
                                        std::to_string(max_bytes) + " bytes");
    }
  }
  return text;
}

Result<std::string> ResolvePath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(
      ::realpath(path.c_str(), nullptr), &std::free);
  if (resolved == nullptr) return FromErrno(errno, "resolving " + path);
  return std::string(resolved.get());
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status MakeDirectories(const std::string& path, mode_t mode) {
  if (path.empty() || path.front() != '/') {
    return Status(Code::kInvalidArg, "not an absolute path: " + path);
  }
  size_t pos = 1;
  while (true) {
    pos = path.find('/', pos);
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return FromErrno(errno, "creating " + prefix);
    }
    if (pos == std::string::npos) break;
    ++pos;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FromErrno(errno, "stat " + path);
  if (!S_ISDIR(st.st_mode)) {
    return Status(Code::kObjectAlreadyExists, path + " is not a directory");
  }
  return Status::Ok();
}

Status RemoveEmptyDirectory(const std::string& path) {
  if (::rmdir(path.c_str()) != 0 && errno != ENOTEMPTY && errno != ENOENT &&
      errno != EEXIST) {
    return FromErrno(errno, "removing " + path);
  }
  return Status::Ok();
}

}  // namespace sp::os
