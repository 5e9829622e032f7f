// `shadowport-array attachments list [--host NAME]`: which host has which
// LUN (ordinary or snapshot) attached, and on which device.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "shadowport/encoding.h"

namespace sp::array::cli {
namespace {

struct AttachmentsListOptions {
  std::string host;
  bool json = false;
};

Status RunAttachmentsList(const AttachmentsListOptions& o, Invocation& inv) {
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(std::vector<LunInfo> luns, client->ListLuns());
  SP_ASSIGN_OR_RETURN(std::vector<LunInfo> snapshots,
                      client->ListSnapshots(std::nullopt));
  luns.insert(luns.end(), snapshots.begin(), snapshots.end());

  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {
      {"LUN", "NAME", "HOST", "DEVICE", "MODE", "SINCE"}};
  for (const LunInfo& lun : luns) {
    for (const Attachment& a : lun.attachments) {
      if (!o.host.empty() && a.host != o.host) continue;
      list.push_back({{"id", lun.id},
                      {"name", lun.name},
                      {"naa", lun.naa},
                      {"is_snapshot", lun.is_snapshot},
                      {"host", a.host},
                      {"device", a.device},
                      {"read_only", lun.read_only},
                      {"since", FormatUtcTimestamp(a.since_us)}});
      rows.push_back({std::to_string(lun.id), lun.name, a.host,
                      a.device.empty() ? "(not reported)" : a.device,
                      lun.read_only ? "ro" : "rw",
                      FormatUtcTimestamp(a.since_us)});
    }
  }
  if (o.json) return PrintJson(inv.out, {{"attachments", list}});
  inv.out << (list.empty() ? std::string("no attachments\n") : Table(rows));
  return Finish(inv.out);
}

}  // namespace

void RegisterAttachmentsList(CLI::App& attachments, Invocation& invocation) {
  auto o = std::make_shared<AttachmentsListOptions>();
  CLI::App* cmd =
      attachments.add_subcommand("list", "List the LUNs attached on hosts");
  cmd->add_option("--host", o->host, "only this host's");
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback([o, &invocation] {
    invocation.status = RunAttachmentsList(*o, invocation);
  });
}

}  // namespace sp::array::cli
