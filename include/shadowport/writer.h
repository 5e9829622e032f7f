// sp::Writer: the base class of a shadowport writer (the CVssWriter of this
// project). A writer is a process that owns application data and takes part
// in shadow copies: it describes its data in a Writer Metadata Document
// (WMD), and shadowportd tells it, in VSS order, when to prepare, freeze,
// thaw, and when the backup of the snapshot is complete (docs/writers.md,
// shared reference section 3). The wire contract is proto/writer.proto; this
// class is its C++ side, so a writer overrides a few On* methods and calls
// RunWriter().
//
//   class MyWriter : public sp::Writer {
//    public:
//     using Writer::Writer;
//     sp::Result<sp::WriterMetadata> OnIdentify(const sp::WriterEvent&)
//         override { ... describe the components ... }
//     sp::Status OnFreeze(sp::WriterEvent& e) override { ... hold writes ... }
//     sp::Status OnThaw(sp::WriterEvent& e) override { ... resume ... }
//   };
//   MyWriter writer(identity);
//   sp::WriterRunner runner(writer, {.socket = "/run/shadowport/..."});
//   return runner.Run().ok() ? 0 : 1;   // runner.Stop() from a signal thread
//
// Callbacks: every On* runs on the runner's one event thread, one at a time,
// in the order the service sent the events, and returns Ok or a Status whose
// code is one of the VSS writer errors (kWriterRetryable, kWriterNonRetryable,
// kWriterTimeout, kWriterOutOfResources, kWriterInconsistentSnapshot,
// kWriterRecoveryFailed, kWriterPartialFailure); any other code is sent as
// VSS_E_WRITERERROR_NONRETRYABLE with the message. A callback must finish
// before the event's deadline (WriterEvent::deadline): later answers are
// ignored by the service, which then counts the writer as timed out.
//
// Freeze window: after OnFreeze succeeded the writer holds its application's
// writes. If THAW has not come by the FREEZE event's deadline (the freeze-to-
// thaw window, default 60 s), the runner calls OnAbort itself, as VSS does,
// and the ABORT the service then sends is delivered too: OnAbort must be
// harmless to repeat. The same happens when the stream to the service ends,
// or the session ends, between PrepareSnapshot and PostSnapshot (the daemon
// died): the application is never left held, nor a backup mode left on.
//
// Sessions: the daemon makes one snapshot set at a time per host, but other
// sessions may end meanwhile. While a snapshot sequence (PrepareSnapshot to
// PostSnapshot) of one session is in progress, an ABORT or BACKUP_SHUTDOWN
// of another session is answered OK without calling OnAbort or
// OnBackupShutdown: it cannot concern what the writer holds. BackupComplete
// of another session may come then too (see the writers' own care).
//
// Thread safety: a Writer's callbacks are called from one thread at a time.
// WriterRunner::Stop may be called from any thread.
#ifndef SHADOWPORT_WRITER_H_
#define SHADOWPORT_WRITER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"
#include "shadowport/writer_event_kind.h"

namespace sp {

// One event as a writer sees it.
struct WriterEvent {
  WriterEventKind kind = WriterEventKind::kIdentify;
  Guid session_id;       // null for the registration's Identify
  Guid snapshot_set_id;  // null before the set exists
  uint32_t context = 0;  // VSS_CTX_* | VSS_VOLSNAP_ATTR_* (context.h)
  // Mount points of the snapshot set's volumes (from PREPARE_FOR_SNAPSHOT).
  std::vector<std::string> volumes;
  // When the answer is due (steady clock); for FREEZE, also the end of the
  // freeze-to-thaw window.
  std::chrono::steady_clock::time_point deadline;
  // The BCD as the service sent it (an empty document when it sent none).
  // At PREPARE_FOR_BACKUP and POST_SNAPSHOT the writer may change its own
  // components here (backup_metadata, restore_metadata, backup_stamp); the
  // runner sends the document back and the service keeps the changes to
  // this writer's components only.
  BackupComponentsDocument bcd;
  bool has_bcd = false;

  // This writer's entry in `bcd` (nullptr if the requester selected none of
  // its components).
  WriterComponents* Components(const Guid& instance_id);
  const WriterComponents* Components(const Guid& instance_id) const;
  // The selected component at logical_path\name of this writer, or nullptr.
  BcdComponent* FindComponent(const Guid& instance_id,
                              std::string_view logical_path,
                              std::string_view name);
  // True if `path` (absolute) lies on one of `volumes`: a file at `path`
  // is in the snapshot set.
  bool CoversPath(std::string_view path) const;
  // Milliseconds left until `deadline` (0 if past).
  std::chrono::milliseconds TimeLeft() const;
};

class Writer {
 public:
  explicit Writer(WriterIdentity identity);
  virtual ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // writer_id, instance_id, writer_name, instance_name (the WMD's
  // IDENTIFICATION is overwritten with these).
  const WriterIdentity& identity() const { return identity_; }

  // The WMD now. Called at registration (event.session_id null) and at every
  // IDENTIFY. Required.
  virtual Result<WriterMetadata> OnIdentify(const WriterEvent& event) = 0;
  // The requester selected components (event.bcd) and the backup type.
  virtual Status OnPrepareBackup(WriterEvent& event);
  // Get ready to freeze: checkpoint, flush. A failure vetoes the snapshot.
  virtual Status OnPrepareSnapshot(WriterEvent& event);
  // Hold the application's writes to event.volumes. A failure vetoes.
  virtual Status OnFreeze(WriterEvent& event);
  // Resume writing.
  virtual Status OnThaw(WriterEvent& event);
  // The snapshot exists; last chance to update the BCD.
  virtual Status OnPostSnapshot(WriterEvent& event);
  // Undo PrepareSnapshot / Freeze; thaw if frozen. Repeatable.
  virtual Status OnAbort(WriterEvent& event);
  // event.bcd's components carry backup_succeeded: truncate logs of those
  // that succeeded, and of no other.
  virtual Status OnBackupComplete(WriterEvent& event);
  // The session ended (with or without BackupComplete).
  virtual Status OnBackupShutdown(WriterEvent& event);
  virtual Status OnPreRestore(WriterEvent& event);
  virtual Status OnPostRestore(WriterEvent& event);

 private:
  WriterIdentity identity_;
};

struct WriterRunOptions {
  std::string socket;  // shadowportd's writer socket path
  // How long to wait for the socket at each (re)connection attempt.
  std::chrono::milliseconds connect_timeout{10000};
  // Reconnect (with a growing pause, at most 5 s) when the service ends the
  // stream or cannot be reached; false: Run() returns instead.
  bool reconnect = true;
  // Called on the event thread after each accepted registration.
  std::function<void()> on_registered;
  // Diagnostics ("registered", "reconnecting: ...", event failures); the
  // default writes "<writer name>: <line>" to stderr.
  std::function<void(std::string_view)> log;
};

class WriterRunner {
 public:
  WriterRunner(Writer& writer, WriterRunOptions options);
  ~WriterRunner();
  WriterRunner(const WriterRunner&) = delete;
  WriterRunner& operator=(const WriterRunner&) = delete;

  // Registers and answers events until Stop(), or until the stream ends and
  // options.reconnect is false. Returns Ok after Stop(); the refusal or
  // connection failure otherwise (VSS_E_WRITER_ALREADY_SUBSCRIBED,
  // VSS_E_INVALID_XML_DOCUMENT, SP_E_UNAVAILABLE, ...). A writer frozen when
  // Run() returns has been given OnAbort.
  Status Run();
  // Ends Run() soon (cancels the stream). Any thread; repeatable.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The main loop of a writer program: blocks SIGTERM, SIGINT and SIGHUP in
// the calling thread (call it before starting any thread, so every thread
// inherits the mask), runs a WriterRunner until one of them arrives, and
// returns the process's exit status: 0 after a signal, 2 if Run() failed
// (the reason on stderr).
int RunWriterUntilSignalled(Writer& writer, WriterRunOptions options);

// main() of a writer program: returns run(), or, when an exception escapes
// it, prints "<program>: internal error: ..." and returns 2.
int WriterMain(std::string_view program,
               const std::function<int()>& run) noexcept;

// A writer's failure: Status(code, message) with code one of the VSS writer
// errors. Any other code maps to kWriterNonRetryable.
Code WriterFailureCode(const Status& status);

}  // namespace sp

#endif  // SHADOWPORT_WRITER_H_
