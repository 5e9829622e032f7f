#include "shadowport/writer_event_kind.h"

namespace sp {

std::string_view WriterEventKindName(WriterEventKind kind) {
  switch (kind) {
    case WriterEventKind::kIdentify:
      return "Identify";
    case WriterEventKind::kPrepareForBackup:
      return "PrepareForBackup";
    case WriterEventKind::kPrepareForSnapshot:
      return "PrepareForSnapshot";
    case WriterEventKind::kFreeze:
      return "Freeze";
    case WriterEventKind::kThaw:
      return "Thaw";
    case WriterEventKind::kPostSnapshot:
      return "PostSnapshot";
    case WriterEventKind::kAbort:
      return "Abort";
    case WriterEventKind::kBackupComplete:
      return "BackupComplete";
    case WriterEventKind::kBackupShutdown:
      return "BackupShutdown";
    case WriterEventKind::kPreRestore:
      return "PreRestore";
    case WriterEventKind::kPostRestore:
      return "PostRestore";
  }
  return "?";
}

}  // namespace sp
