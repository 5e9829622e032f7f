#include "exec_env.h"

#include <cstdio>

namespace sp::cli {
namespace {

std::string Var(std::string_view name, std::string_view value) {
  std::string entry(name);
  entry += '=';
  entry += value;
  return entry;
}

std::string HexValue(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%X", value);
  return buf;
}

}  // namespace

std::vector<std::string> BuildExecEnvironment(const SnapshotSetDescription& set,
                                              std::string_view bcd_path,
                                              std::string_view metadata_path) {
  std::vector<std::string> env = {
      Var("SHADOWPORT_SNAPSHOT_SET_ID", set.snapshot_set_id.ToString()),
      Var("SHADOWPORT_CONTEXT", HexValue(set.context)),
      Var("SHADOWPORT_BCD", bcd_path),
      Var("SHADOWPORT_METADATA", metadata_path),
      Var("SHADOWPORT_SNAPSHOT_COUNT", std::to_string(set.snapshots.size())),
  };
  for (size_t i = 0; i < set.snapshots.size(); ++i) {
    const SnapshotDescription& snapshot = set.snapshots[i];
    const std::string prefix = "SHADOWPORT_SNAPSHOT_" + std::to_string(i);
    std::string naa;
    for (const LunMapping& lun : snapshot.luns) {
      if (!naa.empty()) naa += ' ';
      naa += lun.destination.unique_id;
    }
    env.push_back(Var(prefix + "_ID", snapshot.snapshot_id.ToString()));
    env.push_back(Var(prefix + "_VOLUME", snapshot.original.mount_point));
    env.push_back(Var(prefix + "_DEVICE", snapshot.original.device));
    env.push_back(Var(prefix + "_NAA", naa));
  }
  return env;
}

}  // namespace sp::cli
