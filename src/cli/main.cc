// `shadowport`: the requester CLI (the vshadow / diskshadow of the project).
//
// Builds the CLI11 app, registers the verbs (commands.h), runs the one that
// was chosen, and turns its Status into the exit code of the code table
// (include/shadowport/code_list.inc): a failure is printed once, on stderr,
// as "shadowport: <Status::ToString()>". Usage errors exit 2.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/cli_runner.h"
#include "commands.h"
#include "shadowport/status.h"

namespace {

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
  sp::cli::RegisterCreate(app, invocation);
  sp::cli::RegisterList(app, invocation);
  sp::cli::RegisterDelete(app, invocation);
  sp::cli::RegisterWriters(app, invocation);
  sp::cli::RegisterStatus(app, invocation);
  sp::cli::RegisterDone(app, invocation);
  sp::cli::RegisterImport(app, invocation);
  sp::cli::RegisterExpose(app, invocation);
  sp::cli::RegisterUnexpose(app, invocation);
  sp::cli::RegisterCleanup(app, invocation);
  sp::cli::RegisterBreak(app, invocation);
  sp::cli::RegisterPath(app, invocation);
  sp::cli::RegisterFiles(app, invocation);

  return sp::cli::ParseAndReport(app, argc, argv, invocation.status,
                                 "shadowport");
}

}  // namespace

int main(int argc, char** argv) {
  return sp::cli::GuardMain("shadowport", [&] { return Run(argc, argv); });
}
