#include "shadowport/context.h"

#include <array>
#include <cstdio>
#include <utility>

namespace sp {
namespace {

struct ContextRow {
  Context context;
  std::string_view name;
  std::string_view short_name;
};

constexpr std::array<ContextRow, 7> kContexts = {{
    {Context::kBackup, "VSS_CTX_BACKUP", "backup"},
    {Context::kFileShareBackup, "VSS_CTX_FILE_SHARE_BACKUP",
     "file_share_backup"},
    {Context::kNasRollback, "VSS_CTX_NAS_ROLLBACK", "nas_rollback"},
    {Context::kAppRollback, "VSS_CTX_APP_ROLLBACK", "app_rollback"},
    {Context::kClientAccessible, "VSS_CTX_CLIENT_ACCESSIBLE",
     "client_accessible"},
    {Context::kClientAccessibleWriters, "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS",
     "client_accessible_writers"},
    {Context::kAll, "VSS_CTX_ALL", "all"},
}};

struct AttrRow {
  uint32_t bit;
  std::string_view name;
};

constexpr std::array<AttrRow, 19> kAttributes = {{
    {attr::kPersistent, "PERSISTENT"},
    {attr::kNoAutoRecovery, "NO_AUTORECOVERY"},
    {attr::kClientAccessible, "CLIENT_ACCESSIBLE"},
    {attr::kNoAutoRelease, "NO_AUTO_RELEASE"},
    {attr::kNoWriters, "NO_WRITERS"},
    {attr::kTransportable, "TRANSPORTABLE"},
    {attr::kNotSurfaced, "NOT_SURFACED"},
    {attr::kNotTransacted, "NOT_TRANSACTED"},
    {attr::kHardwareAssisted, "HARDWARE_ASSISTED"},
    {attr::kDifferential, "DIFFERENTIAL"},
    {attr::kPlex, "PLEX"},
    {attr::kImported, "IMPORTED"},
    {attr::kExposedLocally, "EXPOSED_LOCALLY"},
    {attr::kExposedRemotely, "EXPOSED_REMOTELY"},
    {attr::kAutoRecover, "AUTORECOVER"},
    {attr::kRollbackRecovery, "ROLLBACK_RECOVERY"},
    {attr::kDelayedPostSnapshot, "DELAYED_POSTSNAPSHOT"},
    {attr::kTxfRecovery, "TXF_RECOVERY"},
    {attr::kFileShare, "FILE_SHARE"},
}};

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%X", v);
  return buf;
}

bool IsClientAccessible(Context c) {
  return c == Context::kClientAccessible ||
         c == Context::kClientAccessibleWriters;
}

}  // namespace

uint32_t ImpliedAttributes(Context context) {
  return context == Context::kAll ? 0 : static_cast<uint32_t>(context);
}

Lifetime LifetimeOf(uint32_t snapshot_attributes) {
  if (snapshot_attributes & attr::kPersistent) return Lifetime::kPersistent;
  if (snapshot_attributes & attr::kNoAutoRelease) {
    return Lifetime::kUntilServiceRestart;
  }
  return Lifetime::kAutoRelease;
}

Result<ContextSpec> ValidateContext(uint32_t value, ContextUse use) {
  if (value == static_cast<uint32_t>(Context::kAll)) {
    if (use == ContextUse::kCreate) {
      return Status(Code::kInvalidArg,
                    "VSS_CTX_ALL is administrative only: it cannot be used to "
                    "create a snapshot set");
    }
    return ContextSpec{Context::kAll, 0};
  }
  const uint32_t modifiers = value & attr::kRequesterModifiers;
  const uint32_t base_value = value & ~attr::kRequesterModifiers;
  const ContextRow* base = nullptr;
  for (const ContextRow& row : kContexts) {
    if (row.context != Context::kAll &&
        static_cast<uint32_t>(row.context) == base_value) {
      base = &row;
    }
  }
  if (base == nullptr) {
    const uint32_t undefined = value & ~attr::kAllDefined;
    if (undefined != 0) {
      return Status(Code::kInvalidArg, "context " + Hex(value) +
                                           " has undefined attribute bits " +
                                           Hex(undefined));
    }
    return Status(Code::kInvalidArg,
                  "context " + Hex(value) +
                      " is not a VSS_CTX_* value plus "
                      "requester attributes; " +
                      AttributesToString(base_value) +
                      " may only be set by the service or implied by a "
                      "context");
  }
  if ((modifiers & attr::kDifferential) && (modifiers & attr::kPlex)) {
    return Status(Code::kInvalidArg,
                  "DIFFERENTIAL and PLEX are mutually exclusive");
  }
  constexpr uint32_t kHardwareOnly =
      attr::kTransportable | attr::kDifferential | attr::kPlex;
  if (IsClientAccessible(base->context) && (modifiers & kHardwareOnly)) {
    return Status(Code::kUnsupportedContext,
                  std::string(base->name) +
                      " is served by the system provider only; it cannot "
                      "take " +
                      AttributesToString(modifiers & kHardwareOnly));
  }
  return ContextSpec{base->context, modifiers};
}

std::string_view ContextName(Context context) {
  for (const ContextRow& row : kContexts) {
    if (row.context == context) return row.name;
  }
  return "VSS_CTX_UNKNOWN";
}

Result<Context> ParseContextName(std::string_view name) {
  for (const ContextRow& row : kContexts) {
    if (row.name == name || row.short_name == name) return row.context;
  }
  return Status(Code::kInvalidArg,
                "unknown context '" + std::string(name) +
                    "' (want backup, file_share_backup, nas_rollback, "
                    "app_rollback, client_accessible, "
                    "client_accessible_writers or all)");
}

std::string_view AttributeName(uint32_t bit) {
  for (const AttrRow& row : kAttributes) {
    if (row.bit == bit) return row.name;
  }
  return "";
}

uint32_t AttributeFromName(std::string_view name) {
  for (const AttrRow& row : kAttributes) {
    if (row.name == name) return row.bit;
  }
  return 0;
}

std::string AttributesToString(uint32_t attributes) {
  std::string out;
  for (const AttrRow& row : kAttributes) {
    if (attributes & row.bit) {
      if (!out.empty()) out += ' ';
      out += row.name;
    }
  }
  if (uint32_t undefined = attributes & ~attr::kAllDefined) {
    if (!out.empty()) out += ' ';
    out += Hex(undefined);
  }
  return out;
}

Result<uint32_t> ParseAttributes(std::string_view text) {
  uint32_t bits = 0;
  while (!text.empty()) {
    size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    uint32_t bit = AttributeFromName(word);
    if (bit == 0) {
      return Status(Code::kInvalidArg,
                    "unknown snapshot attribute '" + std::string(word) + "'");
    }
    bits |= bit;
    text.remove_prefix(word.size());
  }
  return bits;
}

}  // namespace sp
