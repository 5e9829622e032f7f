// BackupSession: one requester's backup (VSS IVssBackupComponents) inside
// shadowportd, from InitializeForBackup to the end of its stream. It keeps
// the VSS call order (a call out of order: VSS_E_BAD_STATE), the session's
// BCD, the writers taking part, and the snapshot set being built; it drives
// DoSnapshotSet (snapshot_creation.cc). Ending the session (End) deletes its
// auto-release snapshot sets and sends BackupShutdown to its writers.
//
// Thread safety: a session belongs to the thread serving its stream.
#ifndef SHADOWPORT_SERVICE_SESSION_H_
#define SHADOWPORT_SERVICE_SESSION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "os/volume_probe.h"
#include "providers/provider.h"
#include "service/service.h"
#include "service/writer_manager.h"
#include "shadowport/bcd.h"
#include "shadowport/context.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::service {

struct SessionWriter {
  WriterStatus status;  // identity and WMD as of Identify
  // Takes no part in this backup from PrepareForBackup on: the requester
  // excluded it, or (component mode) selected none of its components.
  bool excluded = false;
};

struct AddedVolume {
  Guid snapshot_id;
  providers::Provider* provider = nullptr;
  os::VolumeInfo volume;
};

struct ImportedSnapshot {
  Guid snapshot_id;
  Status status;  // OK: imported
  std::string device;
  std::string exposed_path;
  OriginalVolume original;
};

struct ImportOutcome {
  Status overall;  // S_OK, VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED, or an error
  std::vector<ImportedSnapshot> snapshots;
};

class BackupSession {
 public:
  enum class State {
    kNew,
    kInitialized,
    kSetStarted,    // StartSnapshotSet .. DoSnapshotSet
    kSnapshotDone,  // DoSnapshotSet succeeded
    kComplete,      // BackupComplete sent
    kImported,      // ImportSnapshots done (importing host)
    kEnded,
  };

  BackupSession(Service* service, std::string requester_name);
  ~BackupSession();  // End() if not done
  BackupSession(const BackupSession&) = delete;
  BackupSession& operator=(const BackupSession&) = delete;

  const Guid& id() const { return id_; }
  State state() const { return state_; }

  // Each returns VSS_E_BAD_STATE when called out of VSS order.
  Status InitializeForBackup(const std::string& bcd_xml);
  // Once, before StartSnapshotSet (ValidateContext for creation).
  Status SetContext(uint32_t context);
  Status SetBackupState(bool select_components, bool bootable_system_state,
                        BackupType type, bool partial_file_support);
  // Identify; once per session; the writers that answer take part.
  Result<std::vector<WriterStatus>> GatherWriterMetadata();
  Result<Guid> StartSnapshotSet(std::vector<std::string> importers);
  Result<AddedVolume> AddToSnapshotSet(const std::string& volume,
                                       const Guid& provider_id);
  // The requester's BCD (its component selection) to the writers.
  Result<std::string> PrepareForBackup(
      const std::string& bcd_xml, const std::vector<Guid>& excluded_writers);
  // The whole snapshot protocol; returns the BCD with the snapshot set
  // description. On failure nothing of the set survives and the code is
  // that of the failing step.
  Result<std::string> DoSnapshotSet();
  std::vector<WriterStatus> GatherWriterStatus();
  // VSS ImportSnapshots of the set in the BCD given to InitializeForBackup
  // (snapshot_import.cc). Returns per-snapshot outcomes; the overall status
  // is VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED or VSS_E_NO_SNAPSHOTS_IMPORTED (the
  // latter with nothing left behind) when not all were imported, and an
  // error (nothing changed) when the set cannot be located at all.
  Result<ImportOutcome> ImportSnapshots(bool expose);
  // systemOne: waits for the done-signal of this session's transportable
  // set (see Service::WaitForBackupDone).
  Result<BackupDoneSignal> WaitForBackupDone(
      std::chrono::milliseconds timeout,
      const std::function<bool()>& cancelled);
  // The requester's BCD with backup_succeeded per component; writers get
  // BackupComplete (they may truncate logs on success only).
  Result<std::string> BackupComplete(const std::string& bcd_xml);
  Status AbortBackup();
  Result<std::string> SaveBcd() const;

  // Ends the session: Abort to writers if a set is mid-way, BackupShutdown
  // to its writers, deletion of its auto-release sets. Idempotent.
  Status End();

  SessionSummary Summary() const;

 private:
  Status RequireState(std::initializer_list<State> allowed,
                      std::string_view call) const;
  std::vector<Guid> Participants() const;
  // PrepareForBackup's check of bcd_ against the gathered WMDs
  // (component_selection.h: ValidateBackupSelection).
  Status ValidateSelection(const std::vector<Guid>& excluded_writers) const;
  bool HasSelectedComponents(const Guid& instance_id) const;
  EventInput MakeEventInput() const;
  // Sends `event` to the participants; the first failure (writer named).
  Status SendToWriters(WriterEvent event);
  void SendToWritersBestEffort(WriterEvent event);
  void MergeWriterBcd(const Guid& instance_id, const std::string& bcd_xml);
  Status DeleteAutoReleaseSets();

  Service* const service_;
  const Guid id_;
  const std::string requester_name_;
  const int64_t opened_us_;
  State state_ = State::kNew;

  bool context_set_ = false;
  ContextSpec context_;
  bool metadata_gathered_ = false;
  bool prepared_ = false;
  bool backup_started_ = false;  // writers got events that need closing
  std::vector<SessionWriter> writers_;
  BackupComponentsDocument bcd_;

  Guid set_id_;
  std::vector<std::string> importers_;
  std::vector<AddedVolume> volumes_;
};

std::string_view SessionStateName(BackupSession::State state);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_SESSION_H_
