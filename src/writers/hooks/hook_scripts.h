// The scripts of a hook directory, chosen as qemu-guest-agent's
// fsfreeze-hook dispatcher chooses them (scripts/qemu-guest-agent/
// fsfreeze-hook: `for file in "$DIR"/*`, skip backups and package-manager
// leftovers, run what is executable), so that a fsfreeze-hook.d directory
// works here unchanged:
//   - names starting with '.' are not listed (the shell glob `*` skips them);
//   - names matching *~ *.bak *.orig *.rpm* *.sample *.dpkg-* are skipped;
//   - what is not a regular file (after following symlinks) or has no
//     execute bit is skipped (the writer runs as root, for whom `[ -x ]`
//     means "any execute bit").
// Order: byte order of the names (the glob's order under LC_ALL=C), which
// is how a numbered prefix (10-db, 20-app) orders them.
//
// Thread safety: pure functions (ListHookScripts reads the directory).
#ifndef SHADOWPORT_WRITERS_HOOKS_HOOK_SCRIPTS_H_
#define SHADOWPORT_WRITERS_HOOKS_HOOK_SCRIPTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::writers::hooks {

// True when qemu-ga's dispatcher would skip a file of this name (a dot
// file, or one of the backup/package patterns above).
bool IsIgnoredHookName(std::string_view name);

struct HookListing {
  std::vector<std::string> scripts;  // absolute paths, in run order
  // "NAME: why" for every entry left out (logged, so a script that does not
  // run because it lost its x bit is visible).
  std::vector<std::string> skipped;
};

// The scripts of `dir` (absolute), in run order. VSS_E_OBJECT_NOT_FOUND when
// `dir` does not exist or is not a directory; SP_E_IO when it cannot be read.
Result<HookListing> ListHookScripts(const std::string& dir);

}  // namespace sp::writers::hooks

#endif  // SHADOWPORT_WRITERS_HOOKS_HOOK_SCRIPTS_H_
