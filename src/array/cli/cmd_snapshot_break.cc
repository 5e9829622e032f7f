// `shadowport-array snapshot break LUN`: turns a snapshot LUN into an
// ordinary read-write LUN with a new identity (id, serial, NAA id); it keeps
// its presentations. Refused while attached.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct SnapshotBreakOptions {
  std::string lun;
  bool json = false;
};

Status RunSnapshotBreak(const SnapshotBreakOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(LunInfo lun, client->BreakSnapshot(id));
  if (o.json) return PrintJson(inv.out, LunJson(lun));
  inv.out << "snapshot LUN " << id << " is now LUN " << lun.id << " ("
          << lun.name << ", " << lun.naa << "), read-write\n";
  return Finish(inv.out);
}

}  // namespace

void RegisterSnapshotBreak(CLI::App& snapshot, Invocation& invocation) {
  auto o = std::make_shared<SnapshotBreakOptions>();
  CLI::App* cmd = snapshot.add_subcommand(
      "break", "Make a snapshot LUN an ordinary read-write LUN");
  cmd->add_option("LUN", o->lun, "the snapshot LUN's id or name")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback([o, &invocation] {
    invocation.status = RunSnapshotBreak(*o, invocation);
  });
}

}  // namespace sp::array::cli
