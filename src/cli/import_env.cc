#include "import_env.h"

namespace sp::cli {

std::vector<std::string> BuildImportEnvironment(
    const SnapshotSetDescription& set, const ImportResult& result,
    std::string_view bcd_path, const FileListFile* files) {
  std::vector<std::string> env = {
      "SHADOWPORT_SNAPSHOT_SET_ID=" + set.snapshot_set_id.ToString(),
      "SHADOWPORT_CREATING_HOST=" + set.creating_host,
      "SHADOWPORT_BCD=" + std::string(bcd_path)};
  size_t i = 0;
  for (const ImportedSnapshotInfo& s : result.snapshots) {
    if (!s.status.ok()) continue;
    const std::string p = "SHADOWPORT_SNAPSHOT_" + std::to_string(i) + "_";
    env.push_back(p + "ID=" + s.snapshot_id.ToString());
    env.push_back(p + "VOLUME=" + s.original.mount_point);
    env.push_back(p + "DEVICE=" + s.device);
    env.push_back(p + "EXPOSED=" + s.exposed_path);
    env.push_back(p + "FS=" + s.original.fs_type);
    ++i;
  }
  env.push_back("SHADOWPORT_SNAPSHOT_COUNT=" + std::to_string(i));
  if (files != nullptr) {
    env.push_back("SHADOWPORT_FILE_LIST=" + files->path);
    env.push_back("SHADOWPORT_FILE_COUNT=" + std::to_string(files->count));
  }
  return env;
}

}  // namespace sp::cli
