// Display names and encodings used by the document summaries of the CLI:
// the VSS names of the model's enums, and escaping of hostile text before it
// reaches a terminal.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_CLI_DOC_NAMES_H_
#define SHADOWPORT_CLI_DOC_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "shadowport/bcd.h"
#include "shadowport/wmd.h"

namespace sp::cli {

// VSS names: "VSS_BT_FULL", "VSS_UT_USERDATA", "VSS_ST_TRANSACTEDDB",
// "VSS_CT_DATABASE", "VSS_RME_RESTORE_IF_CAN_REPLACE", "VSS_WRE_NEVER".
std::string_view BackupTypeName(BackupType type);
std::string_view UsageTypeName(UsageType usage);
std::string_view SourceTypeName(SourceType source);
std::string_view ComponentTypeName(ComponentType type);
std::string_view RestoreMethodName(RestoreMethod method);
std::string_view WriterRestoreName(WriterRestore restore);

// "BACKUP_RECOVERY NOT_SYSTEM_STATE"; undefined bits as 0x... hex; "" for 0.
std::string ComponentFlagsToString(uint32_t flags);

// "VSS_CTX_BACKUP TRANSPORTABLE" for a legal context value (base context and
// requester modifiers, context.h); the hex value otherwise.
std::string ContextValueToString(uint32_t value);

// "0x1F".
std::string Hex(uint64_t value);

// `text` with C0 and C1 control characters and DEL replaced by \xNN, so that
// a hostile document cannot send escape sequences to a terminal.
std::string Printable(std::string_view text);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_DOC_NAMES_H_
