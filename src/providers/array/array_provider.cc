// ArrayProvider: the creation sequence and the per-set state. LUN
// resolution, deletion, import and break are in array_provider_luns.cc.
#include "providers/array/array_provider.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "providers/array/array_provider_errors.h"
#include "shadowport/context.h"

namespace sp::providers {
namespace {

// The array makes full clones: no DIFFERENTIAL (copy-on-write) or PLEX
// (split-mirror) snapshots.
Status CheckAttributes(const os::VolumeInfo& volume, uint32_t attributes) {
  for (uint32_t bit : {attr::kDifferential, attr::kPlex}) {
    if ((attributes & bit) != 0) {
      return NotSupported(volume, std::string(AttributeName(bit)) +
                                      " snapshots are not supported (the "
                                      "array makes full reflink clones)");
    }
  }
  return Status::Ok();
}

}  // namespace

ArrayProvider::ArrayProvider(std::unique_ptr<array::rpc::ArrayClient> client)
    : client_(std::move(client)) {}

ArrayProvider::~ArrayProvider() = default;

uint32_t ArrayProvider::capabilities() const {
  return capability::kCompliant | capability::kMultipleImport;
}

Status ArrayProvider::AreLunsSupported(const os::VolumeInfo& volume,
                                       uint32_t attributes) {
  SP_ASSIGN_OR_RETURN(array::LunInfo lun, ResolveLun(volume));
  // The array's cluster rule (LocateLuns) needs to know who has an original
  // mounted read-write.
  Status reported = client_->ReportMount(lun.id, !volume.read_only);
  if (!reported.ok()) {
    return WithPrefix(std::move(reported),
                      "reporting the mount of LUN " + lun.name);
  }
  SP_RETURN_IF_ERROR(CheckAttributes(volume, attributes));
  std::lock_guard<std::mutex> lock(mu_);
  resolutions_[volume.device] =
      Resolution{volume.loop_backing_file, std::move(lun)};
  return Status::Ok();
}

Result<array::LunInfo> ArrayProvider::CachedOrResolve(
    const os::VolumeInfo& volume) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = resolutions_.find(volume.device);
    if (it != resolutions_.end()) {
      Resolution found = std::move(it->second);
      resolutions_.erase(it);
      // A LUN's id and identity never change, so the answer holds while the
      // device still shows the same backing file.
      if (found.backing_file == volume.loop_backing_file) {
        return std::move(found.lun);
      }
    }
  }
  return ResolveLun(volume);
}

Status ArrayProvider::BeginPrepareSnapshot(
    const Guid& snapshot_set_id, const Guid& snapshot_id,
    const os::VolumeInfo& volume, uint32_t attributes,
    const std::vector<std::string>& importers) {
  if (snapshot_set_id.IsNull() || snapshot_id.IsNull()) {
    return InvalidArg("a snapshot set id or snapshot id is GUID_NULL");
  }
  const bool transportable = (attributes & attr::kTransportable) != 0;
  std::optional<array::LunInfo> known;  // the set resolved this device before
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Known from here on, even if this call fails, so that AbortSnapshots
    // knows nothing reached the array.
    auto [it, added] = sets_.try_emplace(snapshot_set_id);
    SetState& set = it->second;
    if (added) {
      set.transportable = transportable;
      set.importers = importers;
    }
    if (set.phase != Phase::kPreparing) {
      return BadState("snapshot set " + snapshot_set_id.ToString() +
                      " is past preparation");
    }
    if (set.transportable != transportable || set.importers != importers) {
      return InvalidArg(
          "every volume of snapshot set " + snapshot_set_id.ToString() +
          " must have the same TRANSPORTABLE attribute and importers");
    }
    for (const PreparedSnapshot& s : set.snapshots) {
      if (s.snapshot_id == snapshot_id) {
        return Status(Code::kObjectAlreadyExists,
                      std::string(kPrefix) + "snapshot " +
                          snapshot_id.ToString() + " is already prepared");
      }
    }
    auto device = set.lun_of_device.find(volume.device);
    if (device != set.lun_of_device.end()) {
      known = set.origins.at(device->second);
    }
  }
  SP_RETURN_IF_ERROR(CheckAttributes(volume, attributes));
  array::LunInfo lun;
  if (known) {
    lun = std::move(*known);
  } else {
    SP_ASSIGN_OR_RETURN(lun, CachedOrResolve(volume));
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(snapshot_set_id);
  if (it == sets_.end()) return UnknownSet(snapshot_set_id);  // aborted
  SetState& set = it->second;
  const uint64_t lun_id = lun.id;
  set.lun_of_device[volume.device] = lun_id;
  set.origins.try_emplace(lun_id, std::move(lun));
  set.snapshots.push_back(PreparedSnapshot{snapshot_id, lun_id, false});
  return Status::Ok();
}

Status ArrayProvider::CheckSet(const SetState& set) {
  if (set.snapshots.empty()) return BadState("the set has no volume");
  const std::string& array_id = set.origins.begin()->second.array_id;
  for (const auto& [id, lun] : set.origins) {
    if (lun.array_id.empty() || lun.array_id != array_id) {
      return Status(Code::kVolumeNotSupportedByProvider,
                    std::string(kPrefix) + "LUN " + lun.name +
                        " is not on the same array as the rest of the set");
    }
  }
  if (set.transportable && set.importers.empty()) {
    return InvalidArg("a transportable set needs at least one importer");
  }
  if (!set.transportable && !set.importers.empty()) {
    return InvalidArg("importers are for a transportable set only");
  }
  return Status::Ok();
}

Status ArrayProvider::EndPrepareSnapshots(const Guid& snapshot_set_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(snapshot_set_id);
  if (it == sets_.end()) return UnknownSet(snapshot_set_id);
  SetState& set = it->second;
  if (set.phase != Phase::kPreparing && set.phase != Phase::kPrepared) {
    return BadState("EndPrepareSnapshots after PreCommitSnapshots");
  }
  SP_RETURN_IF_ERROR(CheckSet(set));
  set.phase = Phase::kPrepared;
  return Status::Ok();
}

Status ArrayProvider::Advance(const Guid& snapshot_set_id, Phase from, Phase to,
                              std::string_view step) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(snapshot_set_id);
  if (it == sets_.end()) return UnknownSet(snapshot_set_id);
  if (it->second.phase != from) {
    return BadState(std::string(step) + " out of order for snapshot set " +
                    snapshot_set_id.ToString());
  }
  it->second.phase = to;
  return Status::Ok();
}

Status ArrayProvider::PreCommitSnapshots(const Guid& snapshot_set_id) {
  array::SnapshotSetRequest request;
  request.snapshot_set_id = snapshot_set_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sets_.find(snapshot_set_id);
    if (it == sets_.end()) return UnknownSet(snapshot_set_id);
    SetState& set = it->second;
    if (set.phase != Phase::kPrepared) {
      return BadState("PreCommitSnapshots needs EndPrepareSnapshots first");
    }
    SP_RETURN_IF_ERROR(CheckSet(set));
    for (const auto& [id, lun] : set.origins) request.lun_ids.push_back(id);
    request.transportable = set.transportable;
    request.importers = set.importers;
    // From here on the set may exist at the array: Abort must undo it.
    set.phase = Phase::kPreCommitStarted;
  }
  // Before the freeze: the array's checks and its intent transaction.
  Status prepared = client_->PrepareSnapshotSet(request);
  if (!prepared.ok()) {
    return WithPrefix(std::move(prepared),
                      "preparing snapshot set " + snapshot_set_id.ToString());
  }
  return Advance(snapshot_set_id, Phase::kPreCommitStarted,
                 Phase::kPreCommitted, "PreCommitSnapshots");
}

Status ArrayProvider::CommitSnapshots(const Guid& snapshot_set_id) {
  SP_RETURN_IF_ERROR(Advance(snapshot_set_id, Phase::kPreCommitted,
                             Phase::kCommitStarted,
                             "CommitSnapshots (it needs PreCommitSnapshots "
                             "first)"));
  // Inside the freeze window: the clones, nothing more.
  Result<int64_t> cloned = client_->CommitSnapshotSet(snapshot_set_id);
  if (!cloned.ok()) {
    return WithPrefix(std::move(cloned).status(),
                      "committing snapshot set " + snapshot_set_id.ToString());
  }
  return Advance(snapshot_set_id, Phase::kCommitStarted, Phase::kCommitted,
                 "CommitSnapshots");
}

Status ArrayProvider::PostCommitSnapshots(const Guid& snapshot_set_id) {
  SP_RETURN_IF_ERROR(Advance(snapshot_set_id, Phase::kCommitted,
                             Phase::kPostCommitStarted,
                             "PostCommitSnapshots (it needs a successful "
                             "CommitSnapshots first)"));
  // After the thaw: the sync pass and the catalogue commit at the array.
  Result<array::SnapshotSetResult> made =
      client_->FinishSnapshotSet(snapshot_set_id);
  if (!made.ok()) {
    return WithPrefix(std::move(made).status(),
                      "finishing snapshot set " + snapshot_set_id.ToString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(snapshot_set_id);
  if (it == sets_.end()) {
    // Aborted meanwhile (a contract violation); AbortSnapshots again cleans.
    return UnknownSet(snapshot_set_id);
  }
  SetState& set = it->second;
  for (array::LunInfo& snap : made->snapshots) {
    const uint64_t origin = snap.origin_lun_id;
    set.snapshot_of_origin[origin] = std::move(snap);
  }
  for (const auto& [id, lun] : set.origins) {
    if (!set.snapshot_of_origin.contains(id)) {
      return Status(Code::kUnexpectedProviderError,
                    std::string(kPrefix) + "the array made no snapshot of " +
                        lun.name + " in set " + snapshot_set_id.ToString());
    }
  }
  set.phase = Phase::kPostCommitted;
  return Status::Ok();
}

Result<std::vector<SnapshotLun>> ArrayProvider::GetTargetLuns(
    const Guid& snapshot_set_id, const Guid& snapshot_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(snapshot_set_id);
  if (it == sets_.end()) return UnknownSet(snapshot_set_id);
  SetState& set = it->second;
  if (set.phase != Phase::kPostCommitted) {
    return BadState("GetTargetLuns before a successful PostCommitSnapshots");
  }
  auto prepared = std::find_if(
      set.snapshots.begin(), set.snapshots.end(),
      [&](const PreparedSnapshot& s) { return s.snapshot_id == snapshot_id; });
  if (prepared == set.snapshots.end()) {
    return Status(Code::kSnapshotNotInSet,
                  std::string(kPrefix) + "snapshot " + snapshot_id.ToString() +
                      " is not in set " + snapshot_set_id.ToString());
  }
  auto snap = set.snapshot_of_origin.find(prepared->origin_lun_id);
  if (snap == set.snapshot_of_origin.end()) {
    return Status(Code::kUnexpectedProviderError,
                  std::string(kPrefix) + "no snapshot LUN of LUN " +
                      std::to_string(prepared->origin_lun_id));
  }
  SnapshotLun out;
  out.provider_lun_id = std::to_string(snap->second.id);
  out.mapping.source =
      set.origins.at(prepared->origin_lun_id).ToLunInformation();
  // The origin as it was at the point in time (a LUN only grows later).
  out.mapping.source.size_bytes = snap->second.size_bytes;
  out.mapping.destination = snap->second.ToLunInformation();
  prepared->answered = true;
  if (std::all_of(set.snapshots.begin(), set.snapshots.end(),
                  [](const PreparedSnapshot& s) { return s.answered; })) {
    sets_.erase(it);  // nothing more to tell about this set
  }
  return std::vector<SnapshotLun>{std::move(out)};
}

Status ArrayProvider::AbortSnapshots(const Guid& snapshot_set_id) {
  bool at_array = true;  // unknown set: it may have reached the array
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sets_.find(snapshot_set_id);
    if (it != sets_.end()) {
      at_array = it->second.phase >= Phase::kPreCommitStarted;
    }
  }
  if (at_array) SP_RETURN_IF_ERROR(DeleteSetAtArray(snapshot_set_id));
  std::lock_guard<std::mutex> lock(mu_);
  sets_.erase(snapshot_set_id);
  return Status::Ok();
}

}  // namespace sp::providers
