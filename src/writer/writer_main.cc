// RunWriterUntilSignalled: the main loop of a writer program.
#include <pthread.h>
#include <signal.h>

#include <cstring>
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
  // The waiter ends on a signal or when Run() is over (it then sends itself
  // SIGTERM, which only this thread takes).
  std::thread waiter([&] {
    int taken = 0;
    sigwait(&signals, &taken);
    runner.Stop();
  });
  const Status status = runner.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (!status.ok()) {
    std::cerr << writer.identity().writer_name << ": " << status.ToString()
              << std::endl;
    return 2;
  }
  return 0;
}

}  // namespace sp
