// `shadowport expose SNAPSHOT_ID` / `shadowport unexpose SNAPSHOT_ID`: mounts
// an imported snapshot read-only under the service's exposure root, or
// unmounts it (VSS ExposeSnapshot / UnexposeSnapshot, `vshadow -el`).
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

using json = nlohmann::ordered_json;

struct ExposeOptions {
  std::string socket;
  bool json = false;
  std::string id;
  bool expose = true;
};

Status RunExpose(const ExposeOptions& options, std::ostream& out) {
  Result<Guid> id = Guid::Parse(options.id);
  if (!id.ok()) return std::move(id).status().WithContext("SNAPSHOT_ID");
  SP_ASSIGN_OR_RETURN(SnapshotProperties props,
                      options.expose
                          ? BackupComponents::Expose(options.socket, *id)
                          : BackupComponents::Unexpose(options.socket, *id));
  if (options.json) {
    return PrintJson(out, json{{"snapshot_id", props.snapshot_id.ToString()},
                               {"device", props.device},
                               {"exposed_path", props.exposed_path}});
  }
  if (options.expose) {
    out << props.snapshot_id.ToString() << " (" << props.device
        << ") exposed read-only at " << props.exposed_path << '\n';
  } else {
    out << props.snapshot_id.ToString() << " is no longer exposed\n";
  }
  return FlushOut(out);
}

void Register(CLI::App& app, Invocation& invocation, bool expose) {
  auto options = std::make_shared<ExposeOptions>();
  options->expose = expose;
  CLI::App* verb = app.add_subcommand(
      expose ? "expose" : "unexpose",
      expose ? "Mount an imported snapshot read-only under the exposure root"
             : "Unmount an exposed snapshot");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("SNAPSHOT_ID", options->id, "the snapshot")->required();
  verb->callback([options, &invocation] {
    invocation.status = RunExpose(*options, invocation.out);
  });
}

}  // namespace

void RegisterExpose(CLI::App& app, Invocation& invocation) {
  Register(app, invocation, true);
}
void RegisterUnexpose(CLI::App& app, Invocation& invocation) {
  Register(app, invocation, false);
}

}  // namespace sp::cli
