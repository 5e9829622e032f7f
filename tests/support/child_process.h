// ChildProcess: a program a test starts in the background (a daemon) and
// always ends: the destructor SIGKILLs and reaps it if it still runs, so a
// failing test leaves no process behind. Only the PID it started is signalled.
#ifndef SHADOWPORT_TESTS_SUPPORT_CHILD_PROCESS_H_
#define SHADOWPORT_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sp::testing_support {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `env` added to the environment, stdout and
  // stderr appended to `log_file`. pid() is -1 if the fork failed.
  ChildProcess(const std::vector<std::string>& argv,
               const std::vector<std::string>& env,
               const std::string& log_file) {
    // Everything is prepared before fork: the test process has other threads
    // (gRPC), so the child may only call async-signal-safe functions.
    std::vector<std::string> environment = env;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int fd = ::open(log_file.c_str(),
                          O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    if (fd >= 0) ::close(fd);
  }
  ~ChildProcess() { Kill(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The wait status once the process ended, else nullopt (non-blocking).
  std::optional<int> Poll() {
    if (status_ || pid_ <= 0) return status_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_;
  }

  // Waits up to `timeout` for the end; the wait status or nullopt.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!Poll() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
  }

  // Signals the process (if still running) and reaps it.
  void Kill(int signal) {
    if (pid_ <= 0 || Poll()) return;
    ::kill(pid_, signal);
    if (!Wait(std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(10));
    }
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace sp::testing_support

#endif  // SHADOWPORT_TESTS_SUPPORT_CHILD_PROCESS_H_
