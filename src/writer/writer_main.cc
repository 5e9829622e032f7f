// RunWriterUntilSignalled: the main loop of a writer program.
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <thread>
#include <utility>

#include "shadowport/writer.h"

namespace sp {

int RunWriterUntilSignalled(Writer& writer, WriterRunOptions options) {
  // Blocked here, before gRPC starts its threads, so they inherit the mask
  // and the signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  if (const int err = pthread_sigmask(SIG_BLOCK, &signals, nullptr); err != 0) {
    std::cerr << writer.identity().writer_name
              << ": pthread_sigmask: " << std::strerror(err) << std::endl;
    return 2;
  }
  WriterRunner runner(writer, std::move(options));
  // The waiter takes the signals; it looks every 200 ms whether Run() is
  // over, so it ends with it without being signalled itself.
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec poll{0, 200'000'000};  // 200 ms
    while (!done) {
      if (sigtimedwait(&signals, nullptr, &poll) > 0) {
        runner.Stop();
        return;
      }
    }
  });
  const Status status = runner.Run();
  done = true;
  waiter.join();
  if (!status.ok()) {
    std::cerr << writer.identity().writer_name << ": " << status.ToString()
              << std::endl;
    return 2;
  }
  return 0;
}

int WriterMain(std::string_view program,
               const std::function<int()>& run) noexcept {
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << program << ": internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << program << ": internal error: unknown exception" << std::endl;
  }
  return 2;
}

}  // namespace sp
