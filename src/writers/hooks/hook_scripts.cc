#include "writers/hooks/hook_scripts.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

namespace sp::writers::hooks {
namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// "*.rpm*" and "*.dpkg-*" as globs: the marker anywhere in the name
// ("x.rpmnew", "x.dpkg-old", also "x.rpm.sh").
bool ContainsMarker(std::string_view s, std::string_view marker) {
  return s.find(marker) != std::string_view::npos;
}

}  // namespace

bool IsIgnoredHookName(std::string_view name) {
  if (name.empty() || name.front() == '.') return true;
  static constexpr std::array<std::string_view, 4> kSuffixes = {
      "~", ".bak", ".orig", ".sample"};
  for (std::string_view suffix : kSuffixes) {
    if (EndsWith(name, suffix)) return true;
  }
  return ContainsMarker(name, ".rpm") || ContainsMarker(name, ".dpkg-");
}

Result<HookListing> ListHookScripts(const std::string& dir) {
  std::error_code ec;
  const fs::file_status dir_status = fs::status(dir, ec);
  if (ec || !fs::is_directory(dir_status)) {
    return Status(Code::kObjectNotFound, "hook directory " + dir +
                                             " does not exist or is not a "
                                             "directory");
  }
  HookListing listing;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    return Status(Code::kIoError,
                  "reading hook directory " + dir + ": " + ec.message());
  }
  std::sort(names.begin(), names.end());  // byte order, as LC_ALL=C globs
  for (const std::string& name : names) {
    if (IsIgnoredHookName(name)) {
      // Dot files are invisible to the glob: not even worth a log line.
      if (name.front() != '.')
        listing.skipped.push_back(std::string(name).append(": ignored name"));
      continue;
    }
    std::string path = dir;
    path += '/';
    path += name;
    std::error_code file_ec;
    const fs::file_status st = fs::status(path, file_ec);  // follows links
    if (file_ec || !fs::is_regular_file(st)) {
      listing.skipped.push_back(name + ": not a regular file");
      continue;
    }
    constexpr fs::perms kAnyExec =
        fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
    if ((st.permissions() & kAnyExec) == fs::perms::none) {
      listing.skipped.push_back(name + ": not executable");
      continue;
    }
    listing.scripts.push_back(path);
  }
  return listing;
}

}  // namespace sp::writers::hooks
