// `shadowport-array lun delete LUN`: deletes an ordinary LUN; refused while
// it is presented or attached (unpresent it first). Its snapshots stay.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct LunDeleteOptions {
  std::string lun;
  bool json = false;
};

Status RunLunDelete(const LunDeleteOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->DeleteLun(id));
  if (o.json) return PrintJson(inv.out, {{"id", id}, {"deleted", true}});
  inv.out << "deleted LUN " << id << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterLunDelete(CLI::App& lun, Invocation& invocation) {
  auto o = std::make_shared<LunDeleteOptions>();
  CLI::App* cmd = lun.add_subcommand("delete", "Delete a LUN");
  cmd->add_option("LUN", o->lun, "the LUN's id or name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunLunDelete(*o, invocation); });
}

}  // namespace sp::array::cli
