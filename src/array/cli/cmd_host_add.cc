// `shadowport-array host add NAME [--cluster CLUSTER]`: registers a host and
// prints its credential, once: the array keeps only a hash of it.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"

namespace sp::array::cli {
namespace {

struct HostAddOptions {
  std::string name;
  std::string cluster;
  bool json = false;
};

Status RunHostAdd(const HostAddOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(NewHost host, client->AddHost(o.name, o.cluster));
  if (o.json) {
    nlohmann::json out = HostJson(host.host);
    out["credential"] = host.credential;
    return PrintJson(inv.out, out);
  }
  inv.out << "registered host " << host.host.name;
  if (!host.host.cluster.empty()) {
    inv.out << " in cluster " << host.host.cluster;
  }
  inv.out << "\ncredential: " << host.credential
          << "\nStore it on the host (a file readable by root only); it is "
             "not shown again.\n";
  return Finish(inv.out);
}

}  // namespace

void RegisterHostAdd(CLI::App& host, Invocation& invocation) {
  auto o = std::make_shared<HostAddOptions>();
  CLI::App* cmd = host.add_subcommand(
      "add", "Register a host and print its credential (shown once)");
  cmd->add_option("NAME", o->name,
                  "the host's name ([A-Za-z0-9._-], 64 at most; over TCP "
                  "the CN of its client certificate)")
      ->required();
  cmd->add_option("--cluster", o->cluster, "the cluster the host belongs to");
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunHostAdd(*o, invocation); });
}

}  // namespace sp::array::cli
