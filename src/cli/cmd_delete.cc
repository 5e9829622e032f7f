// `shadowport delete ID [--set] [--force] [--json]`: deletes a snapshot, or
// with --set a whole snapshot set (VSS DeleteSnapshots, like
// `vshadow -ds=` / `-dx=`). --force also deletes an auto-release snapshot
// that a live session still holds.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "commands.h"
#include "service_options.h"
#include "shadowport/backup_components.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct DeleteOptions {
  std::string socket;
  bool json = false;
  std::string id;
  bool is_set = false;
  bool force = false;
};

Status RunDelete(const DeleteOptions& options, std::ostream& out) {
  Result<Guid> id = Guid::Parse(options.id);
  if (!id.ok()) return std::move(id).status().WithContext("ID");
  Result<DeleteResult> result = BackupComponents::DeleteOnService(
      options.socket, *id, options.is_set, options.force);
  if (!result.ok()) return std::move(result).status();
  if (options.json) {
    return PrintJson(out, json{{"id", id->ToString()},
                               {"is_set", options.is_set},
                               {"deleted", result->deleted},
                               {"nondeleted_id",
                                result->nondeleted_id.IsNull()
                                    ? json(nullptr)
                                    : json(result->nondeleted_id.ToString())}});
  }
  out << "deleted " << result->deleted
      << (result->deleted == 1 ? " snapshot" : " snapshots");
  if (options.is_set) out << " of set " << id->ToString();
  out << '\n';
  if (!result->nondeleted_id.IsNull()) {
    out << "not deleted: " << result->nondeleted_id.ToString() << '\n';
  }
  return FlushOut(out);
}

}  // namespace

void RegisterDelete(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<DeleteOptions>();
  CLI::App* verb = app.add_subcommand(
      "delete", "Delete a snapshot, or with --set a snapshot set");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("ID", options->id,
                   "snapshot id (snapshot set id with --set)")
      ->required();
  verb->add_flag("--set", options->is_set, "ID is a snapshot set id");
  verb->add_flag("--force", options->force,
                 "also delete auto-release snapshots a live session holds");
  verb->callback([options, &invocation] {
    invocation.status = RunDelete(*options, invocation.out);
  });
}

}  // namespace sp::cli
