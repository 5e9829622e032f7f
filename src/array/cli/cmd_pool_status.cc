// `shadowport-array pool status`: the pool's space, floor and counts.
#include <CLI/CLI.hpp>
#include <memory>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"

namespace sp::array::cli {
namespace {

Status RunPoolStatus(bool json, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(PoolStatus status, client->GetStatus());
  if (json) return PrintJson(inv.out, PoolStatusJson(status));
  inv.out << "pool:        " << status.pool_dir << '\n'
          << "array id:    " << status.array_id << '\n'
          << "space:       " << rpc::FormatSize(status.space.free_bytes)
          << " free of " << rpc::FormatSize(status.space.total_bytes) << '\n'
          << "floor:       " << rpc::FormatSize(status.free_space_floor_bytes)
          << " (snapshots refused below it)\n"
          << "LUNs:        " << status.lun_count << '\n'
          << "snapshots:   " << status.snapshot_count << '\n'
          << "hosts:       " << status.host_count << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterPoolStatus(CLI::App& pool, Invocation& invocation) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd =
      pool.add_subcommand("status", "Show the pool's space and counts");
  cmd->add_flag("--json", *json, kJsonHelp);
  cmd->callback([json, &invocation] {
    invocation.status = RunPoolStatus(*json, invocation);
  });
}

}  // namespace sp::array::cli
