// Runs one hook script with one argument ("freeze" or "thaw"), as an argv
// vector (src/os/process.h: its own process group, stdin from /dev/null,
// stdout and stderr captured), with a time limit past which the script's
// whole process group is killed. The outcome says what happened in the
// words an operator needs: the script's name, its exit status or signal or
// the time limit, and the tail of its stderr.
//
// Thread safety: RunHook may be called from several threads (RunProcess is).
#ifndef SHADOWPORT_WRITERS_HOOKS_HOOK_RUNNER_H_
#define SHADOWPORT_WRITERS_HOOKS_HOOK_RUNNER_H_

#include <chrono>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp::writers::hooks {

struct HookOutcome {
  std::string script;  // absolute path
  std::string action;  // "freeze" or "thaw"
  bool ok = false;
  bool timed_out = false;  // killed (with its process group) at the limit
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal killed it
  std::string out;         // captured stdout (bounded)
  std::string err;         // captured stderr (its tail)
  std::chrono::milliseconds elapsed{0};
  std::string failure;  // when !ok: "exited with status 3", "killed by ..."

  // "NAME freeze: exited with status 3: <last stderr line(s)>".
  std::string Describe() const;
};

// Runs `script action` with `env` ("NAME=value") added to the environment,
// for at most `limit` (> 0). Never fails: a script that cannot be started is
// an outcome too (ok = false, failure says why).
HookOutcome RunHook(const std::string& script, const std::string& action,
                    const std::vector<std::string>& env,
                    std::chrono::milliseconds limit);

// The last `max_chars` characters of `text`, cut at a line start when
// possible, trailing newlines removed.
std::string Tail(const std::string& text, size_t max_chars);

}  // namespace sp::writers::hooks

#endif  // SHADOWPORT_WRITERS_HOOKS_HOOK_RUNNER_H_
