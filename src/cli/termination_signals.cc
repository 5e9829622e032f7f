#include "termination_signals.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace sp::cli {
namespace {

// The one piece of global state a signal handler needs.
volatile sig_atomic_t g_caught = 0;

void RecordSignal(int sig) {
  if (g_caught == 0) g_caught = sig;
}

// How often Wait() looks at what the handler recorded in another thread.
constexpr auto kPollSlice = std::chrono::milliseconds(200);

}  // namespace

TerminationSignals::TerminationSignals() {
  g_caught = 0;
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  struct sigaction action {};
  action.sa_handler = RecordSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
  pthread_sigmask(SIG_BLOCK, &set_, &old_mask_);
}

TerminationSignals::~TerminationSignals() {
  const timespec zero{0, 0};
  while (sigtimedwait(&set_, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int TerminationSignals::Received() {
  if (received_ == 0) {
    const timespec zero{0, 0};
    const int sig = sigtimedwait(&set_, nullptr, &zero);
    if (sig > 0) received_ = sig;
  }
  if (received_ == 0 && g_caught != 0) received_ = g_caught;
  return received_;
}

int TerminationSignals::Wait(std::chrono::seconds timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Received() == 0) {
    auto slice = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::nanoseconds(kPollSlice));
    if (timeout.count() > 0) {
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) return 0;
      slice = std::min(
          slice, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
    }
    const timespec ts{static_cast<time_t>(slice.count() / 1000000000),
                      static_cast<long>(slice.count() % 1000000000)};
    const int sig = sigtimedwait(&set_, nullptr, &ts);
    if (sig > 0) received_ = sig;
  }
  return received_;
}

}  // namespace sp::cli
