// `shadowport-array detach LUN` (host identity): the reverse of attach.
// Refuses (VSS_E_VOLUME_IN_USE, naming the mount point) while a loop device
// of the LUN is mounted or held on this machine; otherwise detaches exactly
// the loop devices backed by the LUN's file (never `losetup -D`), then the
// array's attachment. Detaching a LUN not attached here succeeds.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "array/cli/commands.h"
#include "array/cli/host_luns.h"
#include "array/cli/output.h"
#include "os/loop_device.h"

namespace sp::array::cli {
namespace {

struct DetachOptions {
  std::string lun;
  bool json = false;
};

// Detaches every loop device backed by `file`, each after checking that
// nothing uses it. Returns the devices detached.
Result<std::vector<std::string>> DetachLocalDevices(const std::string& file) {
  SP_ASSIGN_OR_RETURN(std::vector<std::string> devices,
                      os::LoopDevicesBackedBy(file));
  // All checked before any is detached: a refusal changes nothing.
  for (const std::string& device : devices) {
    SP_RETURN_IF_ERROR(CheckDeviceUnused(device));
  }
  for (const std::string& device : devices) {
    Result<os::LoopDevice> loop = os::InspectLoopDevice(device);
    if (!loop.ok() && loop.status().code() == Code::kObjectNotFound) {
      continue;  // detached meanwhile
    }
    if (!loop.ok()) return std::move(loop).status();
    SP_RETURN_IF_ERROR(os::DetachLoopDevice(*loop));
  }
  // DetachLoopDevice succeeds for a device still open elsewhere (the kernel
  // detaches it at the last close), but then the LUN is still in use here.
  SP_ASSIGN_OR_RETURN(std::vector<std::string> left,
                      os::LoopDevicesBackedBy(file));
  if (!left.empty()) {
    return Status(Code::kVolumeInUse,
                  left.front() +
                      " is still open by some process; the kernel detaches it "
                      "when that closes it: run detach again then");
  }
  return devices;
}

Status RunDetach(const DetachOptions& o, Invocation& inv) {
  SP_RETURN_IF_ERROR(RequireHostIdentity(inv.connection, "detach"));
  SP_ASSIGN_OR_RETURN(LunRef ref, ParseLunRef(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(LunInfo lun, ResolveLun(*client, ref));
  const bool was_attached = !lun.attachments.empty();
  // Attach is idempotent and names the backing file; an attachment it makes
  // only for that is removed again on failure (and by Detach on success).
  SP_ASSIGN_OR_RETURN(AttachInfo info, client->Attach(lun.id));
  ArrayAttachmentGuard array_guard(*client, lun.id, !was_attached);

  Result<std::vector<std::string>> devices =
      DetachLocalDevices(info.backing_file);
  if (!devices.ok()) {
    return std::move(devices).status().WithContext("detaching " +
                                                   DescribeLun(info.lun));
  }
  array_guard.Dismiss();
  Status detached = client->Detach(lun.id);
  if (!detached.ok()) {
    return std::move(detached).WithContext(
        "detaching " + DescribeLun(info.lun) +
        " at the array (its loop devices are detached; run detach again)");
  }

  const LunInfo& l = info.lun;
  if (o.json) {
    return PrintJson(inv.out, {{"id", l.id},
                               {"name", l.name},
                               {"naa", l.naa},
                               {"devices", *devices},
                               {"detached", true}});
  }
  if (devices->empty()) {
    inv.out << "detached " << DescribeLun(l)
            << " (no loop device was attached on this machine)\n";
  } else {
    inv.out << "detached " << DescribeLun(l) << " from " << JoinOrDash(*devices)
            << '\n';
  }
  return Finish(inv.out);
}

}  // namespace

void RegisterDetach(CLI::App& app, Invocation& invocation) {
  auto o = std::make_shared<DetachOptions>();
  CLI::App* cmd = app.add_subcommand(
      "detach", "Detach a LUN from this host (host identity)");
  cmd->add_option("LUN", o->lun, "the LUN's id, name or NAA id")->required();
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunDetach(*o, invocation); });
}

}  // namespace sp::array::cli
