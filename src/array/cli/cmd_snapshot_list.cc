// `shadowport-array snapshot list [--set GUID]`: the snapshot LUNs, all or
// those of one snapshot set.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"

namespace sp::array::cli {
namespace {

struct SnapshotListOptions {
  std::string set;
  bool json = false;
};

Status RunSnapshotList(const SnapshotListOptions& o, Invocation& inv) {
  std::optional<Guid> set_id;
  if (!o.set.empty()) {
    SP_ASSIGN_OR_RETURN(set_id, Guid::Parse(o.set));
  }
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns, client->ListSnapshots(set_id));
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const LunInfo& lun : luns) list.push_back(LunJson(lun));
    return PrintJson(inv.out, {{"snapshots", list}});
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "SET", "ORIGIN", "SIZE", "BY", "TRANSPORT TO",
       "PRESENTED TO", "ATTACHED ON"}};
  for (const LunInfo& lun : luns) {
    std::vector<std::string> attached;
    for (const Attachment& a : lun.attachments) attached.push_back(a.host);
    rows.push_back({std::to_string(lun.id), lun.name,
                    lun.snapshot_set_id.ToString(),
                    lun.origin_lun_id == 0 ? std::string("(deleted)")
                                           : std::to_string(lun.origin_lun_id),
                    rpc::FormatSize(lun.size_bytes),
                    lun.creating_host.empty() ? "admin" : lun.creating_host,
                    lun.transportable ? JoinOrDash(lun.importers) : "-",
                    JoinOrDash(lun.presented_to), JoinOrDash(attached)});
  }
  inv.out << (luns.empty() ? std::string("no snapshots\n") : Table(rows));
  return Finish(inv.out);
}

}  // namespace

void RegisterSnapshotList(CLI::App& snapshot, Invocation& invocation) {
  auto o = std::make_shared<SnapshotListOptions>();
  CLI::App* cmd = snapshot.add_subcommand("list", "List the snapshot LUNs");
  cmd->add_option("--set", o->set, "only those of this snapshot set (GUID)");
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback([o, &invocation] {
    invocation.status = RunSnapshotList(*o, invocation);
  });
}

}  // namespace sp::array::cli
