// `shadowport-array host reclaim NAME`: forgets every attachment and mount
// report of a host that crashed or was rebuilt, so its LUNs can be
// unpresented, deleted or attached elsewhere. Only for a host whose loop
// devices are really gone.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct HostReclaimOptions {
  std::string name;
  bool json = false;
};

Status RunHostReclaim(const HostReclaimOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->ReclaimHost(o.name));
  if (o.json) {
    return PrintJson(inv.out, {{"host", o.name}, {"reclaimed", true}});
  }
  inv.out << "forgot every attachment of host " << o.name << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterHostReclaim(CLI::App& host, Invocation& invocation) {
  auto o = std::make_shared<HostReclaimOptions>();
  CLI::App* cmd = host.add_subcommand(
      "reclaim",
      "Forget the attachments of a host that crashed (its devices are gone)");
  cmd->add_option("NAME", o->name, "the host's name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunHostReclaim(*o, invocation); });
}

}  // namespace sp::array::cli
