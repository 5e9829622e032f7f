#include "array/cli/host_luns.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "array/cli/output.h"
#include "array/rpc/files.h"
#include "os/mounts.h"

namespace sp::array::cli {
namespace {

constexpr size_t kMaxMountInfoBytes = size_t{64} << 20;

// True when `source` is `device` or one of its partitions ("/dev/loop3p1").
bool IsDeviceOrPartition(const std::string& source, const std::string& device) {
  if (source == device) return true;
  if (!source.starts_with(device + "p")) return false;
  const std::string_view rest =
      std::string_view(source).substr(device.size() + 1);
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char ch) {
    return std::isdigit(static_cast<unsigned char>(ch)) != 0;
  });
}

}  // namespace

Result<LunRef> ParseLunRef(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  });
  if (lower.starts_with("naa.")) return LunRef{0, text};
  Result<uint64_t> id = ParseLunId(text);
  if (!id.ok()) {
    return Status(Code::kInvalidArg,
                  "\"" + text +
                      "\" is not a LUN id (7), name (lun-000007) or NAA id "
                      "(naa.6...)");
  }
  return LunRef{*id, ""};
}

Result<LunInfo> ResolveLun(const rpc::ArrayClient& client, const LunRef& ref) {
  if (!ref.naa.empty()) return client.FindLunByNaa(ref.naa);
  return client.GetLun(ref.id);
}

Status RequireHostIdentity(const Connection& connection,
                           std::string_view verb) {
  if (!connection.host.empty()) return Status::Ok();
  return Status(
      Code::kInvalidArg,
      std::string(verb) + " is a host operation: use --host/--credential-file");
}

Status CheckDeviceUnused(const std::string& device) {
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) {
    return FromErrno(errno, "checking " + device);
  }
  if (!S_ISBLK(st.st_mode)) {
    return Status(Code::kInvalidArg, device + ": not a block device");
  }
  const uint32_t major_number = major(st.st_rdev);
  const uint32_t minor_number = minor(st.st_rdev);

  SP_ASSIGN_OR_RETURN(
      std::string text,
      rpc::ReadSmallFile("/proc/self/mountinfo", kMaxMountInfoBytes));
  SP_ASSIGN_OR_RETURN(std::vector<os::MountInfo> mounts,
                      os::ParseMountInfo(text));
  for (const os::MountInfo& m : mounts) {
    if ((m.major == major_number && m.minor == minor_number) ||
        IsDeviceOrPartition(m.source, device)) {
      return Status(
          Code::kVolumeInUse,
          device + " is mounted on " + m.mount_point + ": unmount it first");
    }
  }

  const std::string holders = "/sys/dev/block/" + std::to_string(major_number) +
                              ":" + std::to_string(minor_number) + "/holders";
  std::error_code ec;
  std::filesystem::directory_iterator holder(holders, ec);
  if (!ec && holder != std::filesystem::directory_iterator()) {
    return Status(Code::kVolumeInUse,
                  device + " is held by " + holder->path().filename().string() +
                      " (device-mapper, md...): remove that first");
  }
  return Status::Ok();
}

std::string DescribeLun(const LunInfo& lun) {
  return "LUN " + std::to_string(lun.id) + " (" + lun.name + ")";
}

}  // namespace sp::array::cli
