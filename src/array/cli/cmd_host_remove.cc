// `shadowport-array host remove NAME`: unregisters a host (its credential
// stops working); refused while it has LUNs attached.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct HostRemoveOptions {
  std::string name;
  bool json = false;
};

Status RunHostRemove(const HostRemoveOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->RemoveHost(o.name));
  if (o.json) return PrintJson(inv.out, {{"host", o.name}, {"removed", true}});
  inv.out << "removed host " << o.name << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterHostRemove(CLI::App& host, Invocation& invocation) {
  auto o = std::make_shared<HostRemoveOptions>();
  CLI::App* cmd = host.add_subcommand(
      "remove", "Unregister a host (its presentations go with it)");
  cmd->add_option("NAME", o->name, "the host's name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunHostRemove(*o, invocation); });
}

}  // namespace sp::array::cli
