// FreezeWatchdog: freezes a set of filesystems in a small child process (the
// program `shadowport-freezer`, src/os/freezer_main.cc) that holds them
// frozen and thaws every one of them when the first of these happens:
//   - the parent asks it to (Thaw()),
//   - its deadline passes (the hold window, VSS's 10 s flush-and-hold),
//   - the parent dies (its end of the control pipe closes; also
//     PR_SET_PDEATHSIG), even if shadowportd is SIGKILLed mid-freeze.
// So nothing stays frozen because of a bug or a crash in the daemon: the
// thaw does not depend on the daemon's threads.
//
// Protocol (pipes, one text line per message; documented in the .cc,
// command line and descriptors in freezer.h):
//   parent -> child: "thaw\n" (any line, and EOF, end the hold)
//   child -> parent: "frozen\n" once all are frozen, or "error CODE text\n"
//                    (then it has thawed what it froze and exits 1);
//                    "thawed[ REASON]\n" when it thawed (exit 0): no reason
//                    when asked to, "deadline" when the deadline passed
//                    first, "signal" (SIGTERM/SIGINT/SIGHUP), "parent".
// Every mount point is opened before the first freeze. Freezing is in the
// given order after a syncfs of each (flush before hold); thawing in
// reverse order.
//
// The child runs in its own process group (a terminal's signals for the
// daemon do not stop it). Its PR_SET_PDEATHSIG is SIGUSR1, on which it
// checks getppid(), so the spawning thread ending alone does not thaw.
// Only a SIGKILL of the child itself (or of its whole cgroup) skips its
// thaw: the watchdog then thaws when it reaps the child, if it still can.
//
// Thread safety: one owner thread. The calls block (Freeze up to
// flush_timeout and, after a timeout, until the child has ended; Thaw
// briefly).
#ifndef SHADOWPORT_OS_FREEZE_WATCHDOG_H_
#define SHADOWPORT_OS_FREEZE_WATCHDOG_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "os/unique_fd.h"
#include "shadowport/status.h"

namespace sp::os {

struct FreezeOptions {
  std::string freezer_program;            // absolute path of shadowport-freezer
  std::vector<std::string> mount_points;  // roots of mounted filesystems
  // Flush (syncfs + FIFREEZE of all) must finish within this, else
  // VSS_E_FLUSH_WRITES_TIMEOUT and everything is thawed.
  std::chrono::milliseconds flush_timeout{10000};
  // From the moment all are frozen until the child thaws on its own.
  std::chrono::milliseconds hold_timeout{10000};
};

class FreezeWatchdog {
 public:
  // Starts the child and waits until every filesystem is frozen. Errors:
  // E_INVALIDARG for no mount point or a relative program path; the
  // child's (VSS_E_VOLUME_IN_USE for an already frozen filesystem,
  // VSS_E_NOT_SUPPORTED for one that cannot freeze, E_INVALIDARG for a
  // path that is not a mount root or two paths of one filesystem, ...);
  // VSS_E_FLUSH_WRITES_TIMEOUT (the child is sent SIGTERM, which makes it
  // thaw, and SIGKILLed after a grace period; if it died by a signal the
  // watchdog thaws the mounts itself). On any error nothing is left frozen
  // and the child has exited.
  static Result<std::unique_ptr<FreezeWatchdog>> Freeze(
      const FreezeOptions& options);

  // Thaws (if the child has not already) and reaps the child; a second
  // call returns OK and does nothing. OK if it thawed on request;
  // VSS_E_HOLD_WRITES_TIMEOUT if the hold deadline had passed first (the
  // filesystems were thawed then, the snapshot taken meanwhile may be
  // inconsistent); SP_E_IO if the child died (it thaws on its way out unless
  // SIGKILLed: then the watchdog thaws itself).
  Status Thaw();

  // Thaws if still frozen (errors dropped: call Thaw() to see them).
  ~FreezeWatchdog();

  FreezeWatchdog(const FreezeWatchdog&) = delete;
  FreezeWatchdog& operator=(const FreezeWatchdog&) = delete;

  pid_t child_pid() const { return pid_; }
  // How long the FIFREEZE calls took, from the first to the last done: the
  // part of Freeze() during which writes were already held (the flush
  // before them holds none).
  std::chrono::microseconds freezing_time() const { return freezing_time_; }

 private:
  FreezeWatchdog(pid_t pid, UniqueFd to_child, UniqueFd from_child,
                 std::vector<std::string> mount_points);

  pid_t pid_;
  UniqueFd to_child_;
  UniqueFd from_child_;
  std::vector<std::string> mount_points_;
  bool done_ = false;
  std::chrono::microseconds freezing_time_{0};
};

}  // namespace sp::os

#endif  // SHADOWPORT_OS_FREEZE_WATCHDOG_H_
