#include "document_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace sp::cli {
namespace {

// Closes the descriptor when the read is over, whatever the outcome.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd_); }

 private:
  int fd_;
};

// What is read first from a pipe or other file whose size is unknown.
constexpr size_t kFirstPipeRead = size_t{64} << 10;

Status TooLarge(const std::string& path, unsigned long long size) {
  return Status(Code::kInvalidXmlDocument,
                path + ": document is " + std::to_string(size) +
                    " bytes, over the " +
                    std::to_string(kMaxDocumentBytes >> 20) + " MiB limit");
}

}  // namespace

Result<std::string> ReadDocumentFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return FromErrno(errno, "opening " + path);
  FdCloser closer(fd);

  struct stat st;
  if (::fstat(fd, &st) != 0) return FromErrno(errno, "stat " + path);
  if (S_ISDIR(st.st_mode)) return FromErrno(EISDIR, "reading " + path);
  const bool regular = S_ISREG(st.st_mode);
  if (regular &&
      static_cast<unsigned long long>(st.st_size) > kMaxDocumentBytes) {
    return TooLarge(path, static_cast<unsigned long long>(st.st_size));
  }

  // A regular file may still grow while we read it; read one byte past the
  // bound to notice, whatever fstat said.
  std::string data;
  data.resize(regular ? static_cast<size_t>(st.st_size) + 1 : kFirstPipeRead);
  size_t used = 0;
  while (true) {
    if (used == data.size()) {
      if (data.size() > kMaxDocumentBytes) break;
      data.resize(std::min(std::max<size_t>(data.size() * 2, 4096),
                           kMaxDocumentBytes + 1));
    }
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "reading " + path);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > kMaxDocumentBytes) {
    return Status(Code::kInvalidXmlDocument,
                  path + ": document is over the " +
                      std::to_string(kMaxDocumentBytes >> 20) + " MiB limit");
  }
  data.resize(used);
  return data;
}

Result<AnyDocument> LoadDocumentFile(const std::string& path,
                                     DocumentKind kind) {
  SP_ASSIGN_OR_RETURN(std::string xml, ReadDocumentFile(path));
  switch (kind) {
    case DocumentKind::kBcd: {
      Result<BackupComponentsDocument> bcd = LoadBcd(xml);
      if (!bcd.ok()) return std::move(bcd).status().WithContext(path);
      return AnyDocument(std::move(bcd).value());
    }
    case DocumentKind::kWmd: {
      Result<WriterMetadata> wmd = LoadWmd(xml);
      if (!wmd.ok()) return std::move(wmd).status().WithContext(path);
      return AnyDocument(std::move(wmd).value());
    }
    case DocumentKind::kAny:
      break;
  }
  Result<AnyDocument> doc = LoadDocument(xml);
  if (!doc.ok()) return std::move(doc).status().WithContext(path);
  return doc;
}

}  // namespace sp::cli
