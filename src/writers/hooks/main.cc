// shadowport-writer-hooks --dir DIR [--socket PATH] [--timeout-ms N]: the
// hook-script writer (hooks_writer.h, docs/writers/hooks.md). Registers with
// shadowportd and runs DIR's scripts with "freeze" / "thaw" until SIGTERM.
//
// Exit status: 0 after SIGTERM/SIGINT/SIGHUP, 2 when the service refused the
// registration or could not be reached (and --no-reconnect), 3 for bad
// options (the message on stderr).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "shadowport/backup_components.h"
#include "shadowport/writer.h"
#include "writers/hooks/hooks_writer.h"

namespace {

int Run(int argc, char** argv) {
  std::string dir;
  std::string socket = sp::kDefaultServiceSocket;
  int64_t timeout_ms = 30000;
  bool no_reconnect = false;
  CLI::App app{
      "shadowport-writer-hooks: runs the executable scripts of a directory "
      "with \"freeze\" and \"thaw\" around shadow copies (compatible with "
      "qemu-guest-agent's fsfreeze-hook.d; a failing freeze script vetoes)"};
  app.add_option("--dir", dir,
                 "hook directory (e.g. /etc/qemu/fsfreeze-hook.d)")
      ->required();
  app.add_option("--socket", socket, "shadowportd's socket")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms,
                 "time limit of each script run, in ms")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{100}, int64_t{3'600'000}));
  app.add_flag("--no-reconnect", no_reconnect,
               "exit (status 2) when the service ends the stream or cannot "
               "be reached, instead of reconnecting");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 3;
  }
  if (dir.empty() || dir.front() != '/') {
    std::cerr << "shadowport-writer-hooks: --dir must be an absolute path\n";
    return 3;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();

  sp::writers::hooks::HooksWriterOptions options;
  options.dir = dir;
  options.script_timeout = std::chrono::milliseconds(timeout_ms);
  sp::writers::hooks::HooksWriter writer(
      sp::writers::hooks::HooksWriterIdentity(dir), options);
  sp::WriterRunOptions run;
  run.socket = socket;
  run.reconnect = !no_reconnect;
  run.on_registered = [] {
    std::fprintf(stderr, "shadowport-writer-hooks: registered\n");
  };
  return sp::RunWriterUntilSignalled(writer, run);
}

}  // namespace

int main(int argc, char** argv) {
  return sp::WriterMain("shadowport-writer-hooks",
                        [&] { return Run(argc, argv); });
}
