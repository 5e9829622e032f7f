#include "support/fake_pool_filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "os/unique_fd.h"

namespace sp::fakes {
namespace {

// Copies the data segments of `in` to `out` (already sized), keeping holes.
Status CopySparse(int in, int out, off_t size) {
  std::vector<char> buf(1 << 16);
  off_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) return Status::Ok();  // only a hole remains
      return FromErrno(errno, "lseek SEEK_DATA");
    }
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0) return FromErrno(errno, "lseek SEEK_HOLE");
    for (off_t off = data; off < hole;) {
      size_t want = static_cast<size_t>(
          std::min<off_t>(hole - off, static_cast<off_t>(buf.size())));
      ssize_t n = ::pread(in, buf.data(), want, off);
      if (n < 0) return FromErrno(errno, "pread");
      if (n == 0) break;
      if (::pwrite(out, buf.data(), static_cast<size_t>(n), off) != n) {
        return FromErrno(errno, "pwrite");
      }
      off += n;
    }
    pos = hole;
  }
  return Status::Ok();
}

}  // namespace

void FakePoolFilesystem::SetReflinkSupported(bool supported,
                                             std::string fs_type) {
  std::lock_guard<std::mutex> lock(mu_);
  reflink_ = supported;
  fs_type_ = std::move(fs_type);
}

void FakePoolFilesystem::FailNth(Op op, int n, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_[op] = Failure{counts_[op] + n, std::move(status)};
}

void FakePoolFilesystem::SetSpace(os::SpaceInfo space) {
  std::lock_guard<std::mutex> lock(mu_);
  space_ = space;
}

std::vector<FakePoolFilesystem::Call> FakePoolFilesystem::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

int FakePoolFilesystem::CountCalls(Op op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

Status FakePoolFilesystem::Record(Call call) {
  std::lock_guard<std::mutex> lock(mu_);
  Op op = call.op;
  int n = ++counts_[op];
  calls_.push_back(std::move(call));
  auto it = failures_.find(op);
  if (it != failures_.end() && it->second.at == n) {
    Status s = std::move(it->second.status);
    failures_.erase(it);
    return s;
  }
  return Status::Ok();
}

Status FakePoolFilesystem::CheckReflink(const std::string& dir) {
  SP_RETURN_IF_ERROR(Record({Op::kCheckReflink, dir, "", 0}));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return FromErrno(errno, dir);
  if (!S_ISDIR(st.st_mode)) return FromErrno(ENOTDIR, dir);
  std::lock_guard<std::mutex> lock(mu_);
  if (!reflink_) {
    return Status(Code::kNotSupported,
                  dir + " is on " + fs_type_ + ", which cannot reflink");
  }
  return Status::Ok();
}

Status FakePoolFilesystem::CreateSparseFile(const std::string& path,
                                            uint64_t size) {
  SP_RETURN_IF_ERROR(Record({Op::kCreateSparseFile, path, "", size}));
  os::UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return Status(Code::kObjectAlreadyExists, path + " exists");
    }
    return FromErrno(errno, path);
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    return FromErrno(errno, path);
  }
  return Status::Ok();
}

Status FakePoolFilesystem::GrowFile(const std::string& path, uint64_t size) {
  SP_RETURN_IF_ERROR(Record({Op::kGrowFile, path, "", size}));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FromErrno(errno, path);
  if (static_cast<uint64_t>(st.st_size) > size) {
    return Status(Code::kInvalidArg, "GrowFile would shrink " + path);
  }
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return FromErrno(errno, path);
  }
  return Status::Ok();
}

Status FakePoolFilesystem::Clone(const std::string& src,
                                 const std::string& dst) {
  SP_RETURN_IF_ERROR(Record({Op::kClone, src, dst, 0}));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!reflink_) {
      return Status(Code::kNotSupported, fs_type_ + " cannot reflink");
    }
  }
  os::UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return FromErrno(errno, src);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return FromErrno(errno, src);
  os::UniqueFd out(
      ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) {
    if (errno == EEXIST) {
      return Status(Code::kObjectAlreadyExists, dst + " exists");
    }
    return FromErrno(errno, dst);
  }
  if (::ftruncate(out.get(), st.st_size) != 0) return FromErrno(errno, dst);
  return CopySparse(in.get(), out.get(), st.st_size);
}

Status FakePoolFilesystem::CloneNoSync(const std::string& src,
                                       const std::string& dst) {
  SP_RETURN_IF_ERROR(Clone(src, dst));
  std::lock_guard<std::mutex> lock(mu_);
  unsynced_.insert(dst);
  return Status::Ok();
}

void FakePoolFilesystem::SetSyncHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_hook_ = std::move(hook);
}

Status FakePoolFilesystem::SyncFiles(const std::vector<std::string>& paths) {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = sync_hook_;
  }
  if (hook) hook();
  SP_RETURN_IF_ERROR(Record({Op::kSyncFiles, "", "", 0, paths}));
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& path : paths) unsynced_.erase(path);
  return Status::Ok();
}

std::set<std::string> FakePoolFilesystem::Unsynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unsynced_;
}

Status FakePoolFilesystem::Remove(const std::string& path) {
  SP_RETURN_IF_ERROR(Record({Op::kRemove, path, "", 0}));
  if (::unlink(path.c_str()) != 0) return FromErrno(errno, path);
  std::lock_guard<std::mutex> lock(mu_);
  unsynced_.erase(path);
  return Status::Ok();
}

Result<std::vector<std::string>> FakePoolFilesystem::ListFiles(
    const std::string& dir) {
  SP_RETURN_IF_ERROR(Record({Op::kListFiles, dir, "", 0}));
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return FromErrno(errno, dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode)) {
      names.push_back(std::move(name));
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Result<uint64_t> FakePoolFilesystem::FileSize(const std::string& path) {
  SP_RETURN_IF_ERROR(Record({Op::kFileSize, path, "", 0}));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FromErrno(errno, path);
  return static_cast<uint64_t>(st.st_size);
}

Result<os::SpaceInfo> FakePoolFilesystem::Space(const std::string& dir) {
  SP_RETURN_IF_ERROR(Record({Op::kSpace, dir, "", 0}));
  std::lock_guard<std::mutex> lock(mu_);
  return space_;
}

}  // namespace sp::fakes
