#include "array/rpc/logger.h"

#include <grpc/support/log.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace sp::array::rpc {

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "unknown";
}

std::optional<LogLevel> LogLevelFromName(std::string_view name) {
  for (LogLevel level :
       {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice,
        LogLevel::kInfo, LogLevel::kDebug}) {
    if (LogLevelName(level) == name) return level;
  }
  return std::nullopt;
}

bool StderrLogger::StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  uintmax_t dev = 0;
  uintmax_t ino = 0;
  if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) {
    return false;
  }
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<uintmax_t>(st.st_dev) == dev &&
         static_cast<uintmax_t>(st.st_ino) == ino;
}

std::string FormatLogLine(LogLevel level, std::string_view message,
                          bool journal) {
  std::string line;
  line.reserve(message.size() + 12);
  if (journal) {
    line += '<';
    line += std::to_string(static_cast<int>(level));
    line += '>';
  } else {
    line += LogLevelName(level);
    line += ' ';
  }
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\\') {
      line += "\\\\";
    } else if (u < 0x20 || u == 0x7F) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02X", u);
      line += esc;
    } else {
      line += c;
    }
  }
  return line;
}

void StderrLogger::Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) > static_cast<int>(min_level_)) return;
  std::string line = FormatLogLine(level, message, journal_);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report it
    done += static_cast<size_t>(n);
  }
}

namespace {

// Stateless, as gpr_set_log_function takes a plain function: it checks for
// the journal on each line (rare: gRPC logs little at ERROR).
void GrpcLog(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_INFO) level = LogLevel::kInfo;
  std::string line = FormatLogLine(level, std::string("grpc: ") + args->message,
                                   StderrLogger::StderrIsJournal());
  line += '\n';
  // One write: a line shorter than PIPE_BUF never interleaves.
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void RouteGrpcLogsToStderr() { gpr_set_log_function(GrpcLog); }

}  // namespace sp::array::rpc
