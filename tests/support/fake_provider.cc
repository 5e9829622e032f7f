#include "support/fake_provider.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "shadowport/context.h"

namespace sp::fakes {
namespace {

// "naa.6" + 31 hex digits, as the BCD schema wants.
std::string NaaId(uint64_t n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%031llx",
                static_cast<unsigned long long>(n));
  return std::string("naa.6") + digits;
}

LunInformation MakeInfo(const std::string& lun_id, uint64_t n) {
  LunInformation info;
  info.array_id = "{0fa4e000-0000-4000-8000-000000000001}";
  info.lun_id = lun_id;
  info.vendor_id = "SHADOWPT";
  info.product_id = "FAKE";
  info.product_revision = "1";
  info.serial_number = "SN" + std::to_string(n);
  info.unique_id = NaaId(n);
  info.size_bytes = 1 << 20;
  return info;
}

}  // namespace

std::string_view FakeProvider::StepName(Step step) {
  switch (step) {
    case Step::kBeginPrepare:
      return "BeginPrepare";
    case Step::kEndPrepare:
      return "EndPrepare";
    case Step::kPreCommit:
      return "PreCommit";
    case Step::kCommit:
      return "Commit";
    case Step::kPostCommit:
      return "PostCommit";
    case Step::kGetTargetLuns:
      return "GetTargetLuns";
    case Step::kAbort:
      return "Abort";
    case Step::kDeleteLuns:
      return "DeleteLuns";
    case Step::kDeleteSetLuns:
      return "DeleteSetLuns";
    case Step::kBreak:
      return "Break";
  }
  return "?";
}

FakeProvider::FakeProvider(std::vector<std::string>& journal, const Guid& id,
                           std::string name)
    : journal_(journal), id_(id), name_(std::move(name)) {}

void FakeProvider::AddDevice(const std::string& device) {
  devices_.push_back(device);
}

void FakeProvider::FailNext(Step step, Status status, int skip) {
  failures_[step] = Failure{std::move(status), skip};
}

uint32_t FakeProvider::capabilities() const {
  return providers::capability::kCompliant;
}

Status FakeProvider::Enter(Step step, const std::string& detail) {
  std::string entry(StepName(step));
  if (!detail.empty()) entry += " " + detail;
  journal_.push_back(entry);
  auto it = failures_.find(step);
  if (it == failures_.end()) return Status::Ok();
  if (it->second.skip > 0) {
    --it->second.skip;
    return Status::Ok();
  }
  Status status = std::move(it->second.status);
  failures_.erase(it);
  return status;
}

providers::SnapshotLun FakeProvider::MakeLun(const std::string& device) {
  const uint64_t n = next_lun_++;
  const auto source = std::find(devices_.begin(), devices_.end(), device);
  const uint64_t source_n = static_cast<uint64_t>(source - devices_.begin());
  providers::SnapshotLun lun;
  lun.provider_lun_id = "lun-" + std::to_string(n);
  lun.mapping.source = MakeInfo("src-" + std::to_string(source_n), source_n);
  lun.mapping.destination = MakeInfo(lun.provider_lun_id, 0x10000 + n);
  return lun;
}

size_t FakeProvider::LiveLunsOfSet(const Guid& snapshot_set_id) const {
  return std::count_if(live_.begin(), live_.end(), [&](const auto& entry) {
    return entry.second.snapshot_set_id == snapshot_set_id;
  });
}

std::vector<providers::SnapshotLun> FakeProvider::LunsOf(
    const Guid& snapshot_id) const {
  std::vector<providers::SnapshotLun> out;
  for (const auto& [lun_id, lun] : live_) {
    if (lun.snapshot_id == snapshot_id && lun.committed) out.push_back(lun.lun);
  }
  return out;
}

providers::SnapshotLun FakeProvider::AddLiveLun(const Guid& snapshot_set_id,
                                                const Guid& snapshot_id,
                                                const std::string& device) {
  providers::SnapshotLun lun = MakeLun(device);
  live_[lun.provider_lun_id] =
      Lun{snapshot_set_id, snapshot_id, device, true, lun};
  return lun;
}

Status FakeProvider::AreLunsSupported(const os::VolumeInfo& volume,
                                      uint32_t attributes) {
  if (std::find(devices_.begin(), devices_.end(), volume.device) ==
      devices_.end()) {
    return Status(Code::kVolumeNotSupportedByProvider,
                  volume.device + " is not one of " + name_ + "'s LUNs");
  }
  if ((attributes & refused_attributes_) != 0) {
    return Status(Code::kVolumeNotSupportedByProvider,
                  name_ + " cannot honour " +
                      AttributesToString(attributes & refused_attributes_));
  }
  return Status::Ok();
}

Status FakeProvider::BeginPrepareSnapshot(
    const Guid& snapshot_set_id, const Guid& snapshot_id,
    const os::VolumeInfo& volume, uint32_t attributes,
    const std::vector<std::string>& importers) {
  SP_RETURN_IF_ERROR(Enter(Step::kBeginPrepare, volume.device));
  last_attributes_ = attributes;
  last_importers_ = importers;
  providers::SnapshotLun lun = MakeLun(volume.device);
  live_[lun.provider_lun_id] =
      Lun{snapshot_set_id, snapshot_id, volume.device, false, lun};
  return Status::Ok();
}

Status FakeProvider::EndPrepareSnapshots(const Guid&) {
  return Enter(Step::kEndPrepare);
}

Status FakeProvider::PreCommitSnapshots(const Guid&) {
  return Enter(Step::kPreCommit);
}

Status FakeProvider::CommitSnapshots(const Guid& snapshot_set_id) {
  SP_RETURN_IF_ERROR(Enter(Step::kCommit));
  for (auto& [lun_id, lun] : live_) {
    if (lun.snapshot_set_id == snapshot_set_id) lun.committed = true;
  }
  return Status::Ok();
}

Status FakeProvider::PostCommitSnapshots(const Guid&) {
  return Enter(Step::kPostCommit);
}

Result<std::vector<providers::SnapshotLun>> FakeProvider::GetTargetLuns(
    const Guid& snapshot_set_id, const Guid& snapshot_id) {
  std::string device;
  for (const auto& [lun_id, lun] : live_) {
    if (lun.snapshot_id == snapshot_id) device = lun.device;
  }
  SP_RETURN_IF_ERROR(Enter(Step::kGetTargetLuns, device));
  std::vector<providers::SnapshotLun> luns = LunsOf(snapshot_id);
  if (luns.empty()) {
    return Status(Code::kObjectNotFound,
                  "no committed LUN of snapshot " + snapshot_id.ToString() +
                      " in set " + snapshot_set_id.ToString());
  }
  return luns;
}

size_t FakeProvider::EraseSet(const Guid& snapshot_set_id) {
  return std::erase_if(live_, [&](const auto& entry) {
    return entry.second.snapshot_set_id == snapshot_set_id;
  });
}

Status FakeProvider::AbortSnapshots(const Guid& snapshot_set_id) {
  SP_RETURN_IF_ERROR(Enter(Step::kAbort));
  EraseSet(snapshot_set_id);
  return Status::Ok();
}

Status FakeProvider::DeleteSnapshotLuns(
    const std::vector<providers::SnapshotLun>& luns) {
  std::string ids;
  for (const providers::SnapshotLun& lun : luns) {
    ids += (ids.empty() ? "" : ",") + lun.provider_lun_id;
  }
  SP_RETURN_IF_ERROR(Enter(Step::kDeleteLuns, ids));
  for (const providers::SnapshotLun& lun : luns) {
    live_.erase(lun.provider_lun_id);  // idempotent
  }
  return Status::Ok();
}

Status FakeProvider::DeleteSnapshotSetLuns(const Guid& snapshot_set_id) {
  SP_RETURN_IF_ERROR(Enter(Step::kDeleteSetLuns));
  EraseSet(snapshot_set_id);
  return Status::Ok();
}

void FakeProvider::AddImportable(const LunInformation& destination,
                                 uint64_t size_bytes) {
  importable_[destination.unique_id] = Importable{destination, size_bytes};
}

Result<std::vector<providers::SnapshotLun>> FakeProvider::LocateLuns(
    const std::vector<LunInformation>& snapshot_luns) {
  journal_.push_back("Locate " + std::to_string(snapshot_luns.size()));
  if (!locate_refusal_.ok()) return locate_refusal_;
  std::vector<providers::SnapshotLun> out;
  for (const LunInformation& wanted : snapshot_luns) {
    auto it = importable_.find(wanted.unique_id);
    if (it == importable_.end()) {
      return Status(Code::kAccessDenied,
                    "fake: " + wanted.unique_id + " is not importable here");
    }
    providers::SnapshotLun lun;
    lun.provider_lun_id = "imp-" + wanted.unique_id;
    lun.mapping.destination = it->second.destination;
    out.push_back(std::move(lun));
  }
  for (const LunInformation& wanted : snapshot_luns) {
    located_.insert(wanted.unique_id);
  }
  return out;
}

Result<providers::SurfacedLun> FakeProvider::SurfaceLun(
    const providers::SnapshotLun& lun, bool read_only) {
  const std::string& naa = lun.mapping.destination.unique_id;
  journal_.push_back("Surface " + naa);
  if (located_.count(naa) == 0) {
    return Status(Code::kAccessDenied, "fake: " + naa + " is not located");
  }
  auto known = surfaced_.find(naa);
  if (known != surfaced_.end()) return known->second;
  providers::SurfacedLun s;
  s.lun = lun;
  s.lun.mapping.destination = importable_[naa].destination;
  s.device = "/dev/fake" + std::to_string(next_device_++);
  s.size_bytes = importable_[naa].size_bytes;
  s.read_only = read_only;
  surfaced_[naa] = s;
  return s;
}

Status FakeProvider::UnsurfaceLun(const providers::SnapshotLun& lun) {
  journal_.push_back("Unsurface " + lun.mapping.destination.unique_id);
  surfaced_.erase(lun.mapping.destination.unique_id);
  return Status::Ok();
}

Status FakeProvider::ReleaseLuns(
    const std::vector<providers::SnapshotLun>& luns) {
  for (const providers::SnapshotLun& lun : luns) {
    journal_.push_back("Release " + lun.mapping.destination.unique_id);
    located_.erase(lun.mapping.destination.unique_id);
  }
  return Status::Ok();
}

Result<std::vector<providers::SurfacedLun>> FakeProvider::ListSurfacedLuns() {
  std::vector<providers::SurfacedLun> out;
  for (const auto& [naa, s] : surfaced_) out.push_back(s);
  return out;
}

Result<providers::SnapshotLun> FakeProvider::BreakSnapshotLun(
    const providers::SnapshotLun& lun) {
  const std::string naa = lun.mapping.destination.unique_id;
  SP_RETURN_IF_ERROR(Enter(Step::kBreak, naa));
  if (located_.count(naa) == 0) {
    return Status(Code::kAccessDenied, "fake: " + naa + " is not located");
  }
  if (surfaced_.count(naa) != 0) {
    return Status(Code::kVolumeInUse, "fake: " + naa + " is surfaced");
  }
  const uint64_t n = next_lun_++;
  providers::SnapshotLun out;
  out.provider_lun_id = "broken-" + std::to_string(n);
  out.mapping.source = lun.mapping.source;
  out.mapping.destination = lun.mapping.destination;
  out.mapping.destination.lun_id = out.provider_lun_id;
  out.mapping.destination.serial_number = "BRK" + std::to_string(n);
  out.mapping.destination.unique_id = NaaId(0x20000 + n);
  const std::string& fresh = out.mapping.destination.unique_id;
  const uint64_t size = importable_.count(naa) != 0
                            ? importable_[naa].size_bytes
                            : lun.mapping.destination.size_bytes;
  importable_.erase(naa);
  located_.erase(naa);
  importable_[fresh] = Importable{out.mapping.destination, size};
  located_.insert(fresh);
  broken_[fresh] = naa;
  return out;
}

Result<bool> FakeProvider::AnySnapshotLunExists(
    const std::vector<providers::SnapshotLun>& luns) {
  for (const providers::SnapshotLun& lun : luns) {
    if (live_.count(lun.provider_lun_id) != 0) return true;
  }
  return false;
}

}  // namespace sp::fakes
