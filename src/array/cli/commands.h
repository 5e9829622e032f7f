// The verbs of the `shadowport-array` CLI, one file each
// (cmd_<group>_<verb>.cc), in the pattern of src/cli/commands.h. Most verbs
// are the admin's; `attach` and `detach` are a host's (the initiator side,
// host_luns.h), and the listing verbs serve both.
//
// main() builds the CLI11 app with the connection options (Connection: how
// to reach shadowport-arrayd and authenticate, as its admin or as a
// registered host), then calls each
// verb's Register function. A verb prints its normal output to
// `Invocation::out` (JSON with --json, which every verb has) and leaves its
// outcome in `Invocation::status`; it never prints an error itself: main()
// prints a failed status once, on stderr, as "shadowport-array:
// <Status::ToString()>", and exits with the code table's exit code.
//
// Thread safety: single-threaded, like the CLI.
#ifndef SHADOWPORT_ARRAY_CLI_COMMANDS_H_
#define SHADOWPORT_ARRAY_CLI_COMMANDS_H_

#include <memory>
#include <ostream>
#include <string>

#include "array/rpc/client.h"
#include "array/rpc/defaults.h"
#include "shadowport/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sp::array::cli {

// Global options: where the daemon listens and who calls. The identity is
// the admin (the admin token file, the default) or a host (`host` and
// `credential_file` both set); AddConnectionOptions makes giving both a
// usage error.
struct Connection {
  std::string socket = rpc::kDefaultSocket;
  std::string address;  // "HOST:PORT": TCP with TLS instead of the socket
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  std::string admin_token_file = rpc::kDefaultAdminTokenFile;
  std::string host;             // a registered host's name; empty: admin
  std::string credential_file;  // that host's credential (`host add`)
  double timeout_seconds = rpc::kDefaultDeadlineSeconds;
};

// What main() hands to every verb. REQUIRES: outlives the CLI11 app's parse.
struct Invocation {
  std::ostream& out;
  Connection connection;
  Status status;  // set by the verb that ran; OK if none failed
};

// Adds the Connection options to the top-level app.
void AddConnectionOptions(CLI::App& app, Connection& connection);

// A client for `connection`: as the host when `connection.host` is set
// (reads ReadHostCredential(credential_file)), else as the admin (reads the
// admin token file).
Result<std::unique_ptr<rpc::ArrayClient>> Connect(const Connection& connection);

// The credential in `path` (whitespace around it ignored). The file must be
// a regular file (not a symlink) owned by the effective user with no group
// or other permission bits, else E_ACCESSDENIED (a credential others could
// read is not a secret any more); E_INVALIDARG if it is not 64 lowercase
// hex digits. Errors name the path.
Result<std::string> ReadHostCredential(const std::string& path);

inline constexpr char kJsonHelp[] = "print the result as JSON";

// shadowport-array pool init (--dir DIR | --image FILE --size SIZE
//   --mount DIR): prepares a pool on this machine (no daemon involved).
void RegisterPoolInit(CLI::App& pool, Invocation& invocation);
// shadowport-array pool status
void RegisterPoolStatus(CLI::App& pool, Invocation& invocation);

// shadowport-array lun create --size SIZE | list | resize LUN --size SIZE |
//   delete LUN
void RegisterLunCreate(CLI::App& lun, Invocation& invocation);
void RegisterLunList(CLI::App& lun, Invocation& invocation);
void RegisterLunResize(CLI::App& lun, Invocation& invocation);
void RegisterLunDelete(CLI::App& lun, Invocation& invocation);

// shadowport-array host add NAME [--cluster C] | list | remove NAME |
//   reclaim NAME
void RegisterHostAdd(CLI::App& host, Invocation& invocation);
void RegisterHostList(CLI::App& host, Invocation& invocation);
void RegisterHostRemove(CLI::App& host, Invocation& invocation);
void RegisterHostReclaim(CLI::App& host, Invocation& invocation);

// shadowport-array present LUN HOST | unpresent LUN HOST
void RegisterPresent(CLI::App& app, Invocation& invocation);
void RegisterUnpresent(CLI::App& app, Invocation& invocation);

// shadowport-array snapshot list [--set GUID] | delete (LUN | --set GUID) |
//   break LUN
void RegisterSnapshotList(CLI::App& snapshot, Invocation& invocation);
void RegisterSnapshotDelete(CLI::App& snapshot, Invocation& invocation);
void RegisterSnapshotBreak(CLI::App& snapshot, Invocation& invocation);

// shadowport-array attachments list [--host NAME]
void RegisterAttachmentsList(CLI::App& attachments, Invocation& invocation);

// Host verbs (--host/--credential-file): shadowport-array attach LUN
//   [--read-only] | detach LUN, where LUN is an id, a name or an NAA id.
void RegisterAttach(CLI::App& app, Invocation& invocation);
void RegisterDetach(CLI::App& app, Invocation& invocation);

}  // namespace sp::array::cli

#endif  // SHADOWPORT_ARRAY_CLI_COMMANDS_H_
