// `shadowport-array lun create --size SIZE`: a new, empty (sparse) LUN.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"

namespace sp::array::cli {
namespace {

struct LunCreateOptions {
  std::string size;
  bool json = false;
};

Status RunLunCreate(const LunCreateOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t size, rpc::ParseSize(o.size));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(LunInfo lun, client->CreateLun(size));
  if (o.json) return PrintJson(inv.out, LunJson(lun));
  inv.out << "created LUN " << lun.id << " (" << lun.name << ", "
          << rpc::FormatSize(lun.size_bytes) << ", " << lun.naa << ")\n";
  return Finish(inv.out);
}

}  // namespace

void RegisterLunCreate(CLI::App& lun, Invocation& invocation) {
  auto o = std::make_shared<LunCreateOptions>();
  CLI::App* cmd = lun.add_subcommand("create", "Create a LUN");
  cmd->add_option("--size", o->size,
                  "its size, e.g. 10G (a multiple of 512 bytes)")
      ->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunLunCreate(*o, invocation); });
}

}  // namespace sp::array::cli
