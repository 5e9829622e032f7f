// `shadowport-array lun resize LUN --size SIZE`: grows a LUN (never
// shrinks). A host that has it attached must refresh its capacity
// (losetup -c).
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"

namespace sp::array::cli {
namespace {

struct LunResizeOptions {
  std::string lun;
  std::string size;
  bool json = false;
};

Status RunLunResize(const LunResizeOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(uint64_t size, rpc::ParseSize(o.size));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->ResizeLun(id, size));
  if (o.json) return PrintJson(inv.out, {{"id", id}, {"size_bytes", size}});
  inv.out << "LUN " << id << " is now " << rpc::FormatSize(size) << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterLunResize(CLI::App& lun, Invocation& invocation) {
  auto o = std::make_shared<LunResizeOptions>();
  CLI::App* cmd = lun.add_subcommand("resize", "Grow a LUN");
  cmd->add_option("LUN", o->lun, "the LUN's id or name")->required();
  cmd->add_option("--size", o->size, "the new size, e.g. 20G")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunLunResize(*o, invocation); });
}

}  // namespace sp::array::cli
