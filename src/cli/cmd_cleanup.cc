// `shadowport cleanup [--json]`: removes what a crash mid-import left on this
// host (loop devices, mounts, presentations of snapshot LUNs that no import
// holds; imports cut off half-way). VSS leaves that to the requester; the
// service does it here, and also at every start.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "commands.h"
#include "service_options.h"
#include "shadowport/backup_components.h"

namespace sp::cli {
namespace {

struct CleanupOptions {
  std::string socket;
  bool json = false;
};

Status RunCleanup(const CleanupOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(std::vector<std::string> actions,
                      BackupComponents::Cleanup(options.socket));
  if (options.json) {
    return PrintJson(out, nlohmann::ordered_json{{"actions", actions}});
  }
  if (actions.empty()) out << "nothing to clean up\n";
  for (const std::string& a : actions) out << a << '\n';
  return FlushOut(out);
}

}  // namespace

void RegisterCleanup(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<CleanupOptions>();
  CLI::App* verb = app.add_subcommand(
      "cleanup", "Remove what a crash mid-import left on this host");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->callback([options, &invocation] {
    invocation.status = RunCleanup(*options, invocation.out);
  });
}

}  // namespace sp::cli
