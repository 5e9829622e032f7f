// `shadowport-array attach LUN [--read-only]` (host identity): attaches a
// LUN presented to this host on this machine, as `iscsiadm --login` would:
// Array Attach (idempotent) -> its backing file -> a loop device ->
// SetAttachmentDevice. Prints the device and the LUN's identity. A LUN
// already attached on this machine keeps its loop device (printed again, and
// reported to the array), so attaching twice is harmless. On a failure the
// loop device this run attached is detached again, and an array attachment
// this run made is removed.
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

struct AttachOptions {
  std::string lun;
  bool read_only = false;
  bool json = false;
};

struct Attached {
  std::string device;
  bool read_only = false;
  bool already_attached = false;
};

// The loop device for `info` on this machine: the one already backed by its
// file, or a new one (owned by `owner` until the caller releases it).
Result<Attached> LocalDevice(const AttachInfo& info, bool want_read_only,
                             os::ScopedLoopDevice& owner) {
  const bool read_only = want_read_only || info.read_only;
  SP_ASSIGN_OR_RETURN(std::vector<std::string> existing,
                      os::LoopDevicesBackedBy(info.backing_file));
  if (!existing.empty()) {
    SP_ASSIGN_OR_RETURN(os::LoopDevice device,
                        os::InspectLoopDevice(existing.front()));
    if (read_only && !device.read_only) {
      return Status(Code::kBadState,
                    DescribeLun(info.lun) + " is attached read-write on " +
                        device.path +
                        " already: detach it first to attach it read-only");
    }
    return Attached{device.path, device.read_only, true};
  }
  SP_ASSIGN_OR_RETURN(
      owner, os::ScopedLoopDevice::Attach(
                 info.backing_file, read_only ? os::LoopAccess::kReadOnly
                                              : os::LoopAccess::kReadWrite));
  return Attached{owner.path(), owner.device().read_only, false};
}

Status RunAttach(const AttachOptions& o, Invocation& inv) {
  SP_RETURN_IF_ERROR(RequireHostIdentity(inv.connection, "attach"));
  SP_ASSIGN_OR_RETURN(LunRef ref, ParseLunRef(o.lun));
  SP_ASSIGN_OR_RETURN(auto client, Connect(inv.connection));
  SP_ASSIGN_OR_RETURN(LunInfo lun, ResolveLun(*client, ref));
  // To a host, `attachments` lists its own only.
  const bool was_attached = !lun.attachments.empty();
  SP_ASSIGN_OR_RETURN(AttachInfo info, client->Attach(lun.id));
  ArrayAttachmentGuard array_guard(*client, lun.id, !was_attached);

  os::ScopedLoopDevice loop_guard;
  Result<Attached> attached = LocalDevice(info, o.read_only, loop_guard);
  if (!attached.ok()) {
    return std::move(attached).status().WithContext("attaching " +
                                                    DescribeLun(info.lun));
  }
  Status reported = client->SetAttachmentDevice(lun.id, attached->device);
  if (!reported.ok()) {
    return std::move(reported).WithContext("reporting " + attached->device +
                                           " for " + DescribeLun(info.lun));
  }
  // Committed: the device stays attached and the array knows it.
  (void)loop_guard.Release();
  array_guard.Dismiss();

  const LunInfo& l = info.lun;
  if (o.json) {
    return PrintJson(inv.out, {{"device", attached->device},
                               {"read_only", attached->read_only},
                               {"already_attached", attached->already_attached},
                               {"backing_file", info.backing_file},
                               {"id", l.id},
                               {"name", l.name},
                               {"naa", l.naa},
                               {"serial", l.serial},
                               {"array_id", l.array_id},
                               {"size_bytes", l.size_bytes},
                               {"is_snapshot", l.is_snapshot}});
  }
  inv.out << attached->device << '\n'
          << (attached->already_attached ? "already attached: " : "attached: ")
          << DescribeLun(l) << ", " << l.naa << ", serial " << l.serial
          << (attached->read_only ? ", read-only" : ", read-write") << '\n';
  return Finish(inv.out);
}

}  // namespace

void RegisterAttach(CLI::App& app, Invocation& invocation) {
  auto o = std::make_shared<AttachOptions>();
  CLI::App* cmd = app.add_subcommand(
      "attach",
      "Attach a LUN presented to this host as a loop device (host identity)");
  cmd->add_option("LUN", o->lun, "the LUN's id, name or NAA id")->required();
  cmd->add_flag("--read-only", o->read_only,
                "attach read-only (snapshot LUNs always are)");
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback(
      [o, &invocation] { invocation.status = RunAttach(*o, invocation); });
}

}  // namespace sp::array::cli
