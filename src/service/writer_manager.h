// WriterManager: shadowportd's side of proto/writer.proto. Writers connect
// on a stream, register with their identity and WMD, and receive events in
// VSS order (reference section 3); the manager tracks each writer's VSS
// state (VSS_WS_*) and failure (VSS_E_WRITERERROR_*), enforces a deadline per
// event, and notices a writer whose stream ends.
//
// Registration (the first message of a stream) is refused with the exact
// code in trailers (status_codec.h): VSS_E_WRITER_ALREADY_SUBSCRIBED for an
// instance id already connected, VSS_E_INVALID_XML_DOCUMENT for a WMD that
// does not load (LoadWmd) or names another writer or instance, E_INVALIDARG
// for bad ids. proto/writer.proto and docs/writers.md are the contract.
//
// The coordinator (one backup session at a time for Freeze..PostSnapshot;
// any number for Identify/BackupComplete/BackupShutdown) calls SendEvent
// with the writers taking part; it returns when each of them answered, failed
// or passed its deadline.
//
// Thread safety: all methods may be called from any thread.
#ifndef SHADOWPORT_SERVICE_WRITER_MANAGER_H_
#define SHADOWPORT_SERVICE_WRITER_MANAGER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "shadowport/writer_event_kind.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace sp::service {

// The writer events (shadowport/writer_event_kind.h, shared with sp::Writer).
using WriterEvent = ::sp::WriterEventKind;
inline std::string_view WriterEventName(WriterEvent event) {  // "Freeze"
  return WriterEventKindName(event);
}

// VSS_WRITER_STATE values (reference 3.2).
enum class WriterState : uint32_t {
  kUnknown = 0,
  kStable = 1,
  kWaitingForFreeze = 2,
  kWaitingForThaw = 3,
  kWaitingForPostSnapshot = 4,
  kWaitingForBackupComplete = 5,
  kFailedAtIdentify = 6,
  kFailedAtPrepareBackup = 7,
  kFailedAtPrepareSnapshot = 8,
  kFailedAtFreeze = 9,
  kFailedAtThaw = 10,
  kFailedAtPostSnapshot = 11,
  kFailedAtBackupComplete = 12,
  kFailedAtPreRestore = 13,
  kFailedAtPostRestore = 14,
  kFailedAtBackupShutdown = 15,
};
std::string_view WriterStateName(WriterState state);  // "VSS_WS_STABLE"

struct WriterStatus {
  Guid writer_id;    // the writer class
  Guid instance_id;  // this running instance
  std::string writer_name;
  std::string instance_name;
  WriterState state = WriterState::kStable;
  Status failure;           // VSS_E_WRITERERROR_* or OK
  std::string app_message;  // the writer's own words on failure
  std::string wmd_xml;      // as of the last Identify
  int64_t connected_us = 0;
};

// What an event carries to the writers.
struct EventInput {
  Guid session_id;       // the backup session (its id)
  Guid snapshot_set_id;  // null before StartSnapshotSet
  std::string bcd_xml;   // the BCD as it stands (components selected,
                         // backup_succeeded flags for BackupComplete)
  std::vector<std::string> volumes;  // mount points of the set
  uint32_t context = 0;
};

// What one writer answered.
struct EventOutcome {
  Guid instance_id;
  Status status;        // OK, or its failure (VSS_E_WRITERERROR_*)
  std::string wmd_xml;  // Identify: the writer's WMD
  std::string bcd_xml;  // PrepareForBackup/PostSnapshot: the writer's
                        // component updates (stamps, metadata); may be ""
};

struct WriterManagerOptions {
  // Deadline per event; Freeze is bounded by freeze_to_thaw (VSS 60 s from
  // Freeze to Thaw, shared/reference/vss.md 3.4).
  std::chrono::milliseconds event_timeout{60000};
  std::chrono::milliseconds freeze_to_thaw{60000};
};

class WriterManager {
 public:
  static std::unique_ptr<WriterManager> Create(
      const WriterManagerOptions& options);
  virtual ~WriterManager() = default;

  // The gRPC service (proto/writer.proto) to register on the daemon's
  // server.
  virtual grpc::Service* service() = 0;

  // The writers connected now, by instance id. The state is the writer's
  // latest, whichever session moved it (per-session status is the
  // coordinator's, from SendEvent's outcomes).
  virtual std::vector<WriterStatus> ListWriters() = 0;

  // Sends `event` to each writer in `instances` (every connected writer if
  // `instances` is empty) concurrently and waits for every answer or
  // deadline, holding no lock meanwhile: other sessions' calls proceed.
  // Deadlines: options.event_timeout per event; Freeze
  // min(event_timeout, freeze_to_thaw). A writer that times out gets
  // VSS_E_WRITERERROR_TIMEOUT and FAILED_AT_<event>, and its late answer is
  // ignored; one whose stream ended (or that is not connected),
  // VSS_E_WRITERERROR_RETRYABLE, and it is dropped from the list. A writer
  // that timed out at Freeze, or whose Thaw comes after freeze_to_thaw from
  // its Freeze (outcome TIMEOUT, FAILED_AT_FREEZE; Thaw is not sent), is
  // sent Abort automatically, as VSS calls OnAbort when the freeze window
  // ends; nobody waits for that Abort's answer.
  // States on success: Identify, PrepareForBackup -> STABLE (clearing the
  // last failure); PrepareForSnapshot -> WAITING_FOR_FREEZE; Freeze ->
  // WAITING_FOR_THAW; Thaw -> WAITING_FOR_POST_SNAPSHOT; PostSnapshot ->
  // WAITING_FOR_BACKUP_COMPLETE; BackupComplete, PreRestore, PostRestore
  // -> STABLE; Abort, BackupShutdown -> STABLE unless FAILED_AT_* (a
  // failure stays visible, state and code, until the next Identify or
  // PrepareForBackup succeeds). A failure at X -> FAILED_AT_X (Abort:
  // UNKNOWN). A writer's failure code is taken only if it is a
  // VSS_E_WRITERERROR_* name, else VSS_E_WRITERERROR_NONRETRYABLE.
  // Outcomes: one per writer addressed, in the order of `instances`.
  // Identify's wmd_xml is the writer's current WMD (validated with
  // LoadWmd: an invalid one fails the writer NONRETRYABLE); bcd_xml is the
  // writer's own at PrepareForBackup and PostSnapshot, else "".
  virtual std::vector<EventOutcome> SendEvent(
      WriterEvent event, const EventInput& input,
      const std::vector<Guid>& instances) = 0;

  // Stops: cancels every Connect stream (an event in flight fails
  // RETRYABLE), refuses new ones with SP_E_UNAVAILABLE, and returns once
  // every Connect handler has returned, so the gRPC server can stop at
  // once. Idempotent; the destructor calls it.
  virtual void Shutdown() = 0;
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_WRITER_MANAGER_H_
