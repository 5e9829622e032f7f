// shadowport-freezer: holds filesystems frozen for FreezeWatchdog
// (freeze_watchdog.h) and thaws them when told, at its deadline, when the
// parent dies, or on SIGTERM/SIGINT/SIGHUP. The loop is RunFreezer
// (freezer.h); this file only prepares the process.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "os/freezer.h"
#include "os/unique_fd.h"

namespace {

constexpr int kControlFd = 0;
constexpr int kReportFd = 1;

int Main(const std::vector<std::string>& argv) {
  // A vanished parent must not kill us by SIGPIPE before we thaw.
  ::signal(SIGPIPE, SIG_IGN);
  // The ending signals, and SIGUSR1 (the parent-death signal), are read from
  // a signalfd by the loop instead of interrupting it.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, sig);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return 1;
  sp::os::UniqueFd signal_fd(
      ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd.valid()) {
    std::string line = sp::os::FormatErrorReport(
        sp::FromErrno(errno, "shadowport-freezer: signalfd"));
    (void)!::write(kReportFd, line.data(), line.size());
    return 1;
  }
  (void)::prctl(PR_SET_PDEATHSIG, SIGUSR1);

  sp::Result<sp::os::FreezerArgs> args = sp::os::ParseFreezerArgs(argv);
  if (!args.ok()) {
    std::string line = sp::os::FormatErrorReport(args.status());
    (void)!::write(kReportFd, line.data(), line.size());
    return 1;
  }
  // The parent may have died before PR_SET_PDEATHSIG: RunFreezer compares
  // getppid() before it freezes anything.
  const int flags = ::fcntl(kControlFd, F_GETFL);
  if (flags >= 0) (void)::fcntl(kControlFd, F_SETFL, flags | O_NONBLOCK);
  // Keeps the program and its libraries in memory while frozen; best effort
  // (root has CAP_IPC_LOCK).
  (void)::mlockall(MCL_CURRENT);
  return sp::os::RunFreezer(*args, kControlFd, kReportFd, signal_fd.get());
}

}  // namespace

int main(int argc, char** argv) {
  return Main(std::vector<std::string>(argv, argv + argc));
}
