// Array::Open, the constructor, recovery's entry point and GetStatus.
#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "array/array_impl.h"
#include "array/recovery.h"

namespace sp::array {
namespace {

constexpr char kArrayIdKey[] = "array_id";

// The pool's absolute, normalized path.
Result<std::string> AbsolutePool(const std::string& pool_dir) {
  if (pool_dir.empty()) {
    return Status(Code::kInvalidArg, "no pool directory given");
  }
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(pool_dir, ec);
  if (ec) return FromErrno(ec.value(), "pool directory " + pool_dir);
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// One Array per pool, across processes: flock is released by the kernel
// when the holder dies, so a crashed daemon never blocks its successor.
Result<os::UniqueFd> LockPool(const std::string& path) {
  os::UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return FromErrno(errno, "opening " + path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status(
          Code::kVolumeInUse,
          "the pool is in use by another array (" + path + " is locked)");
    }
    return FromErrno(errno, "locking " + path);
  }
  return fd;
}

Status MakeDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directory(path, ec);
  if (ec) return FromErrno(ec.value(), "creating " + path);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Array>> Array::Open(const ArrayOptions& options,
                                           os::PoolFilesystem* fs) {
  FaultInjector faults(options.crash_at);
  SP_RETURN_IF_ERROR(faults.Validate());
  if (options.snapshot_reserve_percent > 100) {
    return Status(Code::kInvalidArg,
                  "snapshot_reserve_percent must be 0..100, not " +
                      std::to_string(options.snapshot_reserve_percent));
  }
  if (options.abandoned_set_timeout.count() <= 0) {
    return Status(Code::kInvalidArg,
                  "abandoned_set_timeout must be positive, not " +
                      std::to_string(options.abandoned_set_timeout.count()) +
                      " ms");
  }
  SP_ASSIGN_OR_RETURN(std::string pool, AbsolutePool(options.pool_dir));
  // Before creating anything: a pool that cannot reflink is refused as is.
  SP_RETURN_IF_ERROR(fs->CheckReflink(pool).WithContext("pool " + pool));
  SP_RETURN_IF_ERROR(MakeDirectory(pool + "/luns"));
  SP_ASSIGN_OR_RETURN(os::UniqueFd lock, LockPool(pool + "/array.lock"));
  SP_ASSIGN_OR_RETURN(std::unique_ptr<Catalogue> catalogue,
                      Catalogue::Open(pool + "/array.db"));
  SP_ASSIGN_OR_RETURN(Guid fresh_id, Guid::Random());
  SP_ASSIGN_OR_RETURN(
      std::string id_text,
      catalogue->GetOrInsertMeta(kArrayIdKey, fresh_id.ToString()));
  SP_ASSIGN_OR_RETURN(Guid array_id, Guid::Parse(id_text));
  auto array = std::make_unique<ArrayImpl>(
      options, fs, pool, array_id, std::move(catalogue), std::move(lock));
  SP_RETURN_IF_ERROR(array->Recover().WithContext("recovering pool " + pool));
  return std::unique_ptr<Array>(std::move(array));
}

ArrayImpl::ArrayImpl(ArrayOptions options, os::PoolFilesystem* fs,
                     std::string pool_dir, Guid array_id,
                     std::unique_ptr<Catalogue> catalogue,
                     os::UniqueFd pool_lock)
    : options_(std::move(options)),
      fs_(fs),
      faults_(options_.crash_at),
      pool_dir_(std::move(pool_dir)),
      luns_dir_(pool_dir_ + "/luns"),
      array_id_(array_id),
      pool_lock_(std::move(pool_lock)),
      db_(std::move(catalogue)) {}

Status ArrayImpl::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
  RecoveryReport report;
  SP_RETURN_IF_ERROR(RecoverPool(db_.get(), fs_, luns_dir_, &report));
  for (const std::string& line : report.log) Audit("recovery: " + line);
  for (const Guid& id : report.undone_set_ids) {
    undone_[id] =
        "the array restarted after it was prepared and its recovery undid it";
  }
  return Status::Ok();
}

Result<PoolStatus> ArrayImpl::GetStatus(const Caller& caller) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "reading the pool status"));
  ExpireAbandonedSets();
  PoolStatus status;
  status.pool_dir = pool_dir_;
  status.array_id = array_id_.ToString();
  SP_ASSIGN_OR_RETURN(status.space, fs_->Space(luns_dir_));
  status.free_space_floor_bytes = options_.free_space_floor_bytes;
  SP_ASSIGN_OR_RETURN(status.lun_count, db_->CountReadyLuns(false));
  SP_ASSIGN_OR_RETURN(status.snapshot_count, db_->CountReadyLuns(true));
  SP_ASSIGN_OR_RETURN(status.host_count, db_->CountHosts());
  return status;
}

std::string ArrayImpl::LunPath(uint64_t id) const {
  return luns_dir_ + "/" + LunFileName(id);
}

int64_t ArrayImpl::NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ArrayImpl::Audit(const std::string& line) const {
  if (options_.audit) options_.audit(line);
}

}  // namespace sp::array
