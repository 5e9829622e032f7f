#include "writers/hooks/hooks_writer.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>

#include "writers/hooks/hook_runner.h"
#include "writers/hooks/hook_scripts.h"

namespace sp::writers::hooks {
namespace {

using std::chrono::milliseconds;

// Freeze scripts may use three quarters of the FREEZE event's time, and
// never the last 500 ms: what is left is for thawing after a veto and for
// the answer to reach the service before its deadline.
constexpr milliseconds kMinAnswerReserve{500};

std::string Hex(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", v);
  return text;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

WriterIdentity HooksWriterIdentity(const std::string& dir) {
  WriterIdentity identity;
  identity.writer_id = *Guid::Parse(kHooksWriterId);
  identity.instance_id = Guid::FromName(identity.writer_id, dir);
  identity.writer_name = "Hook Scripts Writer";
  identity.instance_name = dir;
  identity.usage = UsageType::kUserData;
  identity.source = SourceType::kOther;
  return identity;
}

HooksWriter::HooksWriter(WriterIdentity identity, HooksWriterOptions options)
    : Writer(std::move(identity)), options_(std::move(options)) {}

void HooksWriter::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void HooksWriter::LogOutput(const std::string& script, std::string_view action,
                            std::string_view stream,
                            const std::string& text) const {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    Log(BaseName(script) + " " + std::string(action) + " " +
        std::string(stream) + ": " + line);
  }
}

Result<WriterMetadata> HooksWriter::OnIdentify(const WriterEvent&) {
  WriterMetadata wmd;
  wmd.identity = identity();
  WmdComponent hooks;
  hooks.type = ComponentType::kFileGroup;
  hooks.name = "hooks";
  hooks.caption = "fsfreeze hook scripts in " + options_.dir;
  hooks.selectable = true;
  FileDescriptor scripts;
  scripts.path = options_.dir;
  scripts.filespec = "*";
  hooks.files.push_back(std::move(scripts));
  wmd.components.push_back(std::move(hooks));
  return wmd;
}

std::vector<std::string> HooksWriter::Environment(std::string_view action,
                                                  std::string_view reason,
                                                  milliseconds limit) const {
  std::vector<std::string> env = {
      "SHADOWPORT_HOOK_ACTION=" + std::string(action),
      "SHADOWPORT_HOOK_REASON=" + std::string(reason),
      "SHADOWPORT_HOOK_DIR=" + options_.dir,
      "SHADOWPORT_HOOK_TIMEOUT_MS=" + std::to_string(limit.count()),
      "SHADOWPORT_SESSION_ID=" + session_id_,
      "SHADOWPORT_SNAPSHOT_SET_ID=" + set_id_,
      "SHADOWPORT_CONTEXT=" + Hex(context_),
      "SHADOWPORT_VOLUME_COUNT=" + std::to_string(volumes_.size()),
  };
  std::string all;
  for (size_t i = 0; i < volumes_.size(); ++i) {
    env.push_back("SHADOWPORT_VOLUME_" + std::to_string(i) + "=" + volumes_[i]);
    all += (i ? " " : "") + volumes_[i];
  }
  env.push_back("SHADOWPORT_VOLUMES=" + all);
  return env;
}

Status HooksWriter::OnPrepareSnapshot(WriterEvent& event) {
  session_id_ = event.session_id.ToString();
  set_id_ = event.snapshot_set_id.ToString();
  context_ = event.context;
  volumes_ = event.volumes;
  // Refuse early (before any filesystem is touched) when there is no
  // directory to run; an empty directory is fine.
  Result<HookListing> listing = ListHookScripts(options_.dir);
  if (!listing.ok()) {
    return Status(Code::kWriterNonRetryable, listing.status().message());
  }
  return Status::Ok();
}

Status HooksWriter::OnFreeze(WriterEvent& event) {
  session_id_ = event.session_id.ToString();
  set_id_ = event.snapshot_set_id.ToString();
  context_ = event.context;
  if (!event.volumes.empty()) volumes_ = event.volumes;
  if (!to_thaw_.empty()) {
    // A freeze of an earlier set was never thawed (no THAW or ABORT came):
    // thaw it first, so that every "freeze" a script got is paired.
    (void)ThawAll("abort");
  }
  Result<HookListing> listing = ListHookScripts(options_.dir);
  if (!listing.ok()) {
    return Status(Code::kWriterNonRetryable, listing.status().message());
  }
  for (const std::string& skipped : listing->skipped) {
    Log("skipping " + skipped);
  }
  const milliseconds left = event.TimeLeft();
  const milliseconds reserve = std::max(kMinAnswerReserve, left / 4);
  const auto budget_end = std::chrono::steady_clock::now() + left - reserve;
  for (const std::string& script : listing->scripts) {
    const milliseconds budget = std::chrono::duration_cast<milliseconds>(
        budget_end - std::chrono::steady_clock::now());
    const milliseconds limit = std::min(options_.script_timeout, budget);
    if (limit <= milliseconds(0)) {
      Status veto(Code::kWriterTimeout,
                  "freeze hook " + BaseName(script) +
                      " was not run: no time left before the Freeze "
                      "deadline");
      Log(veto.message());
      (void)ThawAll("veto");
      return veto;
    }
    to_thaw_.push_back(script);
    Log("running " + BaseName(script) + " freeze (limit " +
        std::to_string(limit.count()) + " ms)");
    HookOutcome outcome = RunHook(
        script, "freeze", Environment("freeze", "freeze", limit), limit);
    LogOutput(script, "freeze", "stdout", outcome.out);
    LogOutput(script, "freeze", "stderr", outcome.err);
    Log(outcome.Describe() + " (" + std::to_string(outcome.elapsed.count()) +
        " ms)");
    if (!outcome.ok) {
      Status veto(
          outcome.timed_out ? Code::kWriterTimeout : Code::kWriterRetryable,
          "freeze hook " + outcome.Describe());
      Status thawed = ThawAll("veto");
      if (!thawed.ok()) {
        veto = Status(veto.code(),
                      veto.message() + "; and then " + thawed.message());
      }
      return veto;
    }
  }
  return Status::Ok();
}

Status HooksWriter::ThawAll(std::string_view reason) {
  std::vector<std::string> scripts = std::move(to_thaw_);
  to_thaw_.clear();
  bool timed_out = false;
  std::vector<std::string> failures;
  for (auto it = scripts.rbegin(); it != scripts.rend(); ++it) {
    const milliseconds limit = options_.script_timeout;
    Log("running " + BaseName(*it) + " thaw (" + std::string(reason) +
        ", limit " + std::to_string(limit.count()) + " ms)");
    HookOutcome outcome =
        RunHook(*it, "thaw", Environment("thaw", reason, limit), limit);
    LogOutput(*it, "thaw", "stdout", outcome.out);
    LogOutput(*it, "thaw", "stderr", outcome.err);
    Log(outcome.Describe() + " (" + std::to_string(outcome.elapsed.count()) +
        " ms)");
    if (!outcome.ok) {
      timed_out = timed_out || outcome.timed_out;
      failures.push_back(outcome.Describe());
    }
  }
  if (failures.empty()) return Status::Ok();
  std::string message = "thaw hook";
  message += failures.size() > 1 ? "s failed: " : " failed: ";
  for (size_t i = 0; i < failures.size(); ++i) {
    message += (i ? "; " : "") + failures[i];
  }
  return Status(timed_out ? Code::kWriterTimeout : Code::kWriterRetryable,
                message);
}

Status HooksWriter::OnThaw(WriterEvent&) { return ThawAll("thaw"); }

Status HooksWriter::OnAbort(WriterEvent&) {
  if (to_thaw_.empty()) return Status::Ok();  // repeated, or nothing frozen
  return ThawAll("abort");
}

Status HooksWriter::OnBackupShutdown(WriterEvent&) {
  // Neither THAW nor ABORT came after a FREEZE (cannot happen with a
  // well-behaved service; the framework aborts at the freeze deadline):
  // never leave a script's freeze unpaired.
  if (to_thaw_.empty()) return Status::Ok();
  return ThawAll("shutdown");
}

}  // namespace sp::writers::hooks
