#include "os/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "os/file_util.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

using Clock = std::chrono::steady_clock;

// Where system tools live, searched after $PATH.
constexpr const char* kSystemDirs[] = {"/usr/local/sbin", "/usr/sbin", "/sbin",
                                       "/usr/local/bin",  "/usr/bin",  "/bin"};

// How much of stderr a failure message quotes.
constexpr size_t kStderrTailBytes = 1024;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

Result<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;  // spawn checks it
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      // An empty entry means the working directory: never for a tool run
      // as root.
      if (!dir.empty() && dir.front() == '/') dirs.emplace_back(dir);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.insert(dirs.end(), std::begin(kSystemDirs), std::end(kSystemDirs));
  for (const std::string& dir : dirs) {
    std::string candidate = dir;
    candidate += "/";
    candidate += name;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return FromErrno(ENOENT, "program \"" + name +
                               "\" not found in $PATH or the system "
                               "directories");
}

// "NAME=" of an environment entry ("" when it has no '=').
std::string_view EnvName(std::string_view entry) {
  const size_t eq = entry.find('=');
  return eq == std::string_view::npos ? std::string_view()
                                      : entry.substr(0, eq + 1);
}

Status CheckExtraEnv(const std::vector<std::string>& extra_env) {
  for (const std::string& entry : extra_env) {
    if (EnvName(entry).size() < 2 || entry.find('\0') != std::string::npos) {
      return Status(Code::kInvalidArg, "environment entry \"" +
                                           entry.substr(0, 64) +
                                           "\" is not NAME=value");
    }
  }
  return Status::Ok();
}

// The caller's environment, LC_ALL=C, then `extra` ("NAME=value"): an entry
// of `extra` replaces a variable of the same name, LC_ALL included.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto in_extra = [&](std::string_view name) {
    return std::any_of(extra.begin(), extra.end(), [&](const std::string& e) {
      return EnvName(e) == name;
    });
  };
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view var(*entry);
    const std::string_view name = EnvName(var);
    if (name == "LC_ALL=" || (!name.empty() && in_extra(name))) continue;
    env.emplace_back(var);
  }
  if (!in_extra("LC_ALL=")) env.emplace_back("LC_ALL=C");
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// One captured stream, bounded to `limit` bytes: the head or the tail.
class Capture {
 public:
  Capture(size_t limit, bool keep_tail)
      : limit_(limit), keep_tail_(keep_tail) {}

  void Append(const char* data, size_t n) {
    if (!keep_tail_) {
      const size_t room = limit_ - std::min(limit_, text_.size());
      text_.append(data, std::min(room, n));
      if (n > room) truncated_ = true;
      return;
    }
    text_.append(data, n);
    // Trim rarely (at twice the limit), so a flood costs amortized O(1).
    if (text_.size() > 2 * limit_ + 1) Trim();
  }

  // Ends the capture; returns the text and whether anything was dropped.
  std::string Finish(bool* truncated) {
    if (keep_tail_) Trim();
    *truncated = truncated_;
    return std::move(text_);
  }

 private:
  void Trim() {
    if (text_.size() <= limit_) return;
    text_.erase(0, text_.size() - limit_);
    truncated_ = true;
  }

  size_t limit_;
  bool keep_tail_;
  bool truncated_ = false;
  std::string text_;
};

// Reads what `fd` (non-blocking) holds now. Returns false at end of file or
// on an error (the stream is then done), true when the pipe is merely empty.
bool DrainPipe(int fd, Capture* capture) {
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      capture->Append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;  // EOF, or an error we cannot do anything about
  }
}

// The child until it is reaped. If the caller returns early (an error in
// this process), the destructor kills the child's process group and reaps it,
// so no child outlives RunProcess.
class Child {
 public:
  Child(pid_t pid, bool own_group) : pid_(pid), own_group_(own_group) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      Kill();
      (void)Reap();
    }
  }

  pid_t pid() const { return pid_; }

  // SIGKILL to the child's process group (its own, SETPGROUP): whatever it
  // started dies with it. Safe until reaped: the pid, and so the group id,
  // cannot be reused before. A child in the caller's group: the child only.
  void Kill() const {
    if (!own_group_ || ::kill(-pid_, SIGKILL) != 0) {
      (void)::kill(pid_, SIGKILL);
    }
  }

  // Waits for the child to end; returns its wait status, or -1 when waitpid
  // failed (errno set).
  int Reap() {
    int wstatus = 0;
    const pid_t rc = RetryOnEintr([&] { return ::waitpid(pid_, &wstatus, 0); });
    pid_ = -1;
    return rc < 0 ? -1 : wstatus;
  }

 private:
  pid_t pid_;
  bool own_group_;
};

std::string OneLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.size() > kStderrTailBytes) {
    text = text.substr(text.size() - kStderrTailBytes);
  }
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
    } else {
      out += c;
    }
  }
  return out;
}

std::string WithStderr(std::string message, const std::string& err) {
  std::string tail = OneLine(err);
  if (!tail.empty()) message += ": " + tail;
  return message;
}

// Spawns `program` with the pipes' write ends as stdout and stderr, or with
// the caller's (and in the caller's process group) for inherit_output.
Result<pid_t> Spawn(const std::string& program,
                    const std::vector<std::string>& argv,
                    const RunOptions& options, int out_fd, int err_fd) {
  std::vector<std::string> args = argv;
  std::vector<std::string> env = ChildEnvironment(options.extra_env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);

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
  // stdin from /dev/null; every inherited descriptor above 2 closed (also
  // the ones a library opened without O_CLOEXEC).
  rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                        O_RDONLY, 0);
  if (rc == 0 && !options.inherit_output) {
    rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  }
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Own process group (so a timeout kills the whole tree) unless the child
  // runs like a foreground command, no blocked signals, default dispositions
  // (a daemon may ignore SIGPIPE, a CLI block SIGINT; children must not
  // inherit that).
  if (rc == 0) {
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (!options.inherit_output) flags |= POSIX_SPAWN_SETPGROUP;
    rc = posix_spawnattr_setflags(&attr, flags);
  }
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &no_signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all_signals);
  pid_t pid = -1;
  if (rc == 0) {
    rc = posix_spawn(&pid, program.c_str(), &actions, &attr, c_args.data(),
                     c_env.data());
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return FromErrno(rc, "starting " + program);
  return pid;
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const RunOptions& options) {
  if (argv.empty() || argv[0].empty()) {
    return Status(Code::kInvalidArg, "no program to run");
  }
  for (const std::string& arg : argv) {
    if (arg.find('\0') != std::string::npos) {
      return Status(Code::kInvalidArg,
                    "an argument of " + argv[0] + " contains a NUL byte");
    }
  }
  SP_RETURN_IF_ERROR(CheckExtraEnv(options.extra_env));
  SP_ASSIGN_OR_RETURN(const std::string program, FindProgram(argv[0]));

  UniqueFd out_read;
  UniqueFd out_write;
  UniqueFd err_read;
  UniqueFd err_write;
  if (!options.inherit_output) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return FromErrno(errno, "pipe2");
    out_read = UniqueFd(out_pipe[0]);
    out_write = UniqueFd(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) return FromErrno(errno, "pipe2");
    err_read = UniqueFd(err_pipe[0]);
    err_write = UniqueFd(err_pipe[1]);
    // Only our ends are non-blocking; the child's stay blocking.
    for (int fd : {out_read.get(), err_read.get()}) {
      if (::fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        return FromErrno(errno, "fcntl(O_NONBLOCK) on a pipe");
      }
    }
  }

  SP_ASSIGN_OR_RETURN(const pid_t pid, Spawn(program, argv, options,
                                             out_write.get(), err_write.get()));
  Child child(pid, /*own_group=*/!options.inherit_output);
  out_write.reset();
  err_write.reset();

  // The pidfd turns readable when the child ends, even if a grandchild
  // still holds the pipes open.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return FromErrno(errno, "pidfd_open (Linux 5.3+)");

  Capture out(options.max_output_bytes, /*keep_tail=*/false);
  Capture err(options.max_output_bytes, /*keep_tail=*/true);
  const bool has_deadline = options.timeout.count() > 0;
  const Clock::time_point deadline = Clock::now() + options.timeout;
  bool exited = false;
  bool timed_out = false;
  while (!exited) {
    int wait_ms = -1;
    if (has_deadline) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
    }
    pollfd fds[3];
    nfds_t nfds = 0;
    fds[nfds++] = {pidfd.get(), POLLIN, 0};
    if (out_read.valid()) fds[nfds++] = {out_read.get(), POLLIN, 0};
    if (err_read.valid()) fds[nfds++] = {err_read.get(), POLLIN, 0};
    const int rc = ::poll(fds, nfds, wait_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "poll while running " + argv[0]);
    }
    for (nfds_t i = 1; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      const bool is_out = fds[i].fd == out_read.get();
      if (!DrainPipe(fds[i].fd, is_out ? &out : &err)) {
        (is_out ? out_read : err_read).reset();
      }
    }
    if (fds[0].revents != 0) exited = true;
  }

  if (timed_out) child.Kill();
  const int wstatus = child.Reap();
  if (wstatus < 0) return FromErrno(errno, "waitpid for " + argv[0]);
  // What the child wrote before it ended is still in the pipes.
  if (out_read.valid()) (void)DrainPipe(out_read.get(), &out);
  if (err_read.valid()) (void)DrainPipe(err_read.get(), &err);

  ProcessResult result;
  result.out = out.Finish(&result.out_truncated);
  result.err = err.Finish(&result.err_truncated);
  if (timed_out) {
    return Status(Code::kDeadlineExceeded,
                  WithStderr(argv[0] + " did not finish within " +
                                 std::to_string(options.timeout.count()) +
                                 " ms and was killed",
                             result.err));
  }
  if (WIFEXITED(wstatus)) {
    result.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    result.signal = WTERMSIG(wstatus);
  }
  return result;
}

Status CheckExitStatus(const std::vector<std::string>& argv,
                       const ProcessResult& result) {
  if (result.success()) return Status::Ok();
  const std::string name = argv.empty() ? "program" : argv[0];
  const std::string how =
      result.signal != 0
          ? name + " was killed by signal " + std::to_string(result.signal)
          : name + " exited with status " + std::to_string(result.exit_code);
  return Status(Code::kIoError, WithStderr(how, result.err));
}

Result<ProcessResult> RunProcessChecked(const std::vector<std::string>& argv,
                                        const RunOptions& options) {
  SP_ASSIGN_OR_RETURN(ProcessResult result, RunProcess(argv, options));
  SP_RETURN_IF_ERROR(CheckExitStatus(argv, result));
  return result;
}

}  // namespace sp::os
