#include "create_options.h"

namespace sp::cli {

Result<ContextChoice> SelectContext(const ContextFlags& flags) {
  ContextChoice choice;
  if (!flags.context_name.empty()) {
    if (flags.persistent || flags.no_writers) {
      return Status(Code::kInvalidArg,
                    "--context cannot be combined with --persistent or "
                    "--no-writers (the context already says both)");
    }
    SP_ASSIGN_OR_RETURN(choice.base, ParseContextName(flags.context_name));
  } else if (flags.persistent) {
    choice.base =
        flags.no_writers ? Context::kNasRollback : Context::kAppRollback;
  } else {
    choice.base =
        flags.no_writers ? Context::kFileShareBackup : Context::kBackup;
  }
  if (flags.differential && flags.plex) {
    return Status(Code::kInvalidArg,
                  "--differential and --plex are mutually exclusive "
                  "(a snapshot is either copy-on-write or a full mirror)");
  }
  uint32_t modifiers = 0;
  if (flags.transportable) modifiers |= attr::kTransportable;
  if (flags.differential) modifiers |= attr::kDifferential;
  if (flags.plex) modifiers |= attr::kPlex;
  choice.value = static_cast<uint32_t>(choice.base) | modifiers;
  choice.involves_writers =
      choice.base != Context::kAll && (choice.value & attr::kNoWriters) == 0;
  choice.lifetime = LifetimeOf(choice.value);
  return choice;
}

}  // namespace sp::cli
