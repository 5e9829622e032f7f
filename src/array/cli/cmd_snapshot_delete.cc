// `shadowport-array snapshot delete (LUN | --set GUID)`: deletes one
// snapshot LUN or a whole set (all or nothing); refused while attached.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct SnapshotDeleteOptions {
  std::string lun;
  std::string set;
  bool json = false;
};

Status RunSnapshotDelete(const SnapshotDeleteOptions& o, Invocation& inv) {
  if (o.lun.empty() == o.set.empty()) {
    return Status(Code::kInvalidArg,
                  "snapshot delete needs a snapshot LUN or --set GUID");
  }
  if (!o.set.empty()) {
    SP_ASSIGN_OR_RETURN(Guid set_id, Guid::Parse(o.set));
    SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
    SP_RETURN_IF_ERROR(client->DeleteSnapshotSet(set_id));
    if (o.json) {
      return PrintJson(
          inv.out, {{"snapshot_set_id", set_id.ToString()}, {"deleted", true}});
    }
    inv.out << "deleted snapshot set " << set_id.ToString() << '\n';
    return Finish(inv.out);
  }
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_RETURN_IF_ERROR(client->DeleteSnapshot(id));
  if (o.json) return PrintJson(inv.out, {{"id", id}, {"deleted", true}});
  inv.out << "deleted snapshot LUN " << id << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterSnapshotDelete(CLI::App& snapshot, Invocation& invocation) {
  auto o = std::make_shared<SnapshotDeleteOptions>();
  CLI::App* cmd = snapshot.add_subcommand(
      "delete", "Delete a snapshot LUN, or every LUN of a snapshot set");
  CLI::Option* lun =
      cmd->add_option("LUN", o->lun, "the snapshot LUN's id or name");
  CLI::Option* set =
      cmd->add_option("--set", o->set, "delete this whole snapshot set (GUID)");
  lun->excludes(set);
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback([o, &invocation] {
    invocation.status = RunSnapshotDelete(*o, invocation);
  });
}

}  // namespace sp::array::cli
