// The verbs of the `shadowport` CLI, one file each (cmd_[<group>_]<verb>.cc).
//
// main() builds the CLI11 app and calls each verb's Register function, which
// adds a subcommand to the group given and arranges for the verb to run when
// it is selected. A verb prints its normal output to `Invocation::out` and
// leaves its outcome in `Invocation::status`; it never prints an error
// itself: main() prints a failed status once, on stderr, and turns its code
// into the exit code of the code table.
//
// Thread safety: single-threaded, like the CLI.
#ifndef SHADOWPORT_CLI_COMMANDS_H_
#define SHADOWPORT_CLI_COMMANDS_H_

#include <ostream>

#include "shadowport/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sp::cli {

// What main() hands to every verb. REQUIRES: outlives the CLI11 app's parse.
struct Invocation {
  std::ostream& out;
  Status status;  // set by the verb that ran; OK if none failed
};

// `shadowport doc show FILE [--json]`: summary of a BCD or WMD.
void RegisterDocShow(CLI::App& doc, Invocation& invocation);
// `shadowport doc validate FILE [--type bcd|wmd]`: load and validate.
void RegisterDocValidate(CLI::App& doc, Invocation& invocation);

// Verbs that talk to shadowportd (--socket PATH, default
// sp::kDefaultServiceSocket or $SHADOWPORT_SOCKET; --json).
// `shadowport create VOLUME... [...]`: make a snapshot set (systemOne).
void RegisterCreate(CLI::App& app, Invocation& invocation);
// `shadowport list [--set ID]`: the snapshots the service knows.
void RegisterList(CLI::App& app, Invocation& invocation);
// `shadowport delete ID [--set] [--force]`: delete a snapshot or a set.
void RegisterDelete(CLI::App& app, Invocation& invocation);
// `shadowport writers [--metadata]`: registered writers and their state.
void RegisterWriters(CLI::App& app, Invocation& invocation);
// `shadowport status`: the service's state.
void RegisterStatus(CLI::App& app, Invocation& invocation);
// `shadowport done BCD|BUNDLE [--failed] [--component-failed PATH]...`:
// the importing host's done-signal to the creating host.
void RegisterDone(CLI::App& app, Invocation& invocation);
// `shadowport import BCD|BUNDLE [--no-expose] [--exec FILE] [--delete]
// [--signal-done] [--hold]`: import a transportable set (systemTwo).
void RegisterImport(CLI::App& app, Invocation& invocation);
// `shadowport expose|unexpose SNAPSHOT_ID`: mount an imported snapshot
// read-only under the exposure root, or unmount it.
void RegisterExpose(CLI::App& app, Invocation& invocation);
void RegisterUnexpose(CLI::App& app, Invocation& invocation);
// `shadowport cleanup`: remove what a crash mid-import left.
void RegisterCleanup(CLI::App& app, Invocation& invocation);
// `shadowport break SET_ID [--writable]`: an imported set becomes ordinary
// volumes (VSS BreakSnapshotSet; docs/fast-recovery.md).
void RegisterBreak(CLI::App& app, Invocation& invocation);
// `shadowport path SET_ID ORIGINAL_PATH...`: original paths onto the
// exposed snapshots (step 7).
void RegisterPath(CLI::App& app, Invocation& invocation);
// `shadowport files BUNDLE|BCD [--writer W] [--component PATH]... [--null]
// [--relative]`: the files of the backup's components in the exposed
// snapshots (step 7; docs/components.md).
void RegisterFiles(CLI::App& app, Invocation& invocation);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_COMMANDS_H_
