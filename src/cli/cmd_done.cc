// `shadowport done BCD|BUNDLE [--failed] [--component-failed PATH]...
// [--json]`: on the importing host (systemTwo), after its backup of an
// imported transportable set, tells the creating host (systemOne) that the
// backup finished (transportable flow, step 8 -> 9). Each component of the
// BCD is marked succeeded, except all with --failed and the ones named with
// --component-failed (LOGICAL\NAME, as `doc show` prints them); the BCD goes
// to this host's shadowportd, which sends it to the creating host named in
// its snapshot set over the peer channel (docs/service.md, "Peers"). There
// the waiting `shadowport create --wait-done` takes the flags over and sends
// BackupComplete, so writers truncate their logs only after a backup that
// succeeded.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bcd_source.h"
#include "commands.h"
#include "service_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/documents.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct DoneOptions {
  std::string socket;
  bool json = false;
  std::string file;
  bool failed = false;
  std::vector<std::string> failed_components;  // LOGICAL\NAME
};

Result<BackupComponentsDocument> LoadBcdOrBundle(const std::string& path) {
  SP_ASSIGN_OR_RETURN(BcdSource source, ReadBcdSource(path));
  Result<BackupComponentsDocument> bcd = LoadBcd(source.bcd_xml);
  if (!bcd.ok()) return std::move(bcd).status().WithContext(path);
  return bcd;
}

Status RunDone(const DoneOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(BackupComponentsDocument bcd,
                      LoadBcdOrBundle(options.file));
  if (!bcd.snapshot_set) {
    return Status(Code::kInvalidXmlDocument,
                  options.file +
                      ": the BCD describes no snapshot set (use the one "
                      "`shadowport create --bcd/--metadata` saved)");
  }
  const std::set<std::string> listed(options.failed_components.begin(),
                                     options.failed_components.end());
  std::set<std::string> found;
  size_t total = 0;
  size_t succeeded = 0;
  json components = json::array();
  for (WriterComponents& writer : bcd.writers) {
    for (BcdComponent& component : writer.components) {
      const std::string path = component.FullPath();
      const bool named = listed.count(path) != 0;
      if (named) found.insert(path);
      component.backup_succeeded = !options.failed && !named;
      ++total;
      if (*component.backup_succeeded) ++succeeded;
      components.push_back(
          {{"writer_instance_id", writer.instance_id.ToString()},
           {"component", path},
           {"succeeded", *component.backup_succeeded}});
    }
  }
  for (const std::string& path : listed) {
    if (found.count(path) == 0) {
      return Status(Code::kInvalidArg, "--component-failed " + path +
                                           ": no such component in " +
                                           options.file);
    }
  }
  Result<std::string> xml = SaveBcd(bcd);
  if (!xml.ok()) return std::move(xml).status().WithContext("SaveBcd");
  const SnapshotSetDescription& set = *bcd.snapshot_set;
  Result<std::string> peer = BackupComponents::SignalBackupDone(
      options.socket, *xml,
      /*succeeded=*/!options.failed && listed.empty());
  if (!peer.ok()) {
    return std::move(peer).status().WithContext(
        "sending the done-signal of set " + set.snapshot_set_id.ToString() +
        " to " + set.creating_host);
  }
  if (options.json) {
    return PrintJson(out,
                     json{{"snapshot_set_id", set.snapshot_set_id.ToString()},
                          {"creating_host", set.creating_host},
                          {"peer", *peer},
                          {"succeeded", succeeded},
                          {"components", total},
                          {"component_outcomes", components}});
  }
  out << "done-signal for set " << set.snapshot_set_id.ToString() << " sent to "
      << set.creating_host << " (" << *peer << "): " << succeeded << " of "
      << total << (total == 1 ? " component" : " components") << " succeeded\n";
  return FlushOut(out);
}

}  // namespace

void RegisterDone(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<DoneOptions>();
  CLI::App* verb = app.add_subcommand(
      "done",
      "Tell the creating host that the backup of its transportable set "
      "finished (importing host)");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("BCD", options->file,
                   "the set's BCD, or the metadata bundle (create --metadata)")
      ->required();
  verb->add_flag("--failed", options->failed,
                 "the backup failed: no component succeeded");
  verb->add_option("--component-failed", options->failed_components,
                   "this component (LOGICAL\\NAME) was not backed up; "
                   "repeatable");
  verb->callback([options, &invocation] {
    invocation.status = RunDone(*options, invocation.out);
  });
}

}  // namespace sp::cli
