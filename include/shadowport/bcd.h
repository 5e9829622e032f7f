// Backup Components Document (BCD) model: the requester's state of one backup
// (reference sections 4.1-4.4), and the snapshot set description that travels
// from systemOne to systemTwo inside it. Plain values; the XML form is in
// documents.h and docs/formats/bcd.md.
//
// Thread safety: values.
#ifndef SHADOWPORT_BCD_H_
#define SHADOWPORT_BCD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowport/guid.h"
#include "shadowport/wmd.h"

namespace sp {

enum class BackupType {  // VSS_BACKUP_TYPE
  kUndefined,
  kFull,
  kIncremental,
  kDifferential,
  kLog,
  kCopy,
  kOther,
};

// A component the requester selected, with what writers and requester stored
// on it during the backup.
struct BcdComponent {
  ComponentType type = ComponentType::kFileGroup;
  std::string logical_path;
  std::string name;
  std::string backup_stamp;           // set by the writer at PostSnapshot
  std::string previous_backup_stamp;  // SetPreviousBackupStamp
  std::string backup_options;         // SetBackupOptions
  std::string backup_metadata;        // writer's opaque bytes (base64 in XML)
  std::string restore_metadata;       // writer's opaque bytes (base64 in XML)
  std::optional<bool> backup_succeeded;  // SetBackupSucceeded; unset = unknown

  std::string FullPath() const;

  friend bool operator==(const BcdComponent&, const BcdComponent&) = default;
};

// WRITER_COMPONENTS: one writer instance's selected components.
struct WriterComponents {
  Guid writer_id;
  Guid instance_id;
  std::string instance_name;
  uint32_t backup_schema = 0;
  std::vector<BcdComponent> components;

  friend bool operator==(const WriterComponents&,
                         const WriterComponents&) = default;
};

// What identifies a LUN to a host, after VDS_LUN_INFORMATION (reference
// 4.4): SCSI INQUIRY vendor/product/revision, VPD 0x80 serial and the
// page-0x83 NAA identifier, plus the array that owns it.
struct LunInformation {
  std::string array_id;    // the array's own identity (a GUID text)
  std::string lun_id;      // the array's LUN number/name
  std::string vendor_id;   // INQUIRY vendor, e.g. "SHADOWPT"
  std::string product_id;  // INQUIRY product
  std::string product_revision;
  std::string serial_number;  // VPD page 0x80
  std::string unique_id;      // page-0x83 NAA-6 id: "naa." + 32 hex digits
  uint64_t size_bytes = 0;

  friend bool operator==(const LunInformation&,
                         const LunInformation&) = default;
};

// One original LUN and the snapshot LUN that holds its point-in-time copy.
struct LunMapping {
  LunInformation source;
  LunInformation destination;

  friend bool operator==(const LunMapping&, const LunMapping&) = default;
};

// The volume as systemOne saw it when the snapshot was taken.
struct OriginalVolume {
  std::string device;       // "/dev/loop3"
  std::string mount_point;  // "/srv/F"
  std::string fs_type;      // "xfs", "ext4"
  std::string fs_uuid;      // filesystem UUID

  friend bool operator==(const OriginalVolume&,
                         const OriginalVolume&) = default;
};

struct SnapshotDescription {
  Guid snapshot_id;
  Guid provider_id;
  uint32_t attributes = 0;       // VSS_VOLSNAP_ATTR_* (context.h)
  int64_t creation_time_us = 0;  // microseconds since the Unix epoch, UTC
  OriginalVolume original;
  std::vector<LunMapping> luns;  // at least one

  friend bool operator==(const SnapshotDescription&,
                         const SnapshotDescription&) = default;
};

struct SnapshotSetDescription {
  Guid snapshot_set_id;
  uint32_t context = 0;  // the creating context value (base | modifiers)
  std::string creating_host;
  std::vector<SnapshotDescription> snapshots;  // 1..64

  const SnapshotDescription* FindSnapshot(const Guid& id) const;

  friend bool operator==(const SnapshotSetDescription&,
                         const SnapshotSetDescription&) = default;
};

struct BackupComponentsDocument {
  BackupType backup_type = BackupType::kFull;
  bool select_components = true;
  bool bootable_system_state = false;
  bool partial_file_support = false;
  std::vector<WriterComponents> writers;
  // Present once DoSnapshotSet has committed the set.
  std::optional<SnapshotSetDescription> snapshot_set;

  friend bool operator==(const BackupComponentsDocument&,
                         const BackupComponentsDocument&) = default;
};

}  // namespace sp

#endif  // SHADOWPORT_BCD_H_
