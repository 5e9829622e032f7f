// The parent side of the freezer protocol (freeze_watchdog.h, freezer.h).
//
// Descriptors: the child gets the control pipe's read end as fd 0, the
// report pipe's write end as fd 1, /dev/null as fd 2 and nothing else
// (closefrom). The parent keeps the other ends (O_CLOEXEC). Lines:
//   parent -> child  "thaw\n"
//   child -> parent  "frozen\n" | "thawed[ REASON]\n" | "error NAME TEXT\n"
// One report line is read at a time, a byte at a time, so nothing read
// ahead is lost between Freeze and Thaw.
#include "os/freeze_watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "os/file_util.h"
#include "os/freeze.h"
#include "os/freezer.h"

namespace sp::os {
namespace {

using Clock = std::chrono::steady_clock;

// How long a child that was told to stop may take to exit before SIGKILL.
constexpr auto kExitGrace = std::chrono::seconds(5);
// How long Thaw() waits for the child's report.
constexpr auto kThawReportTimeout = std::chrono::seconds(10);
constexpr size_t kMaxReportLine = 4096;

int MillisLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

// A pipe whose ends are both above 2, so the child's dup2 onto 0 and 1
// cannot overwrite one end with the other.
Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return FromErrno(errno, "pipe2");
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  for (UniqueFd* end : {read_end, write_end}) {
    if (end->get() > 2) continue;
    UniqueFd moved(::fcntl(end->get(), F_DUPFD_CLOEXEC, 3));
    if (!moved.valid()) return FromErrno(errno, "fcntl(F_DUPFD_CLOEXEC)");
    *end = std::move(moved);
  }
  return Status::Ok();
}

Result<pid_t> SpawnFreezer(const std::vector<std::string>& argv,
                           int control_read, int report_write) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  c_args.reserve(args.size() + 1);
  for (std::string& arg : args) c_args.push_back(arg.data());
  c_args.push_back(nullptr);
  std::string locale = "LC_ALL=C";
  char* c_env[] = {locale.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int rc = posix_spawn_file_actions_init(&actions);
  if (rc != 0) return FromErrno(rc, "posix_spawn_file_actions_init");
  rc = posix_spawnattr_init(&attr);
  if (rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return FromErrno(rc, "posix_spawnattr_init");
  }
  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  rc = posix_spawn_file_actions_adddup2(&actions, control_read, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, report_write, 1);
  if (rc == 0) {
    rc =
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Own process group: a terminal's SIGTSTP or SIGINT meant for the daemon
  // does not stop the freezer; default signal handling, nothing blocked.
  if (rc == 0) {
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                             POSIX_SPAWN_SETSIGMASK |
                                             POSIX_SPAWN_SETSIGDEF);
  }
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &no_signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all_signals);
  pid_t pid = -1;
  if (rc == 0) {
    rc = posix_spawn(&pid, c_args[0], &actions, &attr, c_args.data(), c_env);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return FromErrno(rc, "starting " + argv[0]);
  return pid;
}

// Writes `text` to the pipe `fd`. A reader that is gone gives EPIPE, never
// a SIGPIPE to this process (blocked for the call, a pending one consumed).
Status WriteToPipe(int fd, std::string_view text) {
  sigset_t pipe_set;
  sigset_t old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  int err = 0;
  while (!text.empty()) {
    const ssize_t n =
        RetryOnEintr([&] { return ::write(fd, text.data(), text.size()); });
    if (n < 0) {
      err = errno;
      break;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (err == EPIPE && !was_pending) {
    const timespec zero{};
    (void)RetryOnEintr(
        [&] { return ::sigtimedwait(&pipe_set, nullptr, &zero); });
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (err != 0) return FromErrno(err, "writing to shadowport-freezer");
  return Status::Ok();
}

// Reads one line (without '\n') from `fd` until `deadline`. nullopt at EOF
// (the child closed its end: it exited); SP_E_DEADLINE_EXCEEDED on timeout.
Result<std::optional<std::string>> ReadLine(int fd,
                                            Clock::time_point deadline) {
  std::string line;
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    const int rc = ::poll(&pfd, 1, MillisLeft(deadline));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "poll on shadowport-freezer's reports");
    }
    if (rc == 0) {
      return Status(Code::kDeadlineExceeded,
                    "no report from shadowport-freezer in time");
    }
    char c = 0;
    const ssize_t n = RetryOnEintr([&] { return ::read(fd, &c, 1); });
    if (n < 0) return FromErrno(errno, "reading from shadowport-freezer");
    if (n == 0) return std::optional<std::string>();
    if (c == '\n') return std::optional<std::string>(std::move(line));
    if (line.size() >= kMaxReportLine) {
      return Status(Code::kIoError, "shadowport-freezer's report too long");
    }
    line += c;
  }
}

// Waits up to `grace` for `pid` to end, then SIGKILLs it, and reaps it.
// Returns the wait status (-1 if waitpid failed). After a SIGKILL the wait
// is unbounded: a child inside syncfs or FIFREEZE dies only when that call
// returns, and must be reaped before its mounts can be thawed for it.
int Reap(pid_t pid, std::chrono::milliseconds grace) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.valid()) {
    pollfd pfd{pidfd.get(), POLLIN, 0};
    const Clock::time_point deadline = Clock::now() + grace;
    int rc;
    do {
      rc = ::poll(&pfd, 1, MillisLeft(deadline));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) (void)::kill(pid, SIGKILL);
  }
  int wstatus = 0;
  if (RetryOnEintr([&] { return ::waitpid(pid, &wstatus, 0); }) != pid) {
    return -1;
  }
  return wstatus;
}

std::string DescribeExit(int wstatus) {
  if (wstatus == -1) return "could not be reaped";
  if (WIFSIGNALED(wstatus)) {
    return "was killed by signal " + std::to_string(WTERMSIG(wstatus));
  }
  return "exited with status " + std::to_string(WEXITSTATUS(wstatus));
}

// The last resort when the child died without thawing (SIGKILL): thaws
// every mount, in reverse order. Not frozen (E_INVALIDARG) is fine.
Status ThawAll(const std::vector<std::string>& mount_points) {
  Status first;
  for (auto it = mount_points.rbegin(); it != mount_points.rend(); ++it) {
    Status thawed = ThawFilesystem(*it);
    if (!thawed.ok() && thawed.code() != Code::kInvalidArg && first.ok()) {
      first = std::move(thawed);
    }
  }
  return first;
}

// The child is done or must be: reaps it (SIGTERM first when `terminate`:
// the child thaws on it) and, if a signal killed it, thaws for it.
// Returns the reap's description.
std::string Finish(pid_t pid, bool terminate,
                   const std::vector<std::string>& mount_points) {
  if (terminate) (void)::kill(pid, SIGTERM);
  const int wstatus = Reap(pid, kExitGrace);
  std::string what = "shadowport-freezer " + DescribeExit(wstatus);
  if (wstatus == -1 || WIFSIGNALED(wstatus)) {
    Status thawed = ThawAll(mount_points);
    what += thawed.ok()
                ? "; the watchdog thawed its filesystems"
                : "; thawing its filesystems failed: " + thawed.ToString();
  }
  return what;
}

}  // namespace

FreezeWatchdog::FreezeWatchdog(pid_t pid, UniqueFd to_child,
                               UniqueFd from_child,
                               std::vector<std::string> mount_points)
    : pid_(pid),
      to_child_(std::move(to_child)),
      from_child_(std::move(from_child)),
      mount_points_(std::move(mount_points)) {}

Result<std::unique_ptr<FreezeWatchdog>> FreezeWatchdog::Freeze(
    const FreezeOptions& options) {
  if (options.mount_points.empty()) {
    return Status(Code::kInvalidArg, "no filesystem to freeze");
  }
  if (options.freezer_program.empty() ||
      options.freezer_program.front() != '/') {
    return Status(Code::kInvalidArg, "the freezer program \"" +
                                         options.freezer_program +
                                         "\" is not an absolute path");
  }
  if (options.flush_timeout.count() <= 0 || options.hold_timeout.count() <= 0) {
    return Status(Code::kInvalidArg, "freeze timeouts must be positive");
  }
  FreezerArgs args;
  args.hold = options.hold_timeout;
  args.parent_pid = ::getpid();
  args.mount_points = options.mount_points;
  const std::vector<std::string> argv =
      FreezerArgv(options.freezer_program, args);

  UniqueFd control_read, control_write, report_read, report_write;
  SP_RETURN_IF_ERROR(MakePipe(&control_read, &control_write));
  SP_RETURN_IF_ERROR(MakePipe(&report_read, &report_write));
  const Clock::time_point deadline = Clock::now() + options.flush_timeout;
  SP_ASSIGN_OR_RETURN(const pid_t pid, SpawnFreezer(argv, control_read.get(),
                                                    report_write.get()));
  control_read.reset();
  report_write.reset();

  Result<std::optional<std::string>> line =
      ReadLine(report_read.get(), deadline);
  if (!line.ok()) {
    const bool timed_out = line.status().code() == Code::kDeadlineExceeded;
    const std::string what =
        Finish(pid, /*terminate=*/true, options.mount_points);
    if (timed_out) {
      return Status(Code::kFlushWritesTimeout,
                    "flushing and freezing did not finish within " +
                        std::to_string(options.flush_timeout.count()) +
                        " ms; " + what);
    }
    return std::move(line).status().WithContext(what);
  }
  if (!line->has_value()) {
    return Status(Code::kIoError,
                  Finish(pid, /*terminate=*/false, options.mount_points) +
                      " before freezing");
  }
  Result<FreezerReport> report = ParseFreezerReport(**line);
  if (report.ok() && report->kind == FreezerReport::Kind::kFrozen) {
    std::unique_ptr<FreezeWatchdog> watchdog(
        new FreezeWatchdog(pid, std::move(control_write),
                           std::move(report_read), options.mount_points));
    watchdog->freezing_time_ = std::chrono::microseconds(report->freezing_us);
    return watchdog;
  }
  // An error report (the child thawed and exits), or nonsense (stop it).
  const bool is_error =
      report.ok() && report->kind == FreezerReport::Kind::kError;
  const std::string what =
      Finish(pid, /*terminate=*/!is_error, options.mount_points);
  if (is_error) return std::move(report->error);
  if (!report.ok()) return std::move(report).status().WithContext(what);
  return Status(Code::kInternal,
                "shadowport-freezer thawed before it froze; " + what);
}

Status FreezeWatchdog::Thaw() {
  if (done_) return Status::Ok();
  done_ = true;
  // EPIPE: the child is gone already (deadline, signal); its report waits
  // in the pipe.
  (void)WriteToPipe(to_child_.get(), "thaw\n");
  to_child_.reset();
  Result<std::optional<std::string>> line =
      ReadLine(from_child_.get(), Clock::now() + kThawReportTimeout);
  from_child_.reset();
  const bool have_line = line.ok() && line->has_value();
  const std::string what =
      Finish(pid_, /*terminate=*/!have_line, mount_points_);
  if (!have_line) {
    if (line.ok()) {
      return Status(Code::kIoError, what + " without reporting a thaw");
    }
    return std::move(line).status().WithContext(what);
  }
  Result<FreezerReport> report = ParseFreezerReport(**line);
  if (!report.ok()) return std::move(report).status().WithContext(what);
  switch (report->kind) {
    case FreezerReport::Kind::kThawed:
      if (report->reason.empty()) return Status::Ok();
      if (report->reason == "deadline") {
        return Status(Code::kHoldWritesTimeout,
                      "the filesystems were thawed when the hold window "
                      "passed, before the thaw was asked for");
      }
      return Status(Code::kIoError,
                    "shadowport-freezer thawed early (" + report->reason + ")");
    case FreezerReport::Kind::kError:
      return std::move(report->error);
    case FreezerReport::Kind::kFrozen:
      break;
  }
  return Status(Code::kInternal,
                "unexpected report \"" + **line + "\"; " + what);
}

FreezeWatchdog::~FreezeWatchdog() { (void)Thaw(); }

}  // namespace sp::os
