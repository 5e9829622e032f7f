// The array provider's own failures, all prefixed "array provider: ", and
// the prefixing of the array's. Internal to src/providers/array.
//
// Thread safety: free functions over values.
#ifndef SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_ERRORS_H_
#define SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_ERRORS_H_

#include <string>
#include <string_view>
#include <utility>

#include "os/volume_probe.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::providers {

inline constexpr std::string_view kPrefix = "array provider: ";

// The array's status, code kept: "array provider: <what>: <message>".
inline Status WithPrefix(Status status, std::string_view what) {
  return std::move(status).WithContext(std::string(kPrefix) +
                                       std::string(what));
}

// VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER naming the volume.
inline Status NotSupported(const os::VolumeInfo& volume, std::string_view why) {
  std::string message(kPrefix);
  message += volume.device.empty() ? volume.mount_point : volume.device;
  if (!volume.loop_backing_file.empty()) {
    message += " (backing file " + volume.loop_backing_file + ")";
  }
  message += ": ";
  message += why;
  return Status(Code::kVolumeNotSupportedByProvider, std::move(message));
}

inline Status InvalidArg(std::string_view why) {
  return Status(Code::kInvalidArg, std::string(kPrefix) + std::string(why));
}

inline Status BadState(std::string_view why) {
  return Status(Code::kBadState, std::string(kPrefix) + std::string(why));
}

inline Status UnknownSet(const Guid& set_id) {
  return Status(Code::kObjectNotFound, std::string(kPrefix) +
                                           "no snapshot set " +
                                           set_id.ToString() + " in progress");
}

}  // namespace sp::providers

#endif  // SHADOWPORT_PROVIDERS_ARRAY_ARRAY_PROVIDER_ERRORS_H_
