// BackupComponents: the requester library (VSS IVssBackupComponents) over
// shadowportd's proto/service.proto. One object serves one backup: it opens
// a session (a stream to the service) at Connect, and the session ends when
// the object is destroyed or Release()d; then the service deletes the
// session's auto-release snapshots and tells its writers (BackupShutdown).
//
// The calls follow VSS (shared/reference/vss.md section 1) and its order:
//   InitializeForBackup, SetContext, SetBackupState, GatherWriterMetadata,
//   (AddComponent), StartSnapshotSet, AddToSnapshotSet..., PrepareForBackup,
//   DoSnapshotSet, GatherWriterStatus, SaveAsXml, ...,
//   SetBackupSucceeded..., BackupComplete, Release.
// They are synchronous (VSS's IVssAsync is a Wait() here). A call out of
// order fails with VSS_E_BAD_STATE from the service; every failure carries
// the code of the table (include/shadowport/code_list.inc).
//
// The BCD is the requester's: the library keeps it, sends it with
// PrepareForBackup and BackupComplete, and takes back what the service adds
// (the snapshot set description after DoSnapshotSet, writers' stamps).
//
// Thread safety: one object belongs to one thread at a time. Query,
// DeleteSnapshots and GetSnapshotProperties need no session and may also be
// called through the static helpers with a socket path.
#ifndef SHADOWPORT_BACKUP_COMPONENTS_H_
#define SHADOWPORT_BACKUP_COMPONENTS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp {

inline constexpr char kDefaultServiceSocket[] =
    "/run/shadowport/shadowportd.sock";

struct WriterMetadataInfo {
  Guid writer_id;
  Guid instance_id;
  std::string writer_name;
  std::string instance_name;
  std::string wmd_xml;  // as the writer sent it (SaveAsXml of the WMD)
  WriterMetadata wmd;   // parsed
};

struct WriterStatusInfo {
  Guid writer_id;
  Guid instance_id;
  std::string writer_name;
  std::string instance_name;
  std::string state;  // "VSS_WS_STABLE"
  uint32_t state_value = 0;
  Status failure;  // OK, or VSS_E_WRITERERROR_*
  std::string app_message;
};

struct VolumeDescription {
  std::string device;
  std::string mount_point;
  std::string fs_type;
  std::string fs_uuid;
};

// VSS_SNAPSHOT_PROP.
struct SnapshotProperties {
  Guid snapshot_id;
  Guid snapshot_set_id;
  uint32_t context = 0;
  uint32_t attributes = 0;
  Guid provider_id;
  std::string provider_name;
  VolumeDescription original;
  std::string originating_host;
  std::string service_host;
  int64_t created_us = 0;
  std::string state;
  Guid session_id;
  std::string device;        // "" when not surfaced on this host
  std::string exposed_path;  // "" when not exposed
  std::vector<LunMapping> luns;
};

struct DeleteResult {
  uint32_t deleted = 0;
  Guid nondeleted_id;
};

struct VolumeSupport {
  bool supported = false;
  Guid provider_id;
  std::string provider_name;
  VolumeDescription volume;
  Status reason;  // why not
};

struct ServiceStatus {
  std::string version;
  std::string host;
  std::string cluster;
  std::string state_dir;
  struct Session {
    Guid session_id;
    std::string requester_name;
    int64_t opened_us = 0;
    std::string state;
    Guid snapshot_set_id;
    uint32_t context = 0;
  };
  std::vector<Session> sessions;
  Guid creation_in_flight;  // null if none
  uint32_t writer_count = 0;
  std::vector<std::string> providers;
  uint32_t snapshot_set_count = 0;
  uint32_t snapshot_count = 0;
  int64_t started_us = 0;
};

struct ImportedSnapshotInfo {
  Guid snapshot_id;
  Status status;             // OK: imported
  std::string device;        // "/dev/loop7" on this host
  std::string exposed_path;  // read-only mount, "" if not exposed
  VolumeDescription original;
};

struct ImportResult {
  // S_OK, VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED (some failed; see snapshots).
  Status overall;
  std::vector<ImportedSnapshotInfo> snapshots;
};

// One volume of a broken snapshot set (BreakSnapshotSet): an ordinary LUN
// of this host now, no longer a snapshot.
struct BrokenVolumeInfo {
  Guid snapshot_id;       // the snapshot it was
  std::string device;     // the new LUN's block device on this host
  std::string lun_id;     // the new LUN's NAA id (a new identity)
  std::string fs_type;    // "xfs", "ext4"
  std::string fs_uuid;    // new with `writable`; else the origin's
  bool read_only = true;  // how the device is surfaced
};

// The done-signal systemTwo sent for this session's set.
struct BackupDoneInfo {
  Guid snapshot_set_id;
  std::string from_host;
  bool succeeded = false;        // systemTwo's overall verdict
  BackupComponentsDocument bcd;  // backup_succeeded per component
};

struct AddedSnapshot {
  Guid snapshot_id;
  Guid provider_id;
  VolumeDescription volume;
};

// Step 7: where a file of an original volume (a path as writer metadata
// names it on the creating host, "/srv/F/pgdata/base") is inside the
// exposed snapshots of its set on this host
// ("/run/shadowport/sets/<set>/srv_F/pgdata/base"), by the core path
// translation (shadowport/path_translation.h, docs/paths.md): SP_E_PATH_ESCAPE
// for a ".." component, SP_E_PATH_NOT_IN_SET when no exposed snapshot holds
// it. Lexical only: open the result beneath the exposure root
// (src/os/open_beneath.h) so that symlinks in the snapshot cannot escape.
Result<std::string> TranslateToSnapshot(
    const std::vector<SnapshotProperties>& snapshots,
    std::string_view original_path);

class BackupComponents {
 public:
  // Opens a session with the service on `socket` (SP_E_UNAVAILABLE if it
  // does not answer). `requester_name` appears in the service's logs.
  static Result<std::unique_ptr<BackupComponents>> Connect(
      const std::string& socket = kDefaultServiceSocket,
      std::string requester_name = "");
  ~BackupComponents();  // Release()s, errors dropped
  BackupComponents(const BackupComponents&) = delete;
  BackupComponents& operator=(const BackupComponents&) = delete;

  // An empty BCD, or a saved one (systemTwo continues systemOne's backup).
  Status InitializeForBackup(std::string_view bcd_xml = {});
  Status SetContext(uint32_t context);
  Status SetBackupState(bool select_components, bool bootable_system_state,
                        BackupType type, bool partial_file_support = false);
  Status GatherWriterMetadata();
  const std::vector<WriterMetadataInfo>& GetWriterMetadata() const {
    return writers_;
  }
  // Selects a component of a writer (component mode) into the BCD, by the
  // VSS selectability rules (shadowport/component_selection.h,
  // docs/components.md): VSS_E_OBJECT_NOT_FOUND for a writer or component
  // GatherWriterMetadata did not report, E_INVALIDARG for another type or a
  // non-selectable subcomponent (it comes implicitly with its selectable
  // ancestor), VSS_E_OBJECT_ALREADY_EXISTS when already selected.
  Status AddComponent(const Guid& instance_id, const Guid& writer_id,
                      ComponentType type, std::string_view logical_path,
                      std::string_view name);
  // Writers left out of this backup (VSS DisableWriterInstances).
  void DisableWriterInstances(const std::vector<Guid>& instance_ids);

  // `importers`: for a transportable set, the hosts (or "cluster:NAME")
  // that may import it; empty: the service's default.
  Result<Guid> StartSnapshotSet(const std::vector<std::string>& importers = {});
  Result<AddedSnapshot> AddToSnapshotSet(const std::string& volume,
                                         const Guid& provider_id = Guid());
  // Checks the selection as a whole first (ValidateBackupSelection): in
  // component mode, every gathered writer not disabled must have each of
  // its non-selectable top-level components in the BCD; E_INVALIDARG names
  // the writer and what is missing, and nothing is sent to the service.
  Status PrepareForBackup();
  Status DoSnapshotSet();
  Result<std::vector<WriterStatusInfo>> GatherWriterStatus();
  Result<std::string> SaveAsXml() const;
  const BackupComponentsDocument& document() const { return bcd_; }
  Status SetBackupSucceeded(const Guid& instance_id, const Guid& writer_id,
                            ComponentType type, std::string_view logical_path,
                            std::string_view name, bool succeeded);
  Status BackupComplete();
  Status AbortBackup();

  // Importing host (systemTwo), after InitializeForBackup(systemOne's BCD):
  // VSS ImportSnapshots. Every snapshot is located at its provider (the
  // array checks that this host may import it: SP_E_ACCESS_DENIED, and
  // SP_E_IMPORT_COLLISION for the cluster rule, with nothing changed),
  // surfaced read-only, checked against the BCD and, with `expose`, mounted
  // read-only under the service's exposure root. VSS_E_NO_SNAPSHOTS_IMPORTED
  // when none could be (nothing is left behind).
  Result<ImportResult> ImportSnapshots(bool expose = true);

  // Creating host (systemOne), after DoSnapshotSet of a transportable set:
  // waits until the importing host's done-signal arrives
  // (SP_E_DEADLINE_EXCEEDED after `timeout`). The BCD it carries has each
  // component's backup_succeeded; take them over with SetBackupSucceeded,
  // then call BackupComplete.
  Result<BackupDoneInfo> WaitForBackupDone(std::chrono::milliseconds timeout);

  // Administrative (VSS_CTX_ALL): need no session state.
  Result<std::vector<SnapshotProperties>> Query(
      const Guid& snapshot_set_id = Guid());
  Result<SnapshotProperties> GetSnapshotProperties(const Guid& snapshot_id);
  Result<DeleteResult> DeleteSnapshots(const Guid& id, bool is_set,
                                       bool force = false);

  // Ends the session now (the service's cleanup outcome is returned).
  Status Release();

  const Guid& session_id() const { return session_id_; }

  // Session-less calls on a service socket.
  static Result<std::vector<SnapshotProperties>> QueryService(
      const std::string& socket, const Guid& snapshot_set_id = Guid(),
      const Guid& snapshot_id = Guid());
  static Result<DeleteResult> DeleteOnService(const std::string& socket,
                                              const Guid& id, bool is_set,
                                              bool force);
  static Result<VolumeSupport> IsVolumeSupported(const std::string& socket,
                                                 const std::string& volume,
                                                 uint32_t context);
  static Result<std::vector<WriterMetadataInfo>> ListWriterMetadata(
      const std::string& socket, std::vector<WriterStatusInfo>* status);
  static Result<ServiceStatus> GetServiceStatus(const std::string& socket);
  // Importing host: tells the creating host named in `bcd_xml` (its
  // snapshot set's creating_host) that the backup finished, with each
  // component's success as set in the BCD; returns the peer it reached.
  static Result<std::string> SignalBackupDone(const std::string& socket,
                                              const std::string& bcd_xml,
                                              bool succeeded);
  static Result<SnapshotProperties> Expose(const std::string& socket,
                                           const Guid& snapshot_id);
  static Result<SnapshotProperties> Unexpose(const std::string& socket,
                                             const Guid& snapshot_id);
  static Result<std::vector<std::string>> Cleanup(const std::string& socket);
  // Importing host: VSS BreakSnapshotSet(Ex). The imported set becomes
  // ordinary volumes of this host (new LUN identities), read-write with a
  // new filesystem UUID if `writable` (VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
  // and the service forgets it. Cannot be undone; a failure midway names
  // what was broken so far (docs/fast-recovery.md).
  static Result<std::vector<BrokenVolumeInfo>> BreakSnapshotSet(
      const std::string& socket, const Guid& snapshot_set_id, bool writable);

 private:
  class Channel;
  explicit BackupComponents(std::unique_ptr<Channel> channel);
  // Replaces the BCD with the one the service returned.
  Status TakeBcd(const std::string& xml);

  std::unique_ptr<Channel> channel_;
  std::string requester_name_;
  Guid session_id_;
  BackupComponentsDocument bcd_;
  std::vector<WriterMetadataInfo> writers_;
  std::vector<Guid> excluded_;
  bool released_ = false;
};

}  // namespace sp

#endif  // SHADOWPORT_BACKUP_COMPONENTS_H_
