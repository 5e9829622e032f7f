// The options every verb that talks to shadowportd shares: --socket PATH
// (default sp::kDefaultServiceSocket, or $SHADOWPORT_SOCKET) and --json.
//
// Thread safety: single-threaded, like the CLI.
#ifndef SHADOWPORT_CLI_SERVICE_OPTIONS_H_
#define SHADOWPORT_CLI_SERVICE_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "shadowport/backup_components.h"
#include "shadowport/status.h"

namespace sp::cli {

inline constexpr char kSocketEnvVar[] = "SHADOWPORT_SOCKET";

// Adds --socket and --json to `verb`, bound to `socket` and `json`.
inline void AddServiceOptions(CLI::App& verb, std::string& socket, bool& json) {
  socket = kDefaultServiceSocket;
  verb.add_option("--socket", socket,
                  "shadowportd's socket (also $SHADOWPORT_SOCKET)")
      ->envname(kSocketEnvVar)
      ->capture_default_str();
  verb.add_flag("--json", json, "print the result as JSON");
}

// Prints `doc` (indented, invalid UTF-8 replaced) and checks the stream.
inline Status PrintJson(std::ostream& out, const nlohmann::ordered_json& doc) {
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << '\n';
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the output failed");
  return Status::Ok();
}

// Flushes `out` and checks it.
inline Status FlushOut(std::ostream& out) {
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the output failed");
  return Status::Ok();
}

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_SERVICE_OPTIONS_H_
