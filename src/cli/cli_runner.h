// The common ending of shadowport's command-line programs (`shadowport`,
// `shadowport-array`): parse, run the chosen verb, and turn its Status into
// the code table's exit code. A failure is printed once, on stderr, as
// "<program>: <Status::ToString()>"; CLI11 usage errors exit 2; an exception
// (a bug, STYLE.md) is reported as E_UNEXPECTED instead of aborting.
#ifndef SHADOWPORT_CLI_CLI_RUNNER_H_
#define SHADOWPORT_CLI_CLI_RUNNER_H_

#include <CLI/CLI.hpp>
#include <exception>
#include <functional>
#include <iostream>
#include <string_view>

#include "shadowport/status.h"

namespace sp::cli {

inline constexpr int kUsageExitCode = 2;

// Parses argv with `app` (whose verbs run from their callbacks and leave
// their outcome in `status`), then reports `status`.
inline int ParseAndReport(CLI::App& app, int argc, char** argv,
                          const Status& status, std::string_view program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error
    return code == 0 ? 0 : kUsageExitCode;
  }
  if (status.code() == Code::kOk) return 0;
  std::cerr << program << ": " << status.ToString() << '\n';
  return status.info().exit_code;
}

// Runs `run` and turns an escaping exception into E_UNEXPECTED's exit code.
inline int GuardMain(std::string_view program,
                     const std::function<int()>& run) {
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << program << ": internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << program << ": internal error: unknown exception\n";
  }
  return InfoOf(Code::kInternal).exit_code;
}

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_CLI_RUNNER_H_
