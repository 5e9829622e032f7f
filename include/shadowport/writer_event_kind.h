// The writer events of VSS (shared reference section 3), as both sides of
// proto/writer.proto name them: sp::Writer (writer.h) and shadowportd's
// writer manager (src/service/writer_manager.h) share this one list.
//
// Thread safety: values and a pure function.
#ifndef SHADOWPORT_WRITER_EVENT_KIND_H_
#define SHADOWPORT_WRITER_EVENT_KIND_H_

#include <string_view>

namespace sp {

enum class WriterEventKind {
  kIdentify,
  kPrepareForBackup,
  kPrepareForSnapshot,
  kFreeze,
  kThaw,
  kPostSnapshot,
  kAbort,
  kBackupComplete,
  kBackupShutdown,
  kPreRestore,
  kPostRestore,
};

// "Identify", "PrepareForBackup", ... (the VSS names).
std::string_view WriterEventKindName(WriterEventKind kind);

}  // namespace sp

#endif  // SHADOWPORT_WRITER_EVENT_KIND_H_
