// SIGINT and SIGTERM while `shadowport create` holds a snapshot set open
// (during --exec and --wait-done): instead of killing the process, they end
// the wait so the verb can close the backup (BackupComplete without success)
// and release the session.
//
// While the object lives, the two signals are blocked in the calling thread
// and waited for with sigtimedwait. Threads the process already runs (gRPC's)
// do not block them, so the kernel may deliver one there; a handler that
// only records the signal catches that case, and Wait() notices it within a
// fraction of a second. Outside the object the default actions apply: the
// process dies, its stream to shadowportd closes, and the service cleans up
// (auto-release snapshots deleted, writers told).
//
// Thread safety: at most one object at a time, owned by one thread.
#ifndef SHADOWPORT_CLI_TERMINATION_SIGNALS_H_
#define SHADOWPORT_CLI_TERMINATION_SIGNALS_H_

#include <signal.h>

#include <chrono>

namespace sp::cli {

class TerminationSignals {
 public:
  TerminationSignals();
  // Discards what is pending, restores the handlers and the signal mask.
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // The first signal received so far (SIGINT or SIGTERM), 0 if none.
  int Received();
  // Waits until a signal arrives or `timeout` passes (zero: no limit).
  // Returns the signal, or 0 when the time passed.
  int Wait(std::chrono::seconds timeout);

 private:
  sigset_t set_;
  sigset_t old_mask_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  int received_ = 0;
};

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_TERMINATION_SIGNALS_H_
