// The options of `shadowport create` and the choice of the snapshot context
// they make, after vshadow's UpdateFinalContext (reference 2.3):
//
//   flags                      context
//   (none)                     VSS_CTX_BACKUP
//   --persistent               VSS_CTX_APP_ROLLBACK
//   --no-writers               VSS_CTX_FILE_SHARE_BACKUP
//   --persistent --no-writers  VSS_CTX_NAS_ROLLBACK
//   --context NAME             NAME (sp::ParseContextName)
//
// --transportable, --differential and --plex OR their attribute in. The CLI
// refuses only what is contradictory on its face (DIFFERENTIAL with PLEX,
// --context with --persistent or --no-writers); whether the service and its
// providers can make the set is theirs to say.
//
// Thread safety: values and pure functions.
#ifndef SHADOWPORT_CLI_CREATE_OPTIONS_H_
#define SHADOWPORT_CLI_CREATE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shadowport/context.h"
#include "shadowport/status.h"

namespace sp::cli {

struct ContextFlags {
  std::string context_name;  // --context; "" when not given
  bool persistent = false;
  bool no_writers = false;
  bool transportable = false;
  bool differential = false;
  bool plex = false;
};

struct ContextChoice {
  Context base = Context::kBackup;
  uint32_t value = 0;  // base | attributes asked for
  bool involves_writers = true;
  Lifetime lifetime = Lifetime::kAutoRelease;
};

// E_INVALIDARG for --context with --persistent or --no-writers, for
// DIFFERENTIAL with PLEX, and for an unknown context name.
Result<ContextChoice> SelectContext(const ContextFlags& flags);

// Everything `shadowport create` was given.
struct CreateOptions {
  std::string socket;
  bool json = false;
  std::vector<std::string> volumes;
  ContextFlags context;
  std::vector<std::string> importers;         // --importer
  std::vector<std::string> excluded_writers;  // --exclude-writer name or id
  std::vector<std::string> components;        // --component WRITER:PATH
  std::string bcd_file;                       // --bcd
  std::string wmd_dir;                        // --wmd-dir
  std::string metadata_file;                  // --metadata
  std::string exec_file;                      // --exec
  bool wait_done = false;
  int64_t wait_timeout_s = 0;  // 0: wait until a signal
};

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_CREATE_OPTIONS_H_
