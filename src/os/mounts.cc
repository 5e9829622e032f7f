#include "os/mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <thread>
#include <utility>

#include "os/file_util.h"

namespace sp::os {
namespace {

constexpr int kMaxUnmountRetries = 5;
constexpr auto kUnmountRetryWait = std::chrono::milliseconds(100);
// mountinfo of a busy container host can be large; this is far above it.
constexpr size_t kMaxMountInfoBytes = size_t{64} << 20;

// Splits on single spaces; an empty field (an empty mount source prints as
// two spaces) stays a field.
std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  return fields;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && IsOctal(field[i + 1]) &&
        IsOctal(field[i + 2]) && IsOctal(field[i + 3])) {
      out +=
          static_cast<char>(((field[i + 1] - '0') << 6) |
                            ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

bool ParseUint(std::string_view text, uint32_t* value) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

Result<MountInfo> ParseLine(std::string_view line, size_t line_number) {
  auto bad = [&](std::string_view why) {
    return Status(Code::kInvalidArg, "mountinfo line " +
                                         std::to_string(line_number) + ": " +
                                         std::string(why));
  };
  const std::vector<std::string_view> f = SplitSpaces(line);
  // id parent maj:min root mount-point options [optional...] - type source
  // super-options
  if (f.size() < 10) return bad("too few fields");
  size_t sep = 6;
  while (sep < f.size() && f[sep] != "-") ++sep;
  if (sep == f.size()) return bad("no \" - \" separator");
  if (sep + 4 != f.size()) {
    return bad("not three fields after the \" - \" separator");
  }
  MountInfo info;
  const size_t colon = f[2].find(':');
  if (!ParseUint(f[0], &info.mount_id) || !ParseUint(f[1], &info.parent_id) ||
      colon == std::string_view::npos ||
      !ParseUint(f[2].substr(0, colon), &info.major) ||
      !ParseUint(f[2].substr(colon + 1), &info.minor)) {
    return bad("bad mount id, parent id or major:minor");
  }
  info.root = Unescape(f[3]);
  info.mount_point = Unescape(f[4]);
  info.mount_options = std::string(f[5]);
  info.fs_type = Unescape(f[sep + 1]);
  info.source = Unescape(f[sep + 2]);
  info.super_options = Unescape(f[sep + 3]);
  if (!info.mount_point.starts_with('/')) return bad("relative mount point");
  return info;
}

// True when `mount_point` is `path` or a directory above it.
bool Holds(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return true;
  if (!path.starts_with(mount_point)) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

}  // namespace

Status Mount(const std::string& source, const std::string& target,
             const std::string& fstype, const MountOptions& options) {
  unsigned long flags = 0;  // NOLINT(runtime/int): mount(2) takes it
  if (options.read_only) flags |= MS_RDONLY;
  if (options.no_suid) flags |= MS_NOSUID;
  if (options.no_dev) flags |= MS_NODEV;
  if (options.no_exec) flags |= MS_NOEXEC;
  const void* data = options.data.empty() ? nullptr : options.data.c_str();
  if (::mount(source.c_str(), target.c_str(), fstype.c_str(), flags, data) !=
      0) {
    const int err = errno;
    std::string what = "mounting " + source + " (" + fstype + ") at " + target +
                       (options.read_only ? " read-only" : "");
    if (!options.data.empty()) what += " with options " + options.data;
    Status status = FromErrno(err, what);
    if (err == EINVAL) {
      return Status(status.code(),
                    status.message() +
                        " (wrong filesystem type, bad superblock or bad "
                        "option; see the kernel log)");
    }
    return status;
  }
  return Status::Ok();
}

Status Unmount(const std::string& target) {
  for (int attempt = 0;; ++attempt) {
    if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return Status::Ok();
    const int err = errno;
    if ((err == EBUSY || err == EINTR) && attempt < kMaxUnmountRetries) {
      std::this_thread::sleep_for(kUnmountRetryWait);
      continue;
    }
    Status status = FromErrno(err, "unmounting " + target);
    if (err == EINVAL) {
      return Status(status.code(), status.message() + " (not a mount point)");
    }
    return status;
  }
}

ScopedMount::ScopedMount(ScopedMount&& other) noexcept
    : target_(std::exchange(other.target_, std::string())) {}

ScopedMount& ScopedMount::operator=(ScopedMount&& other) noexcept {
  if (this != &other) {
    (void)Unmount();
    target_ = std::exchange(other.target_, std::string());
  }
  return *this;
}

ScopedMount::~ScopedMount() { (void)Unmount(); }

Result<ScopedMount> ScopedMount::Mount(const std::string& source,
                                       const std::string& target,
                                       const std::string& fstype,
                                       const MountOptions& options) {
  SP_RETURN_IF_ERROR(os::Mount(source, target, fstype, options));
  return ScopedMount(target);
}

Status ScopedMount::Unmount() {
  if (target_.empty()) return Status::Ok();
  const std::string target = std::exchange(target_, std::string());
  return os::Unmount(target);
}

std::string ScopedMount::Release() {
  return std::exchange(target_, std::string());
}

bool MountInfo::read_only() const {
  std::string_view rest(mount_options);
  while (true) {
    const size_t comma = rest.find(',');
    if (rest.substr(0, comma) == "ro") return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

Result<std::vector<MountInfo>> ParseMountInfo(std::string_view text) {
  std::vector<MountInfo> mounts;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    ++line_number;
    if (!line.empty()) {
      SP_ASSIGN_OR_RETURN(MountInfo info, ParseLine(line, line_number));
      mounts.push_back(std::move(info));
    }
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return mounts;
}

Result<MountInfo> FindMountIn(const std::vector<MountInfo>& mounts,
                              std::string_view absolute_path) {
  if (!absolute_path.starts_with('/')) {
    return Status(Code::kInvalidArg, "finding the mount of \"" +
                                         std::string(absolute_path) +
                                         "\": not an absolute path");
  }
  while (absolute_path.size() > 1 && absolute_path.back() == '/') {
    absolute_path.remove_suffix(1);
  }
  const MountInfo* best = nullptr;
  for (const MountInfo& m : mounts) {
    if (!Holds(m.mount_point, absolute_path)) continue;
    // ">=": a later mount on the same point is stacked on top.
    if (best == nullptr || m.mount_point.size() >= best->mount_point.size()) {
      best = &m;
    }
  }
  if (best == nullptr) {
    return Status(Code::kObjectNotFound,
                  "no mount holds " + std::string(absolute_path));
  }
  return *best;
}

Result<MountInfo> FindMount(const std::string& path) {
  SP_ASSIGN_OR_RETURN(const std::string resolved, ResolvePath(path));
  SP_ASSIGN_OR_RETURN(
      const std::string text,
      ReadSmallFile("/proc/self/mountinfo", kMaxMountInfoBytes));
  SP_ASSIGN_OR_RETURN(const std::vector<MountInfo> mounts,
                      ParseMountInfo(text));
  return FindMountIn(mounts, resolved);
}

}  // namespace sp::os
