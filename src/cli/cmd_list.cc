// `shadowport list [--set ID] [--json]`: the snapshots shadowportd knows
// (Query under VSS_CTX_ALL), grouped by snapshot set, like `vshadow -q` /
// `diskshadow list shadows all`.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands.h"
#include "doc_names.h"
#include "service_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/context.h"
#include "shadowport/encoding.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct ListOptions {
  std::string socket;
  bool json = false;
  std::string set_id;  // --set; "" = all
};

std::string Naa(const std::vector<LunMapping>& luns) {
  std::string out;
  for (const LunMapping& lun : luns) {
    if (!out.empty()) out += ' ';
    out += lun.destination.unique_id;
  }
  return out;
}

json SnapshotJson(const SnapshotProperties& p) {
  json luns = json::array();
  for (const LunMapping& lun : p.luns) {
    luns.push_back(json{{"naa", lun.destination.unique_id},
                        {"lun_id", lun.destination.lun_id},
                        {"array_id", lun.destination.array_id},
                        {"source_naa", lun.source.unique_id}});
  }
  return json{
      {"snapshot_id", p.snapshot_id.ToString()},
      {"snapshot_set_id", p.snapshot_set_id.ToString()},
      {"context", ContextValueToString(p.context)},
      {"attributes", AttributesToString(p.attributes)},
      {"state", p.state},
      {"original_volume", json{{"device", p.original.device},
                               {"mount_point", p.original.mount_point},
                               {"fs_type", p.original.fs_type},
                               {"fs_uuid", p.original.fs_uuid}}},
      {"provider_id", p.provider_id.ToString()},
      {"provider_name", p.provider_name},
      {"originating_host", p.originating_host},
      {"service_host", p.service_host},
      {"created", p.created_us == 0 ? "" : FormatUtcTimestamp(p.created_us)},
      {"device", p.device},
      {"exposed_path", p.exposed_path},
      {"luns", std::move(luns)},
  };
}

void Field(std::ostream& out, std::string_view label,
           const std::string& value) {
  constexpr size_t kWidth = 20;
  out << "    " << label
      << std::string(label.size() < kWidth ? kWidth - label.size() : 1, ' ')
      << value << '\n';
}

void SnapshotText(const SnapshotProperties& p, std::ostream& out) {
  out << "  snapshot " << p.snapshot_id.ToString() << '\n';
  Field(out, "attributes", AttributesToString(p.attributes));
  Field(out, "state", Printable(p.state));
  std::string volume = Printable(p.original.mount_point);
  volume += " (" + Printable(p.original.device);
  if (!p.original.fs_type.empty())
    volume += ", " + Printable(p.original.fs_type);
  Field(out, "original volume", volume + ")");
  Field(out, "provider",
        Printable(p.provider_name) + " " + p.provider_id.ToString());
  std::string host = Printable(p.originating_host);
  if (!p.service_host.empty() && p.service_host != p.originating_host) {
    host += " (service host " + Printable(p.service_host) + ")";
  }
  Field(out, "creating host", host);
  if (p.created_us != 0)
    Field(out, "created", FormatUtcTimestamp(p.created_us));
  Field(out, "device",
        p.device.empty() ? "(not surfaced on this host)" : Printable(p.device));
  if (!p.exposed_path.empty()) Field(out, "exposed", Printable(p.exposed_path));
  Field(out, "LUNs", p.luns.empty() ? "(none)" : Printable(Naa(p.luns)));
}

Status RunList(const ListOptions& options, std::ostream& out) {
  Guid set_id;
  if (!options.set_id.empty()) {
    Result<Guid> parsed = Guid::Parse(options.set_id);
    if (!parsed.ok()) {
      return std::move(parsed).status().WithContext("--set");
    }
    set_id = *parsed;
  }
  Result<std::vector<SnapshotProperties>> snapshots =
      BackupComponents::QueryService(options.socket, set_id);
  if (!snapshots.ok()) {
    return std::move(snapshots).status();
  }
  if (options.json) {
    json list = json::array();
    for (const SnapshotProperties& p : *snapshots) {
      list.push_back(SnapshotJson(p));
    }
    return PrintJson(out, json{{"snapshots", std::move(list)}});
  }
  if (snapshots->empty()) {
    out << (set_id.IsNull()
                ? "no snapshots\n"
                : "no snapshots in set " + set_id.ToString() + "\n");
    return FlushOut(out);
  }
  // Grouped by set, sets in the order they first appear.
  std::vector<Guid> order;
  std::map<Guid, std::vector<const SnapshotProperties*>> by_set;
  for (const SnapshotProperties& p : *snapshots) {
    auto& members = by_set[p.snapshot_set_id];
    if (members.empty()) order.push_back(p.snapshot_set_id);
    members.push_back(&p);
  }
  for (const Guid& set : order) {
    const auto& members = by_set[set];
    out << "snapshot set " << set.ToString() << "  context "
        << ContextValueToString(members.front()->context) << ", "
        << members.size() << (members.size() == 1 ? " snapshot" : " snapshots")
        << '\n';
    for (const SnapshotProperties* p : members) SnapshotText(*p, out);
  }
  return FlushOut(out);
}

}  // namespace

void RegisterList(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* verb = app.add_subcommand(
      "list", "List the snapshot sets and snapshots shadowportd knows");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("--set", options->set_id, "only this snapshot set (id)");
  verb->callback([options, &invocation] {
    invocation.status = RunList(*options, invocation.out);
  });
}

}  // namespace sp::cli
