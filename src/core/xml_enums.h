// Text forms of the model's enums in our XML documents (VSS spellings where
// VSS captures show them). Internal to src/core.
#ifndef SHADOWPORT_SRC_CORE_XML_ENUMS_H_
#define SHADOWPORT_SRC_CORE_XML_ENUMS_H_

#include <string_view>
#include <utility>

#include "shadowport/bcd.h"
#include "shadowport/wmd.h"

namespace sp::xml {

inline constexpr std::pair<UsageType, std::string_view> kUsageTypes[] = {
    {UsageType::kUndefined, "UNDEFINED"},
    {UsageType::kBootableSystemState, "BOOTABLE_SYSTEM_STATE"},
    {UsageType::kSystemService, "SYSTEM_SERVICE"},
    {UsageType::kUserData, "USER_DATA"},
    {UsageType::kOther, "OTHER"},
};

inline constexpr std::pair<SourceType, std::string_view> kSourceTypes[] = {
    {SourceType::kUndefined, "UNDEFINED"},
    {SourceType::kTransactedDb, "TRANSACTION_DB"},
    {SourceType::kNonTransactedDb, "NONTRANSACTION_DB"},
    {SourceType::kOther, "OTHER"},
};

inline constexpr std::pair<RestoreMethod, std::string_view> kRestoreMethods[] =
    {
        {RestoreMethod::kUndefined, "UNDEFINED"},
        {RestoreMethod::kRestoreIfNotThere, "RESTORE_IF_NOT_THERE"},
        {RestoreMethod::kRestoreIfCanReplace, "RESTORE_IF_CAN_BE_REPLACED"},
        {RestoreMethod::kStopRestoreStart, "STOP_RESTART_SERVICE"},
        {RestoreMethod::kRestoreToAlternateLocation,
         "RESTORE_TO_ALTERNATE_LOCATION"},
        {RestoreMethod::kRestoreAtReboot, "REPLACE_AT_REBOOT"},
        {RestoreMethod::kRestoreAtRebootIfCannotReplace,
         "REPLACE_AT_REBOOT_IF_CANNOT_REPLACE"},
        {RestoreMethod::kCustom, "CUSTOM"},
        {RestoreMethod::kRestoreStopStart, "RESTORE_STOP_START"},
};

inline constexpr std::pair<WriterRestore, std::string_view> kWriterRestores[] =
    {
        {WriterRestore::kUndefined, "undefined"},
        {WriterRestore::kNever, "never"},
        {WriterRestore::kIfReplaceFails, "ifReplaceFails"},
        {WriterRestore::kAlways, "always"},
};

inline constexpr std::pair<BackupType, std::string_view> kBackupTypes[] = {
    {BackupType::kUndefined, "undefined"},
    {BackupType::kFull, "full"},
    {BackupType::kIncremental, "incremental"},
    {BackupType::kDifferential, "differential"},
    {BackupType::kLog, "log"},
    {BackupType::kCopy, "copy"},
    {BackupType::kOther, "other"},
};

inline constexpr std::pair<ComponentType, std::string_view> kComponentTypes[] =
    {
        {ComponentType::kUndefined, "undefined"},
        {ComponentType::kDatabase, "database"},
        {ComponentType::kFileGroup, "filegroup"},
};

}  // namespace sp::xml

#endif  // SHADOWPORT_SRC_CORE_XML_ENUMS_H_
