// The freezer loop. While a filesystem is frozen this code must not block
// on one: it holds an open descriptor of every mount point (opened before
// the first freeze, so no path is resolved meanwhile), keeps its errors as
// errno values in storage reserved beforehand, and formats messages only
// after everything is thawed (an allocation may have to reclaim memory,
// which may write back dirty pages of a frozen filesystem).
#include "os/freezer.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include "os/file_util.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

using Clock = std::chrono::steady_clock;

// getppid() is compared at least this often while holding (PDEATHSIG
// wakes the loop at once; this covers a parent that died in between).
constexpr int kParentCheckMs = 200;
// Longest hold accepted on the command line: one day.
constexpr int64_t kMaxHoldMs = int64_t{24} * 3600 * 1000;
// A control line longer than this ends the hold as well.
constexpr size_t kControlBuffer = 64;

constexpr std::string_view kHoldOption = "--hold-ms=";
constexpr std::string_view kParentOption = "--parent-pid=";

// Why the freezer stops holding (or stops freezing).
enum class Stop { kNone, kRequest, kDeadline, kSignal, kParent, kError };

std::string_view StopReason(Stop stop) {
  switch (stop) {
    case Stop::kNone:
    case Stop::kRequest:
      return "";
    case Stop::kDeadline:
      return "deadline";
    case Stop::kSignal:
      return "signal";
    case Stop::kParent:
      return "parent";
    case Stop::kError:
      return "error";
  }
  return "error";
}

template <typename Int>
bool ParseInt(std::string_view text, Int* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty();
}

// Writes all of `data`; false on an error (EPIPE: the reader is gone).
// Allocation-free.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = RetryOnEintr([&] { return ::write(fd, data, size); });
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool WriteText(int fd, std::string_view text) {
  return WriteAll(fd, text.data(), text.size());
}

int Fail(int report_fd, const Status& status) {
  (void)WriteText(report_fd, FormatErrorReport(status));
  return 1;
}

// Watches the control pipe, the signalfd and the parent. Allocation-free.
class Watch {
 public:
  Watch(const FreezerArgs& args, int control_fd, int signal_fd)
      : parent_pid_(args.parent_pid),
        control_fd_(control_fd),
        signal_fd_(signal_fd) {}

  // Waits up to `timeout_ms` (0: only looks) for a reason to stop.
  Stop Check(int timeout_ms) {
    if (ParentGone()) return Stop::kParent;
    pollfd fds[2] = {{control_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    const nfds_t nfds = signal_fd_ >= 0 ? 2 : 1;
    const int rc = ::poll(fds, nfds, timeout_ms);
    if (rc < 0) return errno == EINTR ? Stop::kNone : Stop::kError;
    if (nfds == 2 && fds[1].revents != 0) {
      signalfd_siginfo info{};
      const ssize_t n = ::read(signal_fd_, &info, sizeof info);
      if (n == static_cast<ssize_t>(sizeof info)) {
        // SIGUSR1 is the parent-death signal, also sent when only the
        // parent's spawning thread ended: the parent is checked instead.
        if (info.ssi_signo != SIGUSR1) return Stop::kSignal;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return Stop::kError;
      }
      if (ParentGone()) return Stop::kParent;
    }
    if (fds[0].revents != 0) {
      const ssize_t n =
          ::read(control_fd_, line_ + used_, sizeof line_ - used_);
      if (n == 0) return Stop::kParent;  // EOF: every writer is gone
      if (n < 0) {
        return (errno == EAGAIN || errno == EINTR) ? Stop::kNone
                                                   : Stop::kParent;
      }
      used_ += static_cast<size_t>(n);
      // Any line ends the hold ("thaw" is the one the parent sends):
      // thawing is always the safe reading of a command.
      if (std::memchr(line_, '\n', used_) != nullptr || used_ == sizeof line_) {
        return Stop::kRequest;
      }
    }
    return Stop::kNone;
  }

 private:
  bool ParentGone() const {
    return parent_pid_ != 0 && ::getppid() != parent_pid_;
  }

  pid_t parent_pid_;
  int control_fd_;
  int signal_fd_;
  char line_[kControlBuffer] = {};
  size_t used_ = 0;
};

// Waits until a reason to stop; the hold deadline is one.
Stop Hold(Watch& watch, std::chrono::milliseconds hold) {
  const Clock::time_point deadline = Clock::now() + hold;
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Stop::kDeadline;
    const int wait_ms =
        static_cast<int>(std::min<int64_t>(left.count(), kParentCheckMs));
    const Stop stop = watch.Check(wait_ms);
    if (stop != Stop::kNone) return stop;
  }
}

Status FreezeError(int err, const std::string& what) {
  Status status = FromErrno(err, what);
  if (err == EOPNOTSUPP || err == ENOTTY) {
    return Status(Code::kNotSupported,
                  status.message() + " (the filesystem cannot freeze)");
  }
  if (err == EBUSY) {
    return Status(status.code(), status.message() + " (already frozen?)");
  }
  return status;
}

// Opens `mount_point` and checks it is the root of a mount.
Result<UniqueFd> OpenMountRoot(const std::string& mount_point) {
  UniqueFd fd(RetryOnEintr([&] {
    return ::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }));
  if (!fd.valid()) return FromErrno(errno, "opening " + mount_point);
  struct statx stx {};
  if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) != 0) {
    return FromErrno(errno, "statx " + mount_point);
  }
  if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) == 0) {
    return Status(Code::kInvalidArg,
                  mount_point + " is not the root of a mounted filesystem");
  }
  return fd;
}

}  // namespace

std::vector<std::string> FreezerArgv(const std::string& program,
                                     const FreezerArgs& args) {
  std::vector<std::string> argv = {
      program, std::string(kHoldOption) + std::to_string(args.hold.count())};
  if (args.parent_pid != 0) {
    argv.push_back(std::string(kParentOption) +
                   std::to_string(args.parent_pid));
  }
  argv.emplace_back("--");
  argv.insert(argv.end(), args.mount_points.begin(), args.mount_points.end());
  return argv;
}

Result<FreezerArgs> ParseFreezerArgs(const std::vector<std::string>& argv) {
  auto bad = [](const std::string& why) {
    return Status(Code::kInvalidArg, "shadowport-freezer: " + why);
  };
  FreezerArgs args;
  bool have_hold = false;
  size_t i = 1;
  for (; i < argv.size(); ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.starts_with(kHoldOption)) {
      int64_t ms = 0;
      if (!ParseInt(arg.substr(kHoldOption.size()), &ms) || ms <= 0 ||
          ms > kMaxHoldMs) {
        return bad("bad hold time \"" + std::string(arg) + "\"");
      }
      args.hold = std::chrono::milliseconds(ms);
      have_hold = true;
    } else if (arg.starts_with(kParentOption)) {
      pid_t pid = 0;
      if (!ParseInt(arg.substr(kParentOption.size()), &pid) || pid <= 0) {
        return bad("bad parent pid \"" + std::string(arg) + "\"");
      }
      args.parent_pid = pid;
    } else {
      return bad("unknown argument \"" + std::string(arg) +
                 "\" (usage: --hold-ms=N [--parent-pid=P] -- MOUNT...)");
    }
  }
  if (!have_hold) return bad("--hold-ms=N is required");
  for (; i < argv.size(); ++i) {
    const std::string& mount = argv[i];
    if (mount.empty() || mount.front() != '/') {
      return bad("mount point \"" + mount + "\" is not absolute");
    }
    if (std::find(args.mount_points.begin(), args.mount_points.end(), mount) !=
        args.mount_points.end()) {
      return bad("mount point " + mount + " is given twice");
    }
    args.mount_points.push_back(mount);
  }
  if (args.mount_points.empty()) return bad("no mount point after \"--\"");
  return args;
}

Result<FreezerReport> ParseFreezerReport(std::string_view line) {
  const size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? "" : line.substr(space + 1);
  FreezerReport report;
  if (word == "frozen") {
    int64_t us = 0;
    bool digits = !rest.empty() && rest.size() <= 18;
    for (char c : rest) {
      if (c < '0' || c > '9') digits = false;
      us = us * 10 + (c - '0');
    }
    if (space == std::string_view::npos || digits) {
      report.kind = FreezerReport::Kind::kFrozen;
      report.freezing_us = space == std::string_view::npos ? 0 : us;
      return report;
    }
  }
  if (word == "thawed" && rest.find(' ') == std::string_view::npos &&
      (space == std::string_view::npos || !rest.empty())) {
    report.kind = FreezerReport::Kind::kThawed;
    report.reason = std::string(rest);
    return report;
  }
  if (word == "error" && !rest.empty()) {
    const size_t name_end = rest.find(' ');
    const std::optional<Code> code = CodeFromName(rest.substr(0, name_end));
    if (code && !Status(*code, "").ok()) {
      report.kind = FreezerReport::Kind::kError;
      report.error =
          Status(*code, name_end == std::string_view::npos
                            ? ""
                            : std::string(rest.substr(name_end + 1)));
      return report;
    }
  }
  return Status(Code::kInvalidArg,
                "unexpected line from shadowport-freezer: \"" +
                    std::string(line.substr(0, 200)) + "\"");
}

std::string FormatErrorReport(const Status& status) {
  std::string line = "error ";
  line += status.info().name;
  if (!status.message().empty()) {
    line += ' ';
    for (char c : status.message()) line += (c == '\n' || c == '\r') ? ' ' : c;
  }
  line += '\n';
  return line;
}

int RunFreezer(const FreezerArgs& args, int control_fd, int report_fd,
               int signal_fd) {
  const std::vector<std::string>& mounts = args.mount_points;
  const size_t count = mounts.size();
  if (count == 0) {
    return Fail(report_fd, Status(Code::kInvalidArg, "no mount point"));
  }
  // Every mount point is opened (and checked) before anything is frozen.
  std::vector<UniqueFd> fds;
  std::vector<dev_t> devices;
  for (const std::string& mount : mounts) {
    Result<UniqueFd> fd = OpenMountRoot(mount);
    if (!fd.ok()) return Fail(report_fd, fd.status());
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) {
      return Fail(report_fd, FromErrno(errno, "stat " + mount));
    }
    const auto same = std::find(devices.begin(), devices.end(), st.st_dev);
    if (same != devices.end()) {
      return Fail(
          report_fd,
          Status(Code::kInvalidArg,
                 mount + " is the same filesystem as " +
                     mounts[static_cast<size_t>(same - devices.begin())]));
    }
    devices.push_back(st.st_dev);
    fds.push_back(std::move(fd).value());
  }
  std::vector<int> thaw_errors(count, 0);  // reserved before any freeze
  Watch watch(args, control_fd, signal_fd);

  // Flush first, every filesystem at once (VSS "flush" before "hold"):
  // writes go on meanwhile, and FIFREEZE below then has little left to
  // write, so the time writes are held is short.
  int fail_errno = 0;
  const char* fail_op = nullptr;
  size_t fail_index = 0;
  {
    std::vector<int> sync_errors(count, 0);
    std::vector<std::thread> flushers;
    for (size_t i = 0; i < count; ++i) {
      flushers.emplace_back([&, i] {
        if (::syncfs(fds[i].get()) != 0) sync_errors[i] = errno;
      });
    }
    for (std::thread& t : flushers) t.join();
    for (size_t i = 0; i < count && fail_op == nullptr; ++i) {
      if (sync_errors[i] != 0) {
        fail_errno = sync_errors[i];
        fail_op = "syncfs";
        fail_index = i;
      }
    }
  }

  // Freeze in order. From here until the thaw loop: no allocation.
  size_t frozen = 0;
  Stop stop = Stop::kNone;
  struct timespec first {};
  ::clock_gettime(CLOCK_MONOTONIC, &first);
  for (; fail_op == nullptr && frozen < count; ++frozen) {
    stop = watch.Check(0);
    if (stop != Stop::kNone) break;
    const int fd = fds[frozen].get();
    if (RetryOnEintr([&] { return ::ioctl(fd, FIFREEZE, 0); }) != 0) {
      fail_errno = errno;
      fail_op = "FIFREEZE";
      fail_index = frozen;
      break;
    }
  }
  if (fail_op == nullptr && frozen == count) {
    struct timespec done {};
    ::clock_gettime(CLOCK_MONOTONIC, &done);
    const long long us = (done.tv_sec - first.tv_sec) * 1000000LL +
                         (done.tv_nsec - first.tv_nsec) / 1000;
    char line[40];
    std::snprintf(line, sizeof line, "frozen %lld\n", us < 0 ? 0 : us);
    stop = WriteText(report_fd, line) ? Hold(watch, args.hold) : Stop::kParent;
  }
  // Thaw in reverse order. EINVAL: not frozen (someone thawed it): fine.
  for (size_t i = frozen; i-- > 0;) {
    const int fd = fds[i].get();
    if (RetryOnEintr([&] { return ::ioctl(fd, FITHAW, 0); }) != 0 &&
        errno != EINVAL) {
      thaw_errors[i] = errno;
    }
  }

  // Nothing is frozen any more: messages may be built.
  for (size_t i = 0; i < count; ++i) {
    if (thaw_errors[i] != 0) {
      return Fail(report_fd,
                  FromErrno(thaw_errors[i], "FITHAW of " + mounts[i]));
    }
  }
  if (fail_op != nullptr) {
    return Fail(report_fd,
                FreezeError(fail_errno, std::string(fail_op) + " of " +
                                            mounts[fail_index]));
  }
  if (frozen < count) {
    return Fail(
        report_fd,
        Status(Code::kCancelled,
               "freezing was interrupted (" +
                   std::string(stop == Stop::kRequest ? "request"
                                                      : StopReason(stop)) +
                   ") before " + mounts[frozen] + "; thawed what was frozen"));
  }
  std::string line = "thawed";
  if (const std::string_view reason = StopReason(stop); !reason.empty()) {
    line += ' ';
    line += reason;
  }
  line += '\n';
  (void)WriteText(report_fd, line);
  return 0;
}

}  // namespace sp::os
