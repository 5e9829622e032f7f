// `shadowport`: the requester CLI (the vshadow / diskshadow of the project).
//
// Builds the CLI11 app, registers the verbs (commands.h), runs the one that
// was chosen, and turns its Status into the exit code of the code table
// (include/shadowport/code_list.inc): a failure is printed once, on stderr,
// as "shadowport: <Status::ToString()>". Usage errors exit 2.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands.h"
#include "shadowport/status.h"

namespace {

constexpr int kUsageExitCode = 2;

int Run(int argc, char** argv) {
  sp::cli::Invocation invocation{std::cout, sp::Status::Ok()};

  CLI::App app("shadowport: transportable volume shadow copies", "shadowport");
  app.set_version_flag("--version", SP_VERSION);
  app.require_subcommand(1);
  CLI::App* doc = app.add_subcommand(
      "doc", "Backup Components and Writer Metadata Documents");
  doc->require_subcommand(1);
  sp::cli::RegisterDocShow(*doc, invocation);
  sp::cli::RegisterDocValidate(*doc, invocation);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error
    return code == 0 ? 0 : kUsageExitCode;
  }

  const sp::Status& status = invocation.status;
  if (status.code() == sp::Code::kOk) return 0;
  std::cerr << "shadowport: " << status.ToString() << '\n';
  return status.info().exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions are bugs (STYLE.md); report one as E_UNEXPECTED, not abort.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "shadowport: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "shadowport: internal error: unknown exception\n";
  }
  return sp::InfoOf(sp::Code::kInternal).exit_code;
}
