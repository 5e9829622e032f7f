#include "array/rpc/admin_token.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string_view>
#include <utility>

#include "array/rpc/files.h"

namespace sp::array::rpc {
namespace {

constexpr size_t kTokenBytes = 32;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' ||
                        s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' ||
                        s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Result<std::string> ParseToken(std::string_view text, const std::string& path) {
  text = Trim(text);
  bool hex = text.size() == 2 * kTokenBytes;
  for (char c : text) {
    hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (!hex) {
    return Status(Code::kInvalidArg,
                  path + ": not an admin token (64 lowercase hex digits)");
  }
  return std::string(text);
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno(errno, "writing " + path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncDirectoryOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = std::filesystem::path(".");
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "opening " + dir.string());
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return FromErrno(err, "syncing " + dir.string());
  return Status::Ok();
}

Result<std::string> CreateToken(const std::string& path) {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return Status(Code::kInternal, "no random bytes for the admin token");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0xF];
  }
  const int fd = open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return FromErrno(errno, "creating " + path);
  Status status = WriteAll(fd, token + "\n", path);
  if (status.ok() && fsync(fd) != 0) {
    status = FromErrno(errno, "syncing " + path);
  }
  close(fd);
  if (status.ok()) status = SyncDirectoryOf(path);
  if (!status.ok()) {
    unlink(path.c_str());
    return status;
  }
  return token;
}

}  // namespace

Result<std::string> LoadOrCreateAdminToken(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return CreateToken(path);
  if (fd < 0) return FromErrno(errno, "opening " + path);
  // Check and read the one file we opened.
  struct stat st {};
  Result<std::string> text = Status(Code::kInternal, "unread");
  if (fstat(fd, &st) != 0) {
    text = FromErrno(errno, "checking " + path);
  } else if (!S_ISREG(st.st_mode)) {
    text = Status(Code::kAccessDeniedLocal, path + ": not a regular file");
  } else if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    text = Status(Code::kAccessDeniedLocal,
                  path +
                      ": the admin token must be owned by this user and "
                      "readable by nobody else (chmod 600)");
  } else {
    text = ReadSmallFd(fd, path, 4096);
  }
  close(fd);
  if (!text.ok()) return std::move(text).status();
  return ParseToken(*text, path);
}

Result<std::string> ReadAdminToken(const std::string& path) {
  SP_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 4096));
  return ParseToken(text, path);
}

}  // namespace sp::array::rpc
