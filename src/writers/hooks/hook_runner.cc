#include "writers/hooks/hook_runner.h"

#include <signal.h>
#include <string.h>

#include <algorithm>

#include "os/process.h"

namespace sp::writers::hooks {
namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? "SIG" + std::string(abbrev)
                           : "signal " + std::to_string(sig);
}

}  // namespace

std::string Tail(const std::string& text, size_t max_chars) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (t.size() <= max_chars) return t;
  std::string tail = t.substr(t.size() - max_chars);
  const size_t newline = tail.find('\n');
  if (newline != std::string::npos && newline + 1 < tail.size()) {
    tail = tail.substr(newline + 1);
  }
  return "..." + tail;
}

std::string HookOutcome::Describe() const {
  std::string text = BaseName(script) + " " + action + ": ";
  text += ok ? "ok" : failure;
  const std::string tail = Tail(err, 400);
  if (!ok && !tail.empty()) text += ": " + tail;
  return text;
}

HookOutcome RunHook(const std::string& script, const std::string& action,
                    const std::vector<std::string>& env,
                    std::chrono::milliseconds limit) {
  HookOutcome outcome;
  outcome.script = script;
  outcome.action = action;
  os::RunOptions options;
  options.timeout = std::max(limit, std::chrono::milliseconds(1));
  options.extra_env = env;
  options.max_output_bytes = size_t{64} * 1024;  // it goes to a log line
  const auto start = std::chrono::steady_clock::now();
  Result<os::ProcessResult> ran = os::RunProcess({script, action}, options);
  outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!ran.ok()) {
    if (ran.status().code() == Code::kDeadlineExceeded) {
      outcome.timed_out = true;
      outcome.failure = "did not finish within " +
                        std::to_string(options.timeout.count()) +
                        " ms and was killed with its process group";
      // RunProcess gives the stderr tail only in its message, after
      // "PROGRAM did not finish within N ms and was killed: ".
      const std::string& message = ran.status().message();
      const std::string marker = " and was killed: ";
      const size_t at = message.find(marker);
      if (at != std::string::npos)
        outcome.err = message.substr(at + marker.size());
    } else {
      outcome.failure = "could not be run: " + ran.status().ToString();
    }
    return outcome;
  }
  outcome.exit_code = ran->exit_code;
  outcome.signal = ran->signal;
  outcome.out = std::move(ran->out);
  outcome.err = std::move(ran->err);
  outcome.ok = ran->success();
  if (ran->signal != 0) {
    outcome.failure = "was killed by " + SignalName(ran->signal);
  } else if (ran->exit_code != 0) {
    outcome.failure = "exited with status " + std::to_string(ran->exit_code);
  }
  return outcome;
}

}  // namespace sp::writers::hooks
