#include "shadowport/path_translation.h"

#include <cstdio>
#include <optional>
#include <utility>

namespace sp {
namespace {

Status CheckVolumePath(std::string_view path, std::string_view field) {
  Result<std::string> normalized = NormalizeAbsolutePath(path);
  if (!normalized.ok() || *normalized != path) {
    return Status(Code::kInvalidArg, std::string(field) + " " +
                                         QuotedPath(path) +
                                         " is not an absolute normalized path");
  }
  return Status::Ok();
}

Status CheckVolumes(std::span<const VolumeExposure> volumes) {
  for (size_t i = 0; i < volumes.size(); ++i) {
    SP_RETURN_IF_ERROR(
        CheckVolumePath(volumes[i].original_mount_point, "mount point"));
    SP_RETURN_IF_ERROR(
        CheckVolumePath(volumes[i].exposure_root, "exposure root"));
    for (size_t j = 0; j < i; ++j) {
      if (volumes[j].original_mount_point == volumes[i].original_mount_point) {
        return Status(Code::kInvalidArg,
                      "two volumes of the set have the mount point " +
                          QuotedPath(volumes[i].original_mount_point));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::string QuotedPath(std::string_view path) {
  std::string out = "'";
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\' || c == '\'') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

Result<std::string> NormalizeAbsolutePath(std::string_view path) {
  if (path.empty()) return Status(Code::kInvalidArg, "empty path");
  if (path.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidArg,
                  "path " + QuotedPath(path) + " contains a NUL byte");
  }
  if (path.front() != '/') {
    return Status(Code::kInvalidArg,
                  "path " + QuotedPath(path) + " is not absolute");
  }
  std::string out;
  out.reserve(path.size());
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view component = path.substr(pos, end - pos);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      return Status(Code::kPathEscape,
                    "path " + QuotedPath(path) + " has a '..' component");
    }
    out += '/';
    out += component;
  }
  if (out.empty()) out = "/";
  return out;
}

std::optional<std::string_view> PathBelow(std::string_view dir,
                                          std::string_view path) {
  if (dir == "/") return path.substr(1);
  if (!path.starts_with(dir)) return std::nullopt;
  std::string_view rest = path.substr(dir.size());
  if (rest.empty()) return rest;
  if (rest.front() != '/') return std::nullopt;  // /srv/Foo vs /srv/F
  return rest.substr(1);
}

bool PathsOverlap(std::string_view a, std::string_view b) {
  return PathBelow(a, b).has_value() || PathBelow(b, a).has_value();
}

Result<VolumeRelativePath> RelativeToVolume(
    std::string_view original_path, std::span<const VolumeExposure> volumes) {
  SP_RETURN_IF_ERROR(CheckVolumes(volumes));
  SP_ASSIGN_OR_RETURN(std::string path, NormalizeAbsolutePath(original_path));

  std::optional<size_t> best;
  std::string_view best_rest;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const std::string& mount_point = volumes[i].original_mount_point;
    std::optional<std::string_view> rest = PathBelow(mount_point, path);
    if (!rest.has_value()) continue;
    if (best.has_value() &&
        volumes[*best].original_mount_point.size() >= mount_point.size()) {
      continue;
    }
    best = i;
    best_rest = *rest;
  }
  if (!best.has_value()) {
    return Status(Code::kPathNotOnSet,
                  "path " + QuotedPath(original_path) +
                      " is not on a volume of the snapshot set");
  }
  VolumeRelativePath result;
  result.volume_index = *best;
  result.relative_path = best_rest.empty() ? "." : std::string(best_rest);
  return result;
}

Result<std::string> TranslatePath(std::string_view original_path,
                                  std::span<const VolumeExposure> volumes) {
  SP_ASSIGN_OR_RETURN(VolumeRelativePath where,
                      RelativeToVolume(original_path, volumes));
  std::string out = volumes[where.volume_index].exposure_root;
  if (where.relative_path == ".") return out;
  if (out != "/") out += '/';
  out += where.relative_path;
  return out;
}

}  // namespace sp
