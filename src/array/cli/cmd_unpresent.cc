// `shadowport-array unpresent LUN HOST`: hides the LUN from HOST again;
// refused while HOST has it attached. Idempotent.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct UnpresentOptions {
  std::string lun;
  std::string host;
  bool json = false;
};

Status RunUnpresent(const UnpresentOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->Unpresent(id, o.host));
  if (o.json) {
    return PrintJson(inv.out,
                     {{"id", id}, {"host", o.host}, {"presented", false}});
  }
  inv.out << "unpresented LUN " << id << " from " << o.host << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterUnpresent(CLI::App& app, Invocation& invocation) {
  auto o = std::make_shared<UnpresentOptions>();
  CLI::App* cmd =
      app.add_subcommand("unpresent", "Stop presenting a LUN to a host");
  cmd->add_option("LUN", o->lun, "the LUN's id or name")->required();
  cmd->add_option("HOST", o->host, "the host's name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunUnpresent(*o, invocation); });
}

}  // namespace sp::array::cli
