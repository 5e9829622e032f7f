// HooksWriter: a writer that runs the executable scripts of a directory at
// Freeze and Thaw, compatible with qemu-guest-agent's fsfreeze-hook.d
// (hook_scripts.h chooses the scripts the same way; each gets the single
// argument "freeze" or "thaw"), so existing scripts work unchanged. Unlike
// qemu-ga (whose dispatcher always exits 0 and has no time limits):
//   - Freeze runs the scripts in order; the first that fails (non-zero
//     exit, killed by a signal, or past its time limit, when it is killed
//     with its process group) vetoes the snapshot: the FREEZE answer fails
//     with VSS_E_WRITERERROR_TIMEOUT (time limit) or
//     VSS_E_WRITERERROR_RETRYABLE (exit status, signal, not runnable), the
//     script's name, its status and the tail of its stderr;
//   - thaw runs, in reverse order, for every script that was given
//     "freeze" in this set (the failing one too: a script killed half-way
//     may hold what it took; qemu-ga also thaws every script after a failed
//     freeze, so scripts already cope with it), exactly once: at THAW, at
//     ABORT (also the framework's own at the end of the freeze window), or
//     right away after a veto. Each thaw script has its own time limit; a
//     failing one never stops the next; failures are reported (THAW fails,
//     the writer shows FAILED_AT_THAW).
// Freeze scripts together must leave time to thaw and answer: each gets at
// most `script_timeout` and never beyond three quarters of the FREEZE
// event's time (at least 500 ms kept back).
//
// Scripts get, besides the argument, SHADOWPORT_* variables (docs/writers/
// hooks.md): the action and why it runs, the session and snapshot set ids,
// the context, the set's volumes, the script's time limit. Their stdout and
// stderr go to the writer's log, line by line.
//
// Thread safety: as sp::Writer (callbacks on one thread at a time).
#ifndef SHADOWPORT_WRITERS_HOOKS_HOOKS_WRITER_H_
#define SHADOWPORT_WRITERS_HOOKS_HOOKS_WRITER_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/writer.h"

namespace sp::writers::hooks {

// The writer class id of shadowport-writer-hooks (the same for every
// instance).
inline constexpr char kHooksWriterId[] =
    "{9c3f5a1e-2b7d-4e60-8a41-6d2f0b9e7c13}";

struct HooksWriterOptions {
  std::string dir;  // absolute, without a trailing '/'
  std::chrono::milliseconds script_timeout{30000};
  // One line per call (no newline); default: stderr.
  std::function<void(std::string_view)> log;
};

// The identity of a hooks writer for `dir`: the class id above, an
// instance id derived from `dir` (stable across restarts, so a backup's BCD
// keeps naming the same instance), names for the operator.
WriterIdentity HooksWriterIdentity(const std::string& dir);

class HooksWriter : public Writer {
 public:
  HooksWriter(WriterIdentity identity, HooksWriterOptions options);

  Result<WriterMetadata> OnIdentify(const WriterEvent& event) override;
  Status OnPrepareSnapshot(WriterEvent& event) override;
  Status OnFreeze(WriterEvent& event) override;
  Status OnThaw(WriterEvent& event) override;
  Status OnAbort(WriterEvent& event) override;
  Status OnBackupShutdown(WriterEvent& event) override;

  // Scripts given "freeze" and not yet "thaw", in freeze order (tests).
  const std::vector<std::string>& pending_thaw() const { return to_thaw_; }

 private:
  // SHADOWPORT_* variables of one script run.
  std::vector<std::string> Environment(std::string_view action,
                                       std::string_view reason,
                                       std::chrono::milliseconds limit) const;
  void Log(const std::string& line) const;
  void LogOutput(const std::string& script, std::string_view action,
                 std::string_view stream, const std::string& text) const;
  // Runs "thaw" for every script in to_thaw_, last first, and empties it.
  // Ok, or the failures of all that failed (TIMEOUT if one timed out, else
  // RETRYABLE).
  Status ThawAll(std::string_view reason);

  HooksWriterOptions options_;
  std::vector<std::string> to_thaw_;
  // What the scripts of the current set are told (from PrepareSnapshot and
  // Freeze; thaw scripts after an Abort get the freeze's values).
  std::string session_id_;
  std::string set_id_;
  uint32_t context_ = 0;
  std::vector<std::string> volumes_;
};

}  // namespace sp::writers::hooks

#endif  // SHADOWPORT_WRITERS_HOOKS_HOOKS_WRITER_H_
