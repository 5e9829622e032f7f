// Writer Metadata Document (WMD) model: what a writer says about itself at
// Identify (reference section 3.5). Plain values; the XML form is in
// documents.h and docs/formats/wmd.md.
//
// Logical paths use '\' between levels, as VSS does ("PostgreSQL\main");
// file paths are absolute Linux paths on the writer's host.
//
// Thread safety: values.
#ifndef SHADOWPORT_WMD_H_
#define SHADOWPORT_WMD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowport/guid.h"

namespace sp {

enum class UsageType {  // VSS_USAGE_TYPE
  kUndefined,
  kBootableSystemState,
  kSystemService,
  kUserData,
  kOther,
};

enum class SourceType {  // VSS_SOURCE_TYPE
  kUndefined,
  kTransactedDb,
  kNonTransactedDb,
  kOther,
};

enum class ComponentType {  // VSS_COMPONENT_TYPE
  kUndefined,
  kDatabase,
  kFileGroup,
};

enum class RestoreMethod {  // VSS_RESTOREMETHOD_ENUM
  kUndefined,
  kRestoreIfNotThere,
  kRestoreIfCanReplace,
  kStopRestoreStart,
  kRestoreToAlternateLocation,
  kRestoreAtReboot,
  kRestoreAtRebootIfCannotReplace,
  kCustom,
  kRestoreStopStart,
};

enum class WriterRestore {  // VSS_WRITERRESTORE_ENUM
  kUndefined,
  kNever,
  kIfReplaceFails,
  kAlways,
};

// VSS_FILE_SPEC_BACKUP_TYPE bits.
namespace backup_type_mask {
inline constexpr uint32_t kFullBackup = 0x1;
inline constexpr uint32_t kDifferentialBackup = 0x2;
inline constexpr uint32_t kIncrementalBackup = 0x4;
inline constexpr uint32_t kLogBackup = 0x8;
inline constexpr uint32_t kFullSnapshot = 0x100;
inline constexpr uint32_t kDifferentialSnapshot = 0x200;
inline constexpr uint32_t kIncrementalSnapshot = 0x400;
inline constexpr uint32_t kLogSnapshot = 0x800;
inline constexpr uint32_t kCreatedDuringBackup = 0x10000;
inline constexpr uint32_t kAllBackup = 0xF;
inline constexpr uint32_t kAllSnapshot = 0xF00;
inline constexpr uint32_t kDefault = kAllBackup | kAllSnapshot;  // 3855
}  // namespace backup_type_mask

// VSS_COMPONENT_FLAGS bits.
namespace component_flags {
inline constexpr uint32_t kBackupRecovery = 0x1;
inline constexpr uint32_t kAppRollbackRecovery = 0x2;
inline constexpr uint32_t kNotSystemState = 0x4;
}  // namespace component_flags

// IVssWMFiledesc: a set of files under `path` matching `filespec` (a glob
// such as "*" or "*.db"), optionally recursive.
struct FileDescriptor {
  std::string path;
  std::string filespec;
  bool recursive = false;
  std::string alternate_location;  // backup-time alternate path; may be empty
  uint32_t backup_type_mask = backup_type_mask::kDefault;

  friend bool operator==(const FileDescriptor&,
                         const FileDescriptor&) = default;
};

// AddComponentDependency: this component depends on another writer's
// component.
struct Dependency {
  Guid writer_id;
  std::string logical_path;
  std::string component_name;

  friend bool operator==(const Dependency&, const Dependency&) = default;
};

struct WmdComponent {
  ComponentType type = ComponentType::kFileGroup;
  std::string logical_path;  // may be empty
  std::string name;
  std::string caption;
  bool restore_metadata = false;
  bool notify_on_backup_complete = false;
  bool selectable = false;
  bool selectable_for_restore = false;
  uint32_t flags = 0;  // component_flags

  std::vector<FileDescriptor> files;           // FILE_GROUP members
  std::vector<FileDescriptor> database_files;  // DATABASE data files
  std::vector<FileDescriptor> log_files;       // DATABASE log files
  std::vector<Dependency> dependencies;

  // "logical\path\name", or "name" without a logical path.
  std::string FullPath() const;

  friend bool operator==(const WmdComponent&, const WmdComponent&) = default;
};

struct WriterIdentity {
  Guid writer_id;    // the writer class
  Guid instance_id;  // this running instance
  std::string writer_name;
  std::string instance_name;  // may be empty
  UsageType usage = UsageType::kUserData;
  SourceType source = SourceType::kOther;
  uint32_t version_major = 1;
  uint32_t version_minor = 0;

  friend bool operator==(const WriterIdentity&,
                         const WriterIdentity&) = default;
};

struct RestoreMethodInfo {
  RestoreMethod method = RestoreMethod::kRestoreIfCanReplace;
  std::string service;         // service to stop/start, if any
  std::string user_procedure;  // text shown to the operator
  WriterRestore writer_restore = WriterRestore::kNever;
  bool reboot_required = false;

  friend bool operator==(const RestoreMethodInfo&,
                         const RestoreMethodInfo&) = default;
};

// AddAlternateLocationMapping (restore-time relocation).
struct AlternateLocationMapping {
  std::string path;
  std::string filespec;
  bool recursive = false;
  std::string destination;

  friend bool operator==(const AlternateLocationMapping&,
                         const AlternateLocationMapping&) = default;
};

struct WriterMetadata {
  WriterIdentity identity;
  uint32_t backup_schema = 0;  // VSS_BACKUP_SCHEMA bits
  std::vector<FileDescriptor> include_files;
  std::vector<FileDescriptor> exclude_files;
  std::vector<FileDescriptor> exclude_from_snapshot;
  std::optional<RestoreMethodInfo> restore_method;
  std::vector<AlternateLocationMapping> alternate_location_mappings;
  std::vector<WmdComponent> components;

  // nullptr if absent.
  const WmdComponent* FindComponent(std::string_view logical_path,
                                    std::string_view name) const;

  friend bool operator==(const WriterMetadata&,
                         const WriterMetadata&) = default;
};

}  // namespace sp

#endif  // SHADOWPORT_WMD_H_
