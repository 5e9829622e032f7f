#include "doc_names.h"

#include <array>
#include <cstdio>
#include <ctime>

#include "shadowport/context.h"

namespace sp::cli {

std::string_view BackupTypeName(BackupType type) {
  switch (type) {
    case BackupType::kUndefined:
      return "VSS_BT_UNDEFINED";
    case BackupType::kFull:
      return "VSS_BT_FULL";
    case BackupType::kIncremental:
      return "VSS_BT_INCREMENTAL";
    case BackupType::kDifferential:
      return "VSS_BT_DIFFERENTIAL";
    case BackupType::kLog:
      return "VSS_BT_LOG";
    case BackupType::kCopy:
      return "VSS_BT_COPY";
    case BackupType::kOther:
      return "VSS_BT_OTHER";
  }
  return "?";
}

std::string_view UsageTypeName(UsageType usage) {
  switch (usage) {
    case UsageType::kUndefined:
      return "VSS_UT_UNDEFINED";
    case UsageType::kBootableSystemState:
      return "VSS_UT_BOOTABLESYSTEMSTATE";
    case UsageType::kSystemService:
      return "VSS_UT_SYSTEMSERVICE";
    case UsageType::kUserData:
      return "VSS_UT_USERDATA";
    case UsageType::kOther:
      return "VSS_UT_OTHER";
  }
  return "?";
}

std::string_view SourceTypeName(SourceType source) {
  switch (source) {
    case SourceType::kUndefined:
      return "VSS_ST_UNDEFINED";
    case SourceType::kTransactedDb:
      return "VSS_ST_TRANSACTEDDB";
    case SourceType::kNonTransactedDb:
      return "VSS_ST_NONTRANSACTEDDB";
    case SourceType::kOther:
      return "VSS_ST_OTHER";
  }
  return "?";
}

std::string_view ComponentTypeName(ComponentType type) {
  switch (type) {
    case ComponentType::kUndefined:
      return "VSS_CT_UNDEFINED";
    case ComponentType::kDatabase:
      return "VSS_CT_DATABASE";
    case ComponentType::kFileGroup:
      return "VSS_CT_FILEGROUP";
  }
  return "?";
}

std::string_view RestoreMethodName(RestoreMethod method) {
  switch (method) {
    case RestoreMethod::kUndefined:
      return "VSS_RME_UNDEFINED";
    case RestoreMethod::kRestoreIfNotThere:
      return "VSS_RME_RESTORE_IF_NOT_THERE";
    case RestoreMethod::kRestoreIfCanReplace:
      return "VSS_RME_RESTORE_IF_CAN_REPLACE";
    case RestoreMethod::kStopRestoreStart:
      return "VSS_RME_STOP_RESTORE_START";
    case RestoreMethod::kRestoreToAlternateLocation:
      return "VSS_RME_RESTORE_TO_ALTERNATE_LOCATION";
    case RestoreMethod::kRestoreAtReboot:
      return "VSS_RME_RESTORE_AT_REBOOT";
    case RestoreMethod::kRestoreAtRebootIfCannotReplace:
      return "VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE";
    case RestoreMethod::kCustom:
      return "VSS_RME_CUSTOM";
    case RestoreMethod::kRestoreStopStart:
      return "VSS_RME_RESTORE_STOP_START";
  }
  return "?";
}

std::string_view WriterRestoreName(WriterRestore restore) {
  switch (restore) {
    case WriterRestore::kUndefined:
      return "VSS_WRE_UNDEFINED";
    case WriterRestore::kNever:
      return "VSS_WRE_NEVER";
    case WriterRestore::kIfReplaceFails:
      return "VSS_WRE_IF_REPLACE_FAILS";
    case WriterRestore::kAlways:
      return "VSS_WRE_ALWAYS";
  }
  return "?";
}

std::string ComponentFlagsToString(uint32_t flags) {
  struct Row {
    uint32_t bit;
    std::string_view name;
  };
  static constexpr std::array<Row, 3> kRows = {{
      {component_flags::kBackupRecovery, "BACKUP_RECOVERY"},
      {component_flags::kAppRollbackRecovery, "APP_ROLLBACK_RECOVERY"},
      {component_flags::kNotSystemState, "NOT_SYSTEM_STATE"},
  }};
  std::string out;
  for (const Row& row : kRows) {
    if ((flags & row.bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += row.name;
    flags &= ~row.bit;
  }
  if (flags != 0) {
    if (!out.empty()) out += ' ';
    out += Hex(flags);
  }
  return out;
}

std::string ContextValueToString(uint32_t value) {
  Result<ContextSpec> spec = ValidateContext(value, ContextUse::kCreate);
  if (!spec.ok()) return Hex(value);
  std::string out(ContextName(spec->base));
  if (spec->modifiers != 0) out += " " + AttributesToString(spec->modifiers);
  return out;
}

std::string Hex(uint64_t value) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "0x%llX",
                              static_cast<unsigned long long>(value));
  return std::string(buf, static_cast<size_t>(n));
}

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls are U+0080..U+009F, in UTF-8 0xC2 0x80..0x9F.
    const bool c1 = c == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c >= 0x20 && c != 0x7F && !c1) {
      out += static_cast<char>(c);
      continue;
    }
    const unsigned code = c1 ? static_cast<unsigned char>(text[++i]) : c;
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", code);
    out += buf;
  }
  return out;
}

}  // namespace sp::cli
