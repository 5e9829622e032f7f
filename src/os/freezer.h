// The freezer child (shadowport-freezer, freezer_main.cc) and its protocol
// with FreezeWatchdog (freeze_watchdog.h), kept apart from main() so that
// argument parsing, report lines and the freeze loop are testable.
//
// Command line (no shell ever parses it):
//   shadowport-freezer --hold-ms=N [--parent-pid=P] -- MOUNT_POINT...
// Descriptors: 0 = control pipe (parent -> child), 1 = report pipe
// (child -> parent), 2 = /dev/null. The lines on them are described in
// freeze_watchdog.h.
//
// Thread safety: free functions. RunFreezer is meant to be the whole life
// of a process (the freezer's main); tests call it on mount points it cannot
// freeze.
#ifndef SHADOWPORT_OS_FREEZER_H_
#define SHADOWPORT_OS_FREEZER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

struct FreezerArgs {
  // From the moment all are frozen until the child thaws on its own.
  std::chrono::milliseconds hold{0};
  // The process that must stay alive (getppid() compared); 0: unchecked.
  pid_t parent_pid = 0;
  // Absolute paths, each the root of a mounted filesystem, in freeze order.
  std::vector<std::string> mount_points;
};

// The argv that starts `program` with `args` (program is argv[0]).
std::vector<std::string> FreezerArgv(const std::string& program,
                                     const FreezerArgs& args);

// Parses a full argv (argv[0] is skipped). kInvalidArg naming the problem:
// an unknown option, a missing or non-positive --hold-ms, a bad pid, no
// mount point, a mount point that is not absolute or repeats.
Result<FreezerArgs> ParseFreezerArgs(const std::vector<std::string>& argv);

// One line the child reports (without its '\n').
struct FreezerReport {
  enum class Kind { kFrozen, kThawed, kError };
  Kind kind = Kind::kError;
  // kThawed: why it thawed. "" on request (or control EOF handled as a
  // request), else "deadline", "signal", "parent".
  std::string reason;
  // kError: the child's Status (never ok).
  Status error;
  // kFrozen: microseconds from the first FIFREEZE to the last one done (the
  // flush before them holds no write); 0 when the line does not say.
  int64_t freezing_us = 0;
};

// Parses a report line. kInvalidArg for anything else than "frozen[ US]",
// "thawed[ REASON]", "error NAME[ TEXT]" with NAME a failure code's name.
Result<FreezerReport> ParseFreezerReport(std::string_view line);

// "error NAME TEXT\n" for a failed `status`; newlines in TEXT become spaces.
std::string FormatErrorReport(const Status& status);

// The freezer itself. Opens every mount point (before freezing any), then
// syncfs + FIFREEZE each in order, reports "frozen", holds until a control
// line, control EOF, a readable `signal_fd` (a signalfd; SIGUSR1 on it
// means "check the parent", any other signal ends the hold; -1 for none),
// args.parent_pid no longer being getppid(), or args.hold passing; then
// thaws in reverse order and reports "thawed[ REASON]". While anything is
// frozen it neither allocates nor touches a filesystem. On a failure it
// thaws what it froze and reports "error ...". `control_fd` should be
// non-blocking. Returns the process exit code: 0 thawed, 1 error.
int RunFreezer(const FreezerArgs& args, int control_fd, int report_fd,
               int signal_fd);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_FREEZER_H_
