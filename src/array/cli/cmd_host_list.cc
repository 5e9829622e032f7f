// `shadowport-array host list`: the registered hosts.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "shadowport/encoding.h"

namespace sp::array::cli {
namespace {

Status RunHostList(bool json, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(std::vector<HostInfo> hosts, client->ListHosts());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const HostInfo& h : hosts) list.push_back(HostJson(h));
    return PrintJson(inv.out, {{"hosts", list}});
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "CLUSTER", "ADDED"}};
  for (const HostInfo& h : hosts) {
    rows.push_back({h.name, h.cluster.empty() ? "-" : h.cluster,
                    FormatUtcTimestamp(h.created_us)});
  }
  inv.out << (hosts.empty() ? std::string("no hosts\n") : Table(rows));
  return Finish(inv.out);
}

}  // namespace

void RegisterHostList(CLI::App& host, Invocation& invocation) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = host.add_subcommand("list", "List the registered hosts");
  cmd->add_flag("--json", *json, kJsonHelp);
  cmd->callback([json, &invocation] {
    invocation.status = RunHostList(*json, invocation);
  });
}

}  // namespace sp::array::cli
