#include "array/faults.h"

#include <csignal>
#include <string>

namespace sp::array {
namespace {

constexpr std::string_view kPoints[] = {
    "lun.after-intent",      "lun.after-file",        "resize.after-grow",
    "snapshot.after-intent", "snapshot.after-clones", "snapshot.before-commit",
    "snapshot.after-commit", "delete.after-intent",   "delete.after-remove",
    "break.after-intent",    "break.after-clone",     "break.after-commit",
};
constexpr std::string_view kClonePrefix = "snapshot.after-clone-";

bool IsPositiveNumber(std::string_view s) {
  if (s.empty() || s.size() > 6 || s.front() == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status FaultInjector::Validate() const {
  if (crash_at_.empty()) return Status::Ok();
  for (std::string_view p : kPoints) {
    if (crash_at_ == p) return Status::Ok();
  }
  std::string_view s = crash_at_;
  if (s.starts_with(kClonePrefix) &&
      IsPositiveNumber(s.substr(kClonePrefix.size()))) {
    return Status::Ok();
  }
  return Status(Code::kInvalidArg, "unknown crash point '" + crash_at_ + "'");
}

void FaultInjector::MaybeCrash(std::string_view point) const {
  if (!crash_at_.empty() && crash_at_ == point) std::raise(SIGKILL);
}

void FaultInjector::MaybeCrash(std::string_view prefix, size_t n) const {
  if (crash_at_.empty()) return;
  MaybeCrash(std::string(prefix) + "-" + std::to_string(n));
}

}  // namespace sp::array
