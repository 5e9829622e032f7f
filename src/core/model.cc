// Small lookups on the BCD and WMD models.
#include "shadowport/bcd.h"
#include "shadowport/wmd.h"

namespace sp {
namespace {
std::string JoinLogicalPath(const std::string& logical_path,
                            const std::string& name) {
  return logical_path.empty() ? name : logical_path + "\\" + name;
}
}  // namespace

std::string WmdComponent::FullPath() const {
  return JoinLogicalPath(logical_path, name);
}

std::string BcdComponent::FullPath() const {
  return JoinLogicalPath(logical_path, name);
}

const WmdComponent* WriterMetadata::FindComponent(
    std::string_view path, std::string_view component_name) const {
  for (const WmdComponent& c : components) {
    if (c.logical_path == path && c.name == component_name) return &c;
  }
  return nullptr;
}

const SnapshotDescription* SnapshotSetDescription::FindSnapshot(
    const Guid& id) const {
  for (const SnapshotDescription& s : snapshots) {
    if (s.snapshot_id == id) return &s;
  }
  return nullptr;
}

}  // namespace sp
