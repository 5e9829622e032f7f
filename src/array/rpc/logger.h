// Logger: where the array daemon and its RPC service write events. One call
// is one line on stderr, journald-friendly: when stderr is the journal
// (systemd sets JOURNAL_STREAM to its device:inode) each line starts with the
// syslog priority "<N>" (sd-daemon(3)), which journald strips and keeps as
// the entry's priority; otherwise the line starts with the level's name
// ("warning refused call ..."). Control characters in a message are escaped
// (\n, \xNN), so a message cannot forge a second line.
//
// Thread safety: Log() may be called from any thread; lines never interleave.
#ifndef SHADOWPORT_ARRAY_RPC_LOGGER_H_
#define SHADOWPORT_ARRAY_RPC_LOGGER_H_

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sp::array::rpc {

// Syslog priorities.
enum class LogLevel : int {
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7,
};

std::string_view LogLevelName(LogLevel level);  // "error", "warning", ...
std::optional<LogLevel> LogLevelFromName(std::string_view name);

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view message) = 0;

  void Error(std::string_view message) { Log(LogLevel::kError, message); }
  void Warning(std::string_view message) { Log(LogLevel::kWarning, message); }
  void Notice(std::string_view message) { Log(LogLevel::kNotice, message); }
  void Info(std::string_view message) { Log(LogLevel::kInfo, message); }
  void Debug(std::string_view message) { Log(LogLevel::kDebug, message); }
};

// Writes lines at `min_level` or more severe to `fd` (stderr by default).
class StderrLogger final : public Logger {
 public:
  // journal: "<N>" prefixes (use StderrIsJournal() to decide).
  StderrLogger(LogLevel min_level, bool journal, int fd = 2)
      : min_level_(min_level), journal_(journal), fd_(fd) {}

  // True when JOURNAL_STREAM names the device and inode of fd 2.
  static bool StderrIsJournal();

  void Log(LogLevel level, std::string_view message) override;

 private:
  const LogLevel min_level_;
  const bool journal_;
  const int fd_;
  std::mutex mu_;  // one line at a time
};

// Sends gRPC's own messages (errors only, by default) to stderr in the
// daemons' line format ("grpc: ..."). For shadowport-arrayd and shadowportd.
void RouteGrpcLogsToStderr();

// The line Log() writes, without its newline (exposed for tests).
std::string FormatLogLine(LogLevel level, std::string_view message,
                          bool journal);

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_LOGGER_H_
