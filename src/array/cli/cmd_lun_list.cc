// `shadowport-array lun list`: the ordinary LUNs (broken snapshots
// included; snapshot LUNs are `snapshot list`'s), with where they are
// attached. As the admin: every LUN; as a host (--host/--credential-file):
// the LUNs presented to it, with its own attachments and their devices.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"

namespace sp::array::cli {
namespace {

Status RunLunList(bool json, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns, client->ListLuns());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const LunInfo& lun : luns) list.push_back(LunJson(lun));
    return PrintJson(inv.out, {{"luns", list}});
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "SIZE", "NAA", "PRESENTED TO", "ATTACHED ON"}};
  for (const LunInfo& lun : luns) {
    std::vector<std::string> attached;
    for (const Attachment& a : lun.attachments) {
      attached.push_back(a.host + (a.device.empty() ? "" : ":" + a.device));
    }
    rows.push_back({std::to_string(lun.id), lun.name,
                    rpc::FormatSize(lun.size_bytes), lun.naa,
                    JoinOrDash(lun.presented_to), JoinOrDash(attached)});
  }
  inv.out << (luns.empty() ? std::string("no LUNs\n") : Table(rows));
  return Finish(inv.out);
}

}  // namespace

void RegisterLunList(CLI::App& lun, Invocation& invocation) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = lun.add_subcommand("list", "List the LUNs");
  cmd->add_flag("--json", *json, kJsonHelp);
  cmd->callback([json, &invocation] {
    invocation.status = RunLunList(*json, invocation);
  });
}

}  // namespace sp::array::cli
