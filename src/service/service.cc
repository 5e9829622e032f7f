#include "service/service.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <utility>

#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "shadowport/encoding.h"

namespace sp::service {

Service::Service(ServiceDeps deps) : deps_(std::move(deps)) {}

void Service::CrashPoint(std::string_view point) const {
  if (deps_.crash_at.empty()) return;
  if (deps_.crash_at == point) {
    logger().Warning("crash test: SIGKILL at " + std::string(point));
    raise(SIGKILL);
  }
  if (deps_.crash_at == "stall-" + std::string(point)) {
    logger().Warning("crash test: stalling " +
                     std::to_string(kCrashTestStall.count()) + " ms at " +
                     std::string(point));
    std::this_thread::sleep_for(kCrashTestStall);
  }
}

Status Service::BeginCreation(const Guid& session_id) {
  std::lock_guard lock(mu_);
  if (creation_ && *creation_ != session_id) {
    return Status(Code::kSnapshotSetInProgress,
                  "another snapshot set is being created on this host "
                  "(session " +
                      creation_->ToString() + ")");
  }
  creation_ = session_id;
  return Status::Ok();
}

void Service::EndCreation(const Guid& session_id) {
  std::lock_guard lock(mu_);
  if (creation_ && *creation_ == session_id) creation_.reset();
}

std::optional<Guid> Service::CreationInFlight() const {
  std::lock_guard lock(mu_);
  return creation_;
}

void Service::OpenSession(const SessionSummary& summary) {
  std::lock_guard lock(mu_);
  sessions_[summary.session_id] = summary;
}

void Service::UpdateSession(const SessionSummary& summary) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(summary.session_id);
  if (it != sessions_.end()) it->second = summary;
}

void Service::CloseSession(const Guid& session_id) {
  std::lock_guard lock(mu_);
  sessions_.erase(session_id);
  if (creation_ && *creation_ == session_id) creation_.reset();
}

std::vector<SessionSummary> Service::Sessions() const {
  std::lock_guard lock(mu_);
  std::vector<SessionSummary> out;
  for (const auto& [id, summary] : sessions_) out.push_back(summary);
  return out;
}

Status Service::DeliverBackupDone(const BackupDoneSignal& signal) {
  SP_ASSIGN_OR_RETURN(SetRecord set,
                      deps_.inventory->GetSet(signal.snapshot_set_id));
  bool allowed = false;
  for (const std::string& importer : set.importers) {
    if (importer == signal.from_host || importer.starts_with("cluster:")) {
      allowed = true;
    }
  }
  if (!allowed) {
    logger().Warning("refused a done-signal for set " +
                     set.snapshot_set_id.ToString() + " from host '" +
                     signal.from_host + "', which is not one of its importers");
    return Status(Code::kAccessDenied,
                  "host '" + signal.from_host +
                      "' is not an importer of snapshot set " +
                      set.snapshot_set_id.ToString());
  }
  SP_ASSIGN_OR_RETURN(BackupComponentsDocument bcd, LoadBcd(signal.bcd_xml));
  if (bcd.snapshot_set &&
      bcd.snapshot_set->snapshot_set_id != signal.snapshot_set_id) {
    return Status(Code::kInvalidXmlDocument,
                  "the done-signal's BCD describes snapshot set " +
                      bcd.snapshot_set->snapshot_set_id.ToString() + ", not " +
                      signal.snapshot_set_id.ToString());
  }
  ForgetIfDeletedElsewhere(set);
  {
    std::lock_guard lock(mu_);
    BackupDoneSignal stored = signal;
    stored.received_us = NowUtcMicros();
    done_[signal.snapshot_set_id] = std::move(stored);
  }
  done_arrived_.notify_all();
  logger().Notice("done-signal for snapshot set " +
                  signal.snapshot_set_id.ToString() + " from " +
                  signal.from_host);
  return Status::Ok();
}

void Service::ForgetIfDeletedElsewhere(const SetRecord& set) {
  for (const SnapshotRecord& snapshot : set.snapshots) {
    providers::Provider* provider = deps_.providers->Find(snapshot.provider_id);
    if (provider == nullptr || snapshot.luns.empty()) return;
    Result<bool> exists = provider->AnySnapshotLunExists(snapshot.luns);
    if (!exists.ok() || *exists) return;  // unknown or alive: keep it
  }
  if (set.snapshots.empty()) return;
  if (deps_.inventory->RemoveSet(set.snapshot_set_id).ok()) {
    logger().Notice("snapshot set " + set.snapshot_set_id.ToString() +
                    " was deleted by its importing host; forgotten here");
  }
}

Result<BackupDoneSignal> Service::WaitForBackupDone(
    const Guid& set_id, std::chrono::milliseconds timeout,
    const std::function<bool()>& cancelled) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  while (true) {
    auto it = done_.find(set_id);
    if (it != done_.end()) {
      BackupDoneSignal signal = std::move(it->second);
      done_.erase(it);
      return signal;
    }
    if (cancelled && cancelled()) {
      return Status(Code::kCancelled,
                    "the wait for the done-signal of snapshot set " +
                        set_id.ToString() + " was cancelled");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) {
      return Status(Code::kDeadlineExceeded,
                    "no done-signal for snapshot set " + set_id.ToString() +
                        " within " + std::to_string(timeout.count()) + " ms");
    }
    done_arrived_.wait_for(lock,
                           std::min<std::chrono::steady_clock::duration>(
                               end - now, std::chrono::milliseconds(100)));
  }
}

Result<providers::Provider*> Service::ProviderOf(
    const SnapshotRecord& snapshot) {
  providers::Provider* provider = deps_.providers->Find(snapshot.provider_id);
  if (provider == nullptr) {
    return Status(Code::kObjectNotFound,
                  "snapshot " + snapshot.snapshot_id.ToString() +
                      " was made by provider " +
                      snapshot.provider_id.ToString() +
                      ", which is not configured on this host");
  }
  return provider;
}

Status Service::DeleteSnapshotRecord(const SnapshotRecord& snapshot) {
  if (snapshot.attributes & attr::kImported) {
    SP_RETURN_IF_ERROR(Unsurface(snapshot));
  }
  if (!snapshot.luns.empty()) {
    SP_ASSIGN_OR_RETURN(providers::Provider * provider, ProviderOf(snapshot));
    SP_RETURN_IF_ERROR(provider->DeleteSnapshotLuns(snapshot.luns));
  }
  return deps_.inventory->RemoveSnapshot(snapshot.snapshot_id);
}

Status Service::DeleteSet(const SetRecord& set) {
  SP_RETURN_IF_ERROR(
      deps_.inventory->SetState(set.snapshot_set_id, SetState::kDeleting));
  for (const SnapshotRecord& snapshot : set.snapshots) {
    Status status = DeleteSnapshotRecord(snapshot);
    if (!status.ok()) {
      return std::move(status).WithContext("deleting snapshot " +
                                           snapshot.snapshot_id.ToString());
    }
  }
  // LUNs the records do not name (a crash between commit and recording):
  // every provider that may have made some is asked by set id.
  std::set<providers::Provider*> asked;
  for (const SnapshotRecord& snapshot : set.snapshots) {
    providers::Provider* p = deps_.providers->Find(snapshot.provider_id);
    if (p != nullptr && asked.insert(p).second) {
      SP_RETURN_IF_ERROR(p->DeleteSnapshotSetLuns(set.snapshot_set_id));
    }
  }
  Status removed = deps_.inventory->RemoveSet(set.snapshot_set_id);
  if (!removed.ok() && removed.code() != Code::kObjectNotFound) return removed;
  logger().Notice("deleted snapshot set " + set.snapshot_set_id.ToString() +
                  " (" + std::to_string(set.snapshots.size()) + " snapshots)");
  return Status::Ok();
}

Result<DeleteOutcome> Service::DeleteSnapshots(const Guid& id, bool is_set,
                                               bool force) {
  SP_ASSIGN_OR_RETURN(SetRecord set, is_set
                                         ? deps_.inventory->GetSet(id)
                                         : deps_.inventory->FindSnapshot(id));
  if (set.state == SetState::kCreating || set.state == SetState::kImporting) {
    return Status(Code::kSnapshotSetInProgress,
                  "snapshot set " + set.snapshot_set_id.ToString() +
                      " is still " + std::string(SetStateName(set.state)) +
                      "; it cannot be deleted now");
  }
  if (!force &&
      LifetimeOf(set.snapshots.empty() ? set.context
                                       : set.snapshots.front().attributes) ==
          Lifetime::kAutoRelease) {
    std::lock_guard lock(mu_);
    if (sessions_.count(set.session_id) != 0) {
      return Status(Code::kBadState,
                    "snapshot set " + set.snapshot_set_id.ToString() +
                        " is auto-release and its session " +
                        set.session_id.ToString() +
                        " is alive: it is deleted when that session ends "
                        "(use --force to delete it now)");
    }
  }
  DeleteOutcome outcome;
  if (is_set) {
    Status status = DeleteSet(set);
    if (!status.ok()) return status;
    outcome.deleted = static_cast<uint32_t>(set.snapshots.size());
    return outcome;
  }
  for (const SnapshotRecord& snapshot : set.snapshots) {
    if (snapshot.snapshot_id != id) continue;
    SP_RETURN_IF_ERROR(DeleteSnapshotRecord(snapshot));
    outcome.deleted = 1;
  }
  return outcome;
}

Result<int> Service::ReconcileAtStart() {
  SP_ASSIGN_OR_RETURN(std::vector<SetRecord> sets, deps_.inventory->ListSets());
  int removed = 0;
  for (const SetRecord& set : sets) {
    const StartAction action = ActionAtStart(set);
    if (action == StartAction::kKeep) continue;
    Status status;
    if (set.state == SetState::kImporting) {
      logger().Warning("the import of snapshot set " +
                       set.snapshot_set_id.ToString() +
                       " was cut off (the service stopped); undoing it");
      status = UndoImport(set);
    } else if (action == StartAction::kAbort) {
      logger().Warning("snapshot set " + set.snapshot_set_id.ToString() +
                       " was cut off while " +
                       std::string(SetStateName(set.state)) +
                       " (the service stopped); aborting it");
      for (providers::Provider* provider : deps_.providers->All()) {
        if (!status.ok()) break;
        status = provider->DeleteSnapshotSetLuns(set.snapshot_set_id);
      }
      if (status.ok()) status = deps_.inventory->RemoveSet(set.snapshot_set_id);
    } else {
      logger().Notice("deleting snapshot set " +
                      set.snapshot_set_id.ToString() +
                      " at start (its lifetime ended with the service or "
                      "its session)");
      status = DeleteSet(set);
    }
    if (!status.ok()) {
      logger().Error("could not clean up snapshot set " +
                     set.snapshot_set_id.ToString() +
                     " at start; it stays recorded and is retried at the "
                     "next start: " +
                     status.ToString());
      continue;
    }
    ++removed;
  }
  return removed;
}

}  // namespace sp::service
