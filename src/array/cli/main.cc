// `shadowport-array`: the admin CLI of shadowport-arrayd, the embedded
// storage array.
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
#include "shadowport/status.h"

namespace {

constexpr int kUsageExitCode = 2;

int Run(int argc, char** argv) {
  using namespace sp::array::cli;  // NOLINT(google-build-using-namespace)
  Invocation invocation{std::cout, Connection{}, sp::Status::Ok()};

  CLI::App app("shadowport-array: administer the embedded storage array",
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error
    return code == 0 ? 0 : kUsageExitCode;
  }

  const sp::Status& status = invocation.status;
  if (status.code() == sp::Code::kOk) return 0;
  std::cerr << "shadowport-array: " << status.ToString() << '\n';
  return status.info().exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions are bugs (STYLE.md); report one as E_UNEXPECTED, not abort.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "shadowport-array: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "shadowport-array: internal error: unknown exception\n";
  }
  return sp::InfoOf(sp::Code::kInternal).exit_code;
}
