// `shadowport break SET_ID [--writable] [--json]`: VSS BreakSnapshotSet(Ex)
// on the importing host (`vshadow -b` / `-bw`, diskshadow `break
// [writable]`). The imported set becomes ordinary volumes of this host with
// new LUN identities; with --writable they are read-write and their
// filesystems get a new UUID, so they can be mounted beside their origins.
// The service forgets the set. Prints, per volume, the new device, LUN NAA
// id, filesystem, UUID and how to mount it (docs/fast-recovery.md).
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

using json = nlohmann::ordered_json;

struct BreakOptions {
  std::string socket;
  bool json = false;
  std::string id;
  bool writable = false;
};

// How to mount the volume at DIR: read-write as any volume; read-only
// without writing to it (the XFS and ext log are not replayed) and, for
// XFS, beside its origin, whose UUID it still has.
std::string MountCommand(const BrokenVolumeInfo& v) {
  std::string options;
  if (v.read_only) {
    options = "ro";
    if (v.fs_type == "xfs") options += ",nouuid,norecovery";
    if (v.fs_type == "ext3" || v.fs_type == "ext4") options += ",noload";
  }
  return "mount " + (options.empty() ? "" : "-o " + options + " ") +
         (v.fs_type.empty() ? "" : "-t " + v.fs_type + " ") + v.device + " DIR";
}

Status RunBreak(const BreakOptions& options, std::ostream& out) {
  Result<Guid> id = Guid::Parse(options.id);
  if (!id.ok()) return std::move(id).status().WithContext("SET_ID");
  SP_ASSIGN_OR_RETURN(std::vector<BrokenVolumeInfo> volumes,
                      BackupComponents::BreakSnapshotSet(options.socket, *id,
                                                         options.writable));
  if (options.json) {
    json list = json::array();
    for (const BrokenVolumeInfo& v : volumes) {
      list.push_back(json{{"snapshot_id", v.snapshot_id.ToString()},
                          {"device", v.device},
                          {"lun_id", v.lun_id},
                          {"fs_type", v.fs_type},
                          {"fs_uuid", v.fs_uuid},
                          {"read_only", v.read_only},
                          {"mount", MountCommand(v)}});
    }
    return PrintJson(out, json{{"snapshot_set_id", id->ToString()},
                               {"writable", options.writable},
                               {"volumes", std::move(list)}});
  }
  out << "snapshot set " << id->ToString() << " broken: " << volumes.size()
      << (volumes.size() == 1 ? " volume" : " volumes")
      << ", now ordinary LUNs of this host (no longer snapshots)\n";
  for (const BrokenVolumeInfo& v : volumes) {
    out << "  " << v.device << (v.read_only ? " (read-only)" : " (read-write)")
        << "  was snapshot " << v.snapshot_id.ToString() << '\n'
        << "    LUN " << v.lun_id << "  " << v.fs_type << "  UUID " << v.fs_uuid
        << (options.writable ? " (new)" : " (its origin's)") << '\n'
        << "    mount: " << MountCommand(v) << '\n';
  }
  return FlushOut(out);
}

}  // namespace

void RegisterBreak(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<BreakOptions>();
  CLI::App* verb = app.add_subcommand(
      "break",
      "Turn an imported snapshot set into ordinary volumes (VSS "
      "BreakSnapshotSet; cannot be undone)");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_option("SET_ID", options->id, "the imported snapshot set")
      ->required();
  verb->add_flag("--writable", options->writable,
                 "read-write, with a new filesystem UUID (xfs, ext2/3/4)");
  verb->callback([options, &invocation] {
    invocation.status = RunBreak(*options, invocation.out);
  });
}

}  // namespace sp::cli
