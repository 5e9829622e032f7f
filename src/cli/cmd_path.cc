// `shadowport path SET_ID ORIGINAL_PATH... [--json]`: step 7 on the
// importing host: where each file of the original volumes (as writer
// metadata names it on the creating host) is inside the set's exposed
// snapshots here. Lexical (docs/paths.md): a ".." is refused
// (SP_E_PATH_ESCAPE), a path on no exposed volume is SP_E_PATH_NOT_IN_SET.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands.h"
#include "service_options.h"
#include "shadowport/backup_components.h"

namespace sp::cli {
namespace {

struct PathOptions {
  std::string socket;
  bool json = false;
  std::string set_id;
  std::vector<std::string> paths;
};

Status RunPath(const PathOptions& options, std::ostream& out) {
  Result<Guid> set = Guid::Parse(options.set_id);
  if (!set.ok()) return std::move(set).status().WithContext("SET_ID");
  SP_ASSIGN_OR_RETURN(std::vector<SnapshotProperties> snapshots,
                      BackupComponents::QueryService(options.socket, *set));
  nlohmann::ordered_json translated = nlohmann::ordered_json::array();
  for (const std::string& path : options.paths) {
    SP_ASSIGN_OR_RETURN(std::string inside,
                        TranslateToSnapshot(snapshots, path));
    if (options.json) {
      translated.push_back({{"original", path}, {"snapshot", inside}});
    } else {
      out << inside << '\n';
    }
  }
  if (options.json) return PrintJson(out, translated);
  return FlushOut(out);
}

}  // namespace

void RegisterPath(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<PathOptions>();
  CLI::App* verb = app.add_subcommand(
      "path",
      "Translate original file paths onto the exposed snapshots of a set");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("SET_ID", options->set_id, "the imported snapshot set")
      ->required();
  verb->add_option("ORIGINAL_PATH", options->paths,
                   "paths as the creating host knows them")
      ->required();
  verb->callback([options, &invocation] {
    invocation.status = RunPath(*options, invocation.out);
  });
}

}  // namespace sp::cli
