// What the host verbs of `shadowport-array` (attach, detach) share: naming a
// LUN by id, name or NAA id, the host-identity check, the array-side
// compensation of an Attach, and whether a loop device is in use on this
// machine.
//
// The data path a host performs is the one of docs/array.md ("Attaching LUNs
// on a host"): Array Attach (idempotent) -> the backing file ->
// os::AttachLoopDevice -> SetAttachmentDevice, and in reverse for detach.
//
// Thread safety: single-threaded, like the CLI.
#ifndef SHADOWPORT_ARRAY_CLI_HOST_LUNS_H_
#define SHADOWPORT_ARRAY_CLI_HOST_LUNS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "array/array.h"
#include "array/cli/commands.h"
#include "array/rpc/client.h"
#include "shadowport/status.h"

namespace sp::array::cli {

// A LUN on a host verb's command line: an id ("7"), a name ("lun-000007")
// or an NAA id ("naa.6...", any case). Exactly one of id / naa is set.
struct LunRef {
  uint64_t id = 0;
  std::string naa;
};

// E_INVALIDARG for anything else, naming the three forms.
Result<LunRef> ParseLunRef(const std::string& text);

// The LUN `ref` names, as the array shows it to the caller (GetLun or
// FindLunByNaa; to a host, `attachments` holds only its own).
Result<LunInfo> ResolveLun(const rpc::ArrayClient& client, const LunRef& ref);

// E_INVALIDARG "<verb> is a host operation: use --host/--credential-file"
// unless `connection` names a host.
Status RequireHostIdentity(const Connection& connection, std::string_view verb);

// Ok when nothing on this machine uses the block device `device` (a
// "/dev/loopN"): no mount in this mount namespace has it (or one of its
// partitions) as its source, and no other block device (device-mapper, md)
// holds it. Else VSS_E_VOLUME_IN_USE naming the mount point or the holder.
Status CheckDeviceUnused(const std::string& device);

// Compensation of an Array::Attach: unless dismissed, Detach()es the LUN at
// the array when destroyed (its error dropped: the verb is failing already).
// Armed only when the attachment is new, so that a failing verb leaves the
// array's record as it found it.
class ArrayAttachmentGuard {
 public:
  ArrayAttachmentGuard(const rpc::ArrayClient& client, uint64_t id, bool armed)
      : client_(client), id_(id), armed_(armed) {}
  ArrayAttachmentGuard(const ArrayAttachmentGuard&) = delete;
  ArrayAttachmentGuard& operator=(const ArrayAttachmentGuard&) = delete;
  ~ArrayAttachmentGuard() {
    if (armed_) (void)client_.Detach(id_);
  }

  void Dismiss() { armed_ = false; }

 private:
  const rpc::ArrayClient& client_;
  const uint64_t id_;
  bool armed_;
};

// "LUN 7 (lun-000007)"
std::string DescribeLun(const LunInfo& lun);

}  // namespace sp::array::cli

#endif  // SHADOWPORT_ARRAY_CLI_HOST_LUNS_H_
