// `shadowport-array`: the CLI of shadowport-arrayd, the embedded storage
// array: its admin's verbs, and a host's (attach, detach).
//
// Builds the CLI11 app with the connection options (commands.h), registers
// the verbs, runs the one chosen, and turns its Status into the exit code of
// the code table (include/shadowport/code_list.inc): a failure is printed
// once, on stderr, as "shadowport-array: <Status::ToString()>". Usage errors
// exit 2.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "array/cli/commands.h"
#include "cli/cli_runner.h"
#include "shadowport/status.h"

namespace {

int Run(int argc, char** argv) {
  using namespace sp::array::cli;  // NOLINT(google-build-using-namespace)
  Invocation invocation{std::cout, Connection{}, sp::Status::Ok()};

  CLI::App app(
      "shadowport-array: administer the embedded storage array, or attach "
      "its LUNs on a host",
      "shadowport-array");
  app.set_version_flag("--version", SP_VERSION);
  app.require_subcommand(1);
  // Connection options may also follow the verb.
  app.fallthrough();
  AddConnectionOptions(app, invocation.connection);

  CLI::App* pool = app.add_subcommand("pool", "the pool of LUN files");
  pool->require_subcommand(1);
  RegisterPoolInit(*pool, invocation);
  RegisterPoolStatus(*pool, invocation);

  CLI::App* lun = app.add_subcommand("lun", "LUNs");
  lun->require_subcommand(1);
  RegisterLunCreate(*lun, invocation);
  RegisterLunList(*lun, invocation);
  RegisterLunResize(*lun, invocation);
  RegisterLunDelete(*lun, invocation);

  CLI::App* host = app.add_subcommand("host", "registered hosts");
  host->require_subcommand(1);
  RegisterHostAdd(*host, invocation);
  RegisterHostList(*host, invocation);
  RegisterHostRemove(*host, invocation);
  RegisterHostReclaim(*host, invocation);

  RegisterPresent(app, invocation);
  RegisterUnpresent(app, invocation);

  CLI::App* snapshot = app.add_subcommand("snapshot", "snapshot LUNs");
  snapshot->require_subcommand(1);
  RegisterSnapshotList(*snapshot, invocation);
  RegisterSnapshotDelete(*snapshot, invocation);
  RegisterSnapshotBreak(*snapshot, invocation);

  CLI::App* attachments =
      app.add_subcommand("attachments", "LUNs attached on hosts");
  attachments->require_subcommand(1);
  RegisterAttachmentsList(*attachments, invocation);

  RegisterAttach(app, invocation);
  RegisterDetach(app, invocation);

  return sp::cli::ParseAndReport(app, argc, argv, invocation.status,
                                 "shadowport-array");
}

}  // namespace

int main(int argc, char** argv) {
  return sp::cli::GuardMain("shadowport-array",
                            [&] { return Run(argc, argv); });
}
