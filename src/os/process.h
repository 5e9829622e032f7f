// Running external programs (mkfs.xfs, mount helpers, ...): always an argv
// vector, never a shell, so no argument is ever re-parsed. The child gets the
// caller's environment with LC_ALL=C (tool messages are parsed and logged in
// one language) plus RunOptions::extra_env, stdin from /dev/null, no
// descriptor but 0-2 (closefrom), and its own process group; stdout and
// stderr are captured, bounded. With RunOptions::inherit_output it runs like
// a foreground command instead: the caller's stdout, stderr and process group.
//
// RunProcess returns when the child ends (watched with a pidfd, Linux 5.3+),
// even if a grandchild it left behind still holds its stdout open.
//
// Thread safety: RunProcess may be called from several threads at once. It
// reads the environment, which no thread may change meanwhile (setenv), and
// reaps only its own child (waitpid on that pid), so it must not share the
// process with code that reaps every child (waitpid(-1), or SIGCHLD set to
// SIG_IGN).
#ifndef SHADOWPORT_OS_PROCESS_H_
#define SHADOWPORT_OS_PROCESS_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

struct RunOptions {
  // Zero: wait as long as the program runs. Otherwise, when it passes, the
  // child's whole process group is killed with SIGKILL and reaped.
  std::chrono::milliseconds timeout{0};
  // Bound of each captured stream; what is beyond is read and dropped (the
  // child never blocks on a full pipe).
  size_t max_output_bytes = size_t{1} << 20;
  // "NAME=value" entries added to the child's environment (after LC_ALL=C);
  // an entry replaces a variable of the same name. An entry without '=', with
  // an empty name or with a NUL byte: kInvalidArg.
  std::vector<std::string> extra_env;
  // The child writes to the caller's stdout and stderr (a user's command
  // whose output belongs on the terminal); ProcessResult.out and .err stay
  // empty. It also stays in the caller's process group, so a terminal's
  // Ctrl-C reaches it as it reaches the caller, and a timeout kills the child
  // only (not what it left running).
  bool inherit_output = false;
};

struct ProcessResult {
  int exit_code = -1;  // the exit status when the child exited, else -1
  int signal = 0;      // the signal that killed it, else 0
  // stdout keeps its first max_output_bytes (what parsers need), stderr its
  // last (where tools say why they failed).
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;

  bool success() const { return signal == 0 && exit_code == 0; }
};

// Runs argv[0] with arguments argv[1..] and waits for it to end. A name
// without '/' is looked up in $PATH, then in /usr/local/sbin, /usr/sbin,
// /sbin, /usr/local/bin, /usr/bin, /bin (system tools live in sbin, which a
// non-root $PATH may lack).
//
// A program that ran is a value, whatever its exit status (see
// CheckExitStatus). Fails with:
//   kInvalidArg        empty argv, a NUL byte in an argument, or a malformed
//                      extra_env entry;
//   kObjectNotFound    the program is not found (or not executable);
//   kDeadlineExceeded  the timeout passed (the child is killed and reaped;
//                      the message has the program name and stderr tail);
//   others             as FromErrno maps a failed pipe, spawn or poll.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const RunOptions& options = {});

// Ok when `result` is a success; otherwise SP_E_IO "PROGRAM exited with
// status N: <stderr tail>" (or "was killed by signal N").
Status CheckExitStatus(const std::vector<std::string>& argv,
                       const ProcessResult& result);

// RunProcess, then CheckExitStatus: the result only when the program
// succeeded.
Result<ProcessResult> RunProcessChecked(const std::vector<std::string>& argv,
                                        const RunOptions& options = {});

}  // namespace sp::os

#endif  // SHADOWPORT_OS_PROCESS_H_
