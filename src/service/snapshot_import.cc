// BackupSession::ImportSnapshots: step 6 of the transportable flow on the
// importing host (reference 4.5, "Import"): locate the snapshot LUNs the
// BCD describes, surface them read-only, check that what arrived is what the
// BCD describes, expose them, record the imported set. And the done-signal
// wait of the creating host's session.
#include <map>
#include <utility>

#include "service/session.h"
#include "shadowport/documents.h"

namespace sp::service {
namespace {

// Undoes a partial import unless committed: whatever was surfaced is
// unsurfaced, what was located is released, the inventory row goes.
class ImportGuard {
 public:
  ImportGuard(Service* service, SetRecord* record)
      : service_(service), record_(record) {}
  ImportGuard(const ImportGuard&) = delete;
  ImportGuard& operator=(const ImportGuard&) = delete;
  void Commit() { committed_ = true; }
  ~ImportGuard() {
    if (committed_) return;
    Status status = service_->UndoImport(*record_);
    if (!status.ok()) {
      service_->logger().Error(
          "could not undo the failed import of snapshot set " +
          record_->snapshot_set_id.ToString() +
          " (left recorded as importing; `shadowport cleanup` or the next "
          "start undoes it): " +
          status.ToString());
    }
  }

 private:
  Service* const service_;
  SetRecord* const record_;
  bool committed_ = false;
};

// Whether the LUN that arrived is the one the BCD describes.
Status CheckArrived(const LunInformation& expected,
                    const providers::SurfacedLun& arrived) {
  const LunInformation& got = arrived.lun.mapping.destination;
  if (got.unique_id != expected.unique_id ||
      (!expected.serial_number.empty() &&
       got.serial_number != expected.serial_number)) {
    return Status(
        Code::kMissingDisk,
        "the LUN that arrived (" + got.unique_id + ", serial " +
            got.serial_number + ") is not the one the BCD describes (" +
            expected.unique_id + ", serial " + expected.serial_number + ")");
  }
  if (expected.size_bytes != 0 && arrived.size_bytes != expected.size_bytes) {
    return Status(
        Code::kMissingDisk,
        "snapshot LUN " + expected.unique_id + " arrived as " + arrived.device +
            " of " + std::to_string(arrived.size_bytes) +
            " bytes; the BCD says " + std::to_string(expected.size_bytes));
  }
  return Status::Ok();
}

}  // namespace

Result<ImportOutcome> BackupSession::ImportSnapshots(bool expose) {
  SP_RETURN_IF_ERROR(RequireState({State::kInitialized}, "ImportSnapshots"));
  if (!bcd_.snapshot_set) {
    return Status(Code::kBadState,
                  "ImportSnapshots needs the BCD of a created set "
                  "(InitializeForBackup with systemOne's BCD)");
  }
  const SnapshotSetDescription& described = *bcd_.snapshot_set;
  if (!(described.context & attr::kTransportable)) {
    return Status(Code::kNontransportableBcd,
                  "snapshot set " + described.snapshot_set_id.ToString() +
                      " is not transportable");
  }
  std::lock_guard import_lock(service_->import_mutex());
  const ServiceDeps& deps = service_->deps();
  if (deps.inventory->GetSet(described.snapshot_set_id).ok()) {
    return Status(Code::kObjectAlreadyExists,
                  "snapshot set " + described.snapshot_set_id.ToString() +
                      " is already known on this host");
  }

  // Recorded first, as importing: a crash from here on is undone by
  // `shadowport cleanup` or the next start.
  SetRecord record;
  record.snapshot_set_id = described.snapshot_set_id;
  record.context = described.context;
  record.state = SetState::kImporting;
  record.session_id = id_;
  record.creating_host = described.creating_host;
  for (const SnapshotDescription& d : described.snapshots) {
    SnapshotRecord s;
    s.snapshot_id = d.snapshot_id;
    s.snapshot_set_id = described.snapshot_set_id;
    s.provider_id = d.provider_id;
    s.attributes = (d.attributes | attr::kImported) & ~attr::kNotSurfaced;
    s.original = d.original;
    for (const LunMapping& m : d.luns) {
      s.luns.push_back(providers::SnapshotLun{"", m});
    }
    record.created_us = d.creation_time_us;
    record.snapshots.push_back(std::move(s));
  }
  SP_RETURN_IF_ERROR(deps.inventory->AddSet(record));
  ImportGuard guard(service_, &record);

  // Locate, per provider, all or nothing: a host that may not import gets
  // the array's refusal and nothing changes.
  std::map<providers::Provider*, std::vector<size_t>> by_provider;
  ImportOutcome outcome;
  for (size_t i = 0; i < record.snapshots.size(); ++i) {
    SnapshotRecord& s = record.snapshots[i];
    outcome.snapshots.push_back(
        ImportedSnapshot{s.snapshot_id, Status::Ok(), "", "", s.original});
    providers::Provider* provider = deps.providers->Find(s.provider_id);
    if (provider == nullptr) {
      outcome.snapshots[i].status =
          Status(Code::kObjectNotFound,
                 "provider " + s.provider_id.ToString() +
                     " of this snapshot is not configured on this host");
    } else if (s.luns.size() != 1) {
      outcome.snapshots[i].status =
          Status(Code::kVolumeNotSupported,
                 "a volume on " + std::to_string(s.luns.size()) +
                     " LUNs cannot be assembled here");
    } else {
      by_provider[provider].push_back(i);
    }
  }
  for (auto& [provider, indexes] : by_provider) {
    std::vector<LunInformation> wanted;
    for (size_t i : indexes) {
      wanted.push_back(record.snapshots[i].luns[0].mapping.destination);
    }
    SP_ASSIGN_OR_RETURN(std::vector<providers::SnapshotLun> located,
                        provider->LocateLuns(wanted));
    for (size_t k = 0; k < indexes.size() && k < located.size(); ++k) {
      // Keep the origin identity from the BCD; take the provider's handle.
      record.snapshots[indexes[k]].luns[0].provider_lun_id =
          located[k].provider_lun_id;
    }
  }
  SP_RETURN_IF_ERROR(deps.inventory->UpdateSet(record));
  service_->CrashPoint("import.located");

  // Surface, check, expose each; a snapshot that fails is undone alone.
  size_t imported = 0;
  for (auto& [provider, indexes] : by_provider) {
    for (size_t i : indexes) {
      SnapshotRecord& s = record.snapshots[i];
      ImportedSnapshot& result = outcome.snapshots[i];
      Result<providers::SurfacedLun> surfaced =
          provider->SurfaceLun(s.luns[0], /*read_only=*/true);
      if (surfaced.ok()) {
        s.device = surfaced->device;
        result.status = CheckArrived(s.luns[0].mapping.destination, *surfaced);
      } else {
        result.status = surfaced.status();
      }
      if (result.status.ok()) {
        result.device = s.device;
        ++imported;
        service_->CrashPoint("import.surfaced");
        continue;
      }
      Status undone = provider->UnsurfaceLun(s.luns[0]);
      if (undone.ok()) undone = provider->ReleaseLuns(s.luns);
      if (!undone.ok()) service_->logger().Error(undone.ToString());
      s.device.clear();
    }
  }
  if (imported == 0) {
    std::string why;
    for (const ImportedSnapshot& r : outcome.snapshots) {
      why += "\n  " + r.snapshot_id.ToString() + ": " + r.status.ToString();
    }
    return Status(Code::kNoSnapshotsImported,
                  "no snapshot of set " + record.snapshot_set_id.ToString() +
                      " could be imported:" + why);
  }
  // Only the imported ones are kept.
  std::vector<SnapshotRecord> kept;
  for (size_t i = 0; i < record.snapshots.size(); ++i) {
    if (outcome.snapshots[i].status.ok()) kept.push_back(record.snapshots[i]);
  }
  record.snapshots = std::move(kept);
  record.state = SetState::kImported;
  SP_RETURN_IF_ERROR(deps.inventory->UpdateSet(record));
  guard.Commit();

  if (expose) {
    for (ImportedSnapshot& r : outcome.snapshots) {
      if (!r.status.ok()) continue;
      Result<std::string> path = service_->Expose(r.snapshot_id);
      if (path.ok()) {
        r.exposed_path = *path;
      } else {
        service_->logger().Warning(
            "snapshot " + r.snapshot_id.ToString() +
            " imported but not exposed: " + path.status().ToString());
      }
    }
  }
  for (SnapshotDescription& d : bcd_.snapshot_set->snapshots) {
    d.attributes = (d.attributes | attr::kImported) & ~attr::kNotSurfaced;
  }
  outcome.overall =
      imported == outcome.snapshots.size()
          ? Status::Ok()
          : Status(Code::kSomeSnapshotsNotImported,
                   std::to_string(outcome.snapshots.size() - imported) +
                       " of " + std::to_string(outcome.snapshots.size()) +
                       " snapshots were not imported");
  state_ = State::kImported;
  service_->UpdateSession(Summary());
  service_->logger().Notice(
      "imported snapshot set " + record.snapshot_set_id.ToString() + " from " +
      record.creating_host + ": " + std::to_string(imported) + " of " +
      std::to_string(outcome.snapshots.size()) + " snapshots");
  return outcome;
}

Result<BackupDoneSignal> BackupSession::WaitForBackupDone(
    std::chrono::milliseconds timeout, const std::function<bool()>& cancelled) {
  SP_RETURN_IF_ERROR(RequireState({State::kSnapshotDone}, "WaitForBackupDone"));
  if (!context_.transportable()) {
    return Status(Code::kBadState,
                  "only a transportable set gets a done-signal from its "
                  "importing host");
  }
  return service_->WaitForBackupDone(set_id_, timeout, cancelled);
}

}  // namespace sp::service
