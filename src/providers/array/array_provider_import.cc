// ArrayProvider: the import side on this host. LocateLuns (make a set
// visible), SurfaceLun / UnsurfaceLun (an attachment at the array plus a loop
// device here), ReleaseLuns (mask again) and ListSurfacedLuns (what a crash
// left).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <optional>
#include <utility>

#include "os/file_util.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "providers/array/array_provider.h"
#include "providers/array/array_provider_errors.h"

namespace sp::providers {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The size of the block device `device` ("/dev/loop7") from sysfs, in bytes.
Result<uint64_t> DeviceSize(const std::string& device) {
  const std::string name = std::filesystem::path(device).filename().string();
  SP_ASSIGN_OR_RETURN(
      std::string text,
      os::ReadSmallFile("/sys/class/block/" + name + "/size", 64));
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  uint64_t sectors = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), sectors);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size()) {
    return Status(Code::kIoError, "cannot read the size of " + device);
  }
  return sectors * 512;
}

// "MAJ:MIN" of the block device `device` ("/dev/loop7") from sysfs; "" when
// sysfs cannot tell.
std::string DeviceNumber(const std::string& device) {
  const std::string name = std::filesystem::path(device).filename().string();
  Result<std::string> text =
      os::ReadSmallFile("/sys/class/block/" + name + "/dev", 64);
  if (!text.ok()) return "";
  std::string number = *text;
  while (!number.empty() &&
         std::isspace(static_cast<unsigned char>(number.back()))) {
    number.pop_back();
  }
  return number;
}

// The mount of any of `devices` in this mount namespace, if there is one;
// matched by device number (whatever path it was mounted by) or by source.
Result<std::optional<os::MountInfo>> MountOfAny(
    const std::vector<std::string>& devices) {
  if (devices.empty()) return std::optional<os::MountInfo>();
  std::vector<std::string> numbers;
  numbers.reserve(devices.size());
  for (const std::string& device : devices) {
    numbers.push_back(DeviceNumber(device));
  }
  SP_ASSIGN_OR_RETURN(std::string text,
                      os::ReadSmallFile("/proc/self/mountinfo", 16u << 20));
  SP_ASSIGN_OR_RETURN(std::vector<os::MountInfo> mounts,
                      os::ParseMountInfo(text));
  for (const os::MountInfo& mount : mounts) {
    const std::string number =
        std::to_string(mount.major) + ":" + std::to_string(mount.minor);
    if (std::find(numbers.begin(), numbers.end(), number) != numbers.end() ||
        std::find(devices.begin(), devices.end(), mount.source) !=
            devices.end()) {
      return std::optional<os::MountInfo>(mount);
    }
  }
  return std::optional<os::MountInfo>();
}

// The SnapshotLun of `info` as the array reports it now; `source` as given.
SnapshotLun Describe(const array::LunInfo& info, const LunInformation& source) {
  SnapshotLun out;
  out.provider_lun_id = std::to_string(info.id);
  out.mapping.source = source;
  out.mapping.destination = info.ToLunInformation();
  return out;
}

// What the array knows of a snapshot LUN's origin (an importer may not see
// the origin itself).
LunInformation OriginOf(const array::LunInfo& info) {
  LunInformation source;
  source.array_id = info.array_id;
  source.unique_id = info.origin_naa;
  return source;
}

}  // namespace

Result<std::vector<SnapshotLun>> ArrayProvider::LocateLuns(
    const std::vector<LunInformation>& snapshot_luns) {
  std::vector<std::string> naa_ids;
  naa_ids.reserve(snapshot_luns.size());
  for (const LunInformation& info : snapshot_luns) {
    naa_ids.push_back(info.unique_id);
  }
  // SP_E_ACCESS_DENIED, SP_E_IMPORT_COLLISION (cluster rule) and
  // VSS_E_VOLUME_IN_USE (imported elsewhere) keep their codes.
  Result<std::vector<array::LunInfo>> located = client_->LocateLuns(naa_ids);
  if (!located.ok()) {
    return WithPrefix(std::move(located).status(), "locating snapshot LUNs");
  }
  std::vector<SnapshotLun> out;
  for (const std::string& naa : naa_ids) {
    auto lun = std::find_if(
        located->begin(), located->end(),
        [&](const array::LunInfo& l) { return Lower(l.naa) == Lower(naa); });
    if (lun == located->end()) {
      return Status(Code::kUnexpectedProviderError,
                    std::string(kPrefix) + "the array did not locate " + naa);
    }
    out.push_back(Describe(*lun, OriginOf(*lun)));
  }
  return out;
}

Result<SurfacedLun> ArrayProvider::SurfaceLun(const SnapshotLun& lun,
                                              bool read_only) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
  const std::string what = "LUN " + std::to_string(id);
  Result<array::AttachInfo> attach = client_->Attach(id);
  if (!attach.ok()) {
    return WithPrefix(std::move(attach).status(), "attaching " + what);
  }
  const std::string& file = attach->backing_file;

  // Whatever fails from here on undoes what this call made: the loop device
  // it attached, and the array's attachment unless a device of the LUN
  // already existed (then the attachment is real).
  os::ScopedLoopDevice made;
  bool reused = false;
  auto fail = [&](Status status, std::string_view doing) -> Status {
    if (made.owns()) (void)made.Detach();
    if (!reused) (void)client_->Detach(id);
    return WithPrefix(std::move(status), std::string(doing) + " " + what);
  };

  Result<std::vector<std::string>> existing = os::LoopDevicesBackedBy(file);
  if (!existing.ok()) {
    return fail(std::move(existing).status(), "finding the loop devices of");
  }
  SurfacedLun out;
  if (!existing->empty()) {
    reused = true;
    // Prefer the device the array has on record.
    out.device = existing->front();
    for (const array::Attachment& a : attach->lun.attachments) {
      if (std::find(existing->begin(), existing->end(), a.device) !=
          existing->end()) {
        out.device = a.device;
      }
    }
    Result<os::LoopDevice> device = os::InspectLoopDevice(out.device);
    if (!device.ok()) {
      return fail(std::move(device).status(), "inspecting the device of");
    }
    out.read_only = device->read_only;
  } else {
    const bool ro = read_only || attach->read_only;
    Result<os::ScopedLoopDevice> device = os::ScopedLoopDevice::Attach(
        file, ro ? os::LoopAccess::kReadOnly : os::LoopAccess::kReadWrite);
    if (!device.ok()) {
      return fail(std::move(device).status(), "attaching a loop device for");
    }
    made = std::move(*device);
    out.device = made.path();
    out.read_only = made.device().read_only;
  }

  Status reported = client_->SetAttachmentDevice(id, out.device);
  if (!reported.ok()) {
    return fail(std::move(reported), "reporting " + out.device + " for");
  }
  Result<uint64_t> size = DeviceSize(out.device);
  out.size_bytes = size.ok() ? *size : attach->lun.size_bytes;
  out.snapshot_set_id = attach->lun.snapshot_set_id;
  out.lun = Describe(attach->lun, lun.mapping.source);
  (void)made.Release();  // surfaced: the device stays
  return out;
}

Status ArrayProvider::UnsurfaceLun(const SnapshotLun& lun) {
  SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
  const std::string what = "LUN " + std::to_string(id);
  // Attach is how a host learns a LUN's file; it is idempotent, and the
  // attachment goes again below.
  Result<array::AttachInfo> attach = client_->Attach(id);
  if (!attach.ok()) {
    // Not presented to this host (or gone): the array holds no attachment
    // of it for this host, so there is nothing the provider surfaced.
    if (attach.status().code() == Code::kAccessDenied) return Status::Ok();
    return WithPrefix(std::move(attach).status(), "looking up " + what);
  }
  Result<std::vector<std::string>> devices =
      os::LoopDevicesBackedBy(attach->backing_file);
  if (!devices.ok()) {
    return WithPrefix(std::move(devices).status(),
                      "finding the loop devices of " + what);
  }
  Result<std::optional<os::MountInfo>> mounted = MountOfAny(*devices);
  if (!mounted.ok()) {
    return WithPrefix(std::move(mounted).status(), "checking mounts");
  }
  if (*mounted) {
    return Status(Code::kVolumeInUse,
                  std::string(kPrefix) + what + " (" + (*mounted)->source +
                      ") is mounted at " + (*mounted)->mount_point +
                      ": unmount it first");
  }
  for (const std::string& path : *devices) {
    // Detach checks the device is still backed by the same file.
    Result<os::LoopDevice> device = os::InspectLoopDevice(path);
    if (!device.ok()) {
      if (device.status().code() == Code::kObjectNotFound) continue;  // gone
      return WithPrefix(std::move(device).status(), "inspecting " + path);
    }
    Status detached = os::DetachLoopDevice(*device);
    if (!detached.ok() && detached.code() != Code::kObjectNotFound) {
      std::string context = "detaching " + path;
      context += " of " + what;
      return WithPrefix(std::move(detached), context);
    }
  }
  Status forgotten = client_->Detach(id);
  if (!forgotten.ok()) {
    return WithPrefix(std::move(forgotten), "detaching " + what);
  }
  return Status::Ok();
}

Status ArrayProvider::ReleaseLuns(const std::vector<SnapshotLun>& luns) {
  std::vector<uint64_t> ids;
  for (const SnapshotLun& lun : luns) {
    SP_ASSIGN_OR_RETURN(uint64_t id, ParseLunId(lun));
    ids.push_back(id);
  }
  if (ids.empty()) return Status::Ok();
  Result<array::Caller> me = client_->WhoAmI();
  if (!me.ok()) return WithPrefix(std::move(me).status(), "asking who we are");
  for (uint64_t id : ids) {
    Status released = client_->Unpresent(id, me->host);
    // SP_E_ACCESS_DENIED: not presented to this host (any more), or gone.
    if (released.ok() || released.code() == Code::kAccessDenied) continue;
    return WithPrefix(std::move(released),
                      "unpresenting LUN " + std::to_string(id));
  }
  return Status::Ok();
}

Result<std::vector<SurfacedLun>> ArrayProvider::ListSurfacedLuns() {
  Result<std::vector<array::LunInfo>> snaps =
      client_->ListSnapshots(std::nullopt);
  if (!snaps.ok()) {
    return WithPrefix(std::move(snaps).status(),
                      "listing this host's snapshot LUNs");
  }
  std::vector<SurfacedLun> out;
  for (const array::LunInfo& info : *snaps) {
    // A host is shown only its own attachment.
    if (info.attachments.empty()) continue;
    SurfacedLun surfaced;
    surfaced.lun = Describe(info, OriginOf(info));
    surfaced.device = info.attachments.front().device;
    surfaced.size_bytes = info.size_bytes;
    surfaced.read_only = info.read_only;
    surfaced.snapshot_set_id = info.snapshot_set_id;
    if (surfaced.device.empty()) {
      // Attached, but the device was never reported (a crash in between):
      // look for it. Attach only answers the file: the LUN is attached.
      Result<array::AttachInfo> attach = client_->Attach(info.id);
      if (attach.ok()) {
        Result<std::vector<std::string>> devices =
            os::LoopDevicesBackedBy(attach->backing_file);
        if (devices.ok() && !devices->empty()) {
          surfaced.device = devices->front();
        }
      }
    }
    if (!surfaced.device.empty()) {
      // A stale record may name a device now unbound (size 0) or gone.
      Result<uint64_t> size = DeviceSize(surfaced.device);
      if (size.ok() && *size > 0) surfaced.size_bytes = *size;
    }
    out.push_back(std::move(surfaced));
  }
  return out;
}

}  // namespace sp::providers
