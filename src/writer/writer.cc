// sp::Writer's default callbacks and the WriterEvent helpers
// (include/shadowport/writer.h).
#include "shadowport/writer.h"

#include <algorithm>
#include <utility>

namespace sp {

WriterComponents* WriterEvent::Components(const Guid& instance_id) {
  for (WriterComponents& w : bcd.writers) {
    if (w.instance_id == instance_id) return &w;
  }
  return nullptr;
}

const WriterComponents* WriterEvent::Components(const Guid& instance_id) const {
  for (const WriterComponents& w : bcd.writers) {
    if (w.instance_id == instance_id) return &w;
  }
  return nullptr;
}

BcdComponent* WriterEvent::FindComponent(const Guid& instance_id,
                                         std::string_view logical_path,
                                         std::string_view name) {
  WriterComponents* mine = Components(instance_id);
  if (mine == nullptr) return nullptr;
  for (BcdComponent& c : mine->components) {
    if (c.logical_path == logical_path && c.name == name) return &c;
  }
  return nullptr;
}

namespace {

// "/srv/F" covers "/srv/F" and "/srv/F/x", not "/srv/Fx". "/" covers all.
bool Covers(std::string_view mount_point, std::string_view path) {
  while (mount_point.size() > 1 && mount_point.back() == '/') {
    mount_point.remove_suffix(1);
  }
  if (mount_point == "/") return !path.empty() && path.front() == '/';
  if (path.substr(0, mount_point.size()) != mount_point) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

}  // namespace

bool WriterEvent::CoversPath(std::string_view path) const {
  return std::any_of(volumes.begin(), volumes.end(),
                     [&](const std::string& v) { return Covers(v, path); });
}

std::chrono::milliseconds WriterEvent::TimeLeft() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

Writer::Writer(WriterIdentity identity) : identity_(std::move(identity)) {}
Writer::~Writer() = default;

Status Writer::OnPrepareBackup(WriterEvent&) { return Status::Ok(); }
Status Writer::OnPrepareSnapshot(WriterEvent&) { return Status::Ok(); }
Status Writer::OnFreeze(WriterEvent&) { return Status::Ok(); }
Status Writer::OnThaw(WriterEvent&) { return Status::Ok(); }
Status Writer::OnPostSnapshot(WriterEvent&) { return Status::Ok(); }
Status Writer::OnAbort(WriterEvent&) { return Status::Ok(); }
Status Writer::OnBackupComplete(WriterEvent&) { return Status::Ok(); }
Status Writer::OnBackupShutdown(WriterEvent&) { return Status::Ok(); }
Status Writer::OnPreRestore(WriterEvent&) { return Status::Ok(); }
Status Writer::OnPostRestore(WriterEvent&) { return Status::Ok(); }

Code WriterFailureCode(const Status& status) {
  switch (status.code()) {
    case Code::kWriterInconsistentSnapshot:
    case Code::kWriterOutOfResources:
    case Code::kWriterTimeout:
    case Code::kWriterRetryable:
    case Code::kWriterNonRetryable:
    case Code::kWriterRecoveryFailed:
    case Code::kWriterPartialFailure:
      return status.code();
    default:
      return Code::kWriterNonRetryable;
  }
}

}  // namespace sp
