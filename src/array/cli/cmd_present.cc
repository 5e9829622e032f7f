// `shadowport-array present LUN HOST`: lets HOST see and attach the LUN
// (masking). Idempotent. A transportable snapshot LUN may be presented only
// to one of its importers.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct PresentOptions {
  std::string lun;
  std::string host;
  bool json = false;
};

Status RunPresent(const PresentOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->Present(id, o.host));
  if (o.json) {
    return PrintJson(inv.out,
                     {{"id", id}, {"host", o.host}, {"presented", true}});
  }
  inv.out << "presented LUN " << id << " to " << o.host << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterPresent(CLI::App& app, Invocation& invocation) {
  auto o = std::make_shared<PresentOptions>();
  CLI::App* cmd =
      app.add_subcommand("present", "Present a LUN to a host (masking)");
  cmd->add_option("LUN", o->lun, "the LUN's id or name")->required();
  cmd->add_option("HOST", o->host, "the host's name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunPresent(*o, invocation); });
}

}  // namespace sp::array::cli
