// Snapshot contexts (VSS_CTX_*) and snapshot attributes (VSS_VOLSNAP_ATTR_*),
// with the VSS numeric values and legality rules of shared/reference/vss.md
// section 2. A requester's context value is a base context OR-ed with the
// attributes a requester may add (TRANSPORTABLE, DIFFERENTIAL xor PLEX, ...);
// ValidateContext() decides whether such a value is legal for a use.
//
// Thread safety: pure functions over values.
#ifndef SHADOWPORT_CONTEXT_H_
#define SHADOWPORT_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp {

// VSS_VOLSNAP_ATTR_* bits (vss.h values).
namespace attr {
inline constexpr uint32_t kPersistent = 0x1;
inline constexpr uint32_t kNoAutoRecovery = 0x2;
inline constexpr uint32_t kClientAccessible = 0x4;
inline constexpr uint32_t kNoAutoRelease = 0x8;
inline constexpr uint32_t kNoWriters = 0x10;
inline constexpr uint32_t kTransportable = 0x20;
inline constexpr uint32_t kNotSurfaced = 0x40;
inline constexpr uint32_t kNotTransacted = 0x80;
inline constexpr uint32_t kHardwareAssisted = 0x10000;
inline constexpr uint32_t kDifferential = 0x20000;
inline constexpr uint32_t kPlex = 0x40000;
inline constexpr uint32_t kImported = 0x80000;
inline constexpr uint32_t kExposedLocally = 0x100000;
inline constexpr uint32_t kExposedRemotely = 0x200000;
inline constexpr uint32_t kAutoRecover = 0x400000;
inline constexpr uint32_t kRollbackRecovery = 0x800000;
inline constexpr uint32_t kDelayedPostSnapshot = 0x1000000;
inline constexpr uint32_t kTxfRecovery = 0x2000000;
inline constexpr uint32_t kFileShare = 0x4000000;

// Every defined bit.
inline constexpr uint32_t kAllDefined = 0x7FF00FF;
// What a requester may OR into a creatable context.
inline constexpr uint32_t kRequesterModifiers =
    kTransportable | kDifferential | kPlex | kNoAutoRecovery | kNotTransacted |
    kRollbackRecovery | kTxfRecovery;
// Set by the service or a provider only (composition bits of the contexts are
// legal only as part of their context value).
inline constexpr uint32_t kServiceOnly =
    kPersistent | kClientAccessible | kNoAutoRelease | kNoWriters |
    kNotSurfaced | kHardwareAssisted | kImported | kExposedLocally |
    kExposedRemotely | kAutoRecover | kDelayedPostSnapshot | kFileShare;
}  // namespace attr

// VSS_CTX_* values.
enum class Context : uint32_t {
  kBackup = 0x0,
  kFileShareBackup = 0x10,  // NO_WRITERS
  kNasRollback = 0x19,      // PERSISTENT|NO_AUTO_RELEASE|NO_WRITERS
  kAppRollback = 0x9,       // PERSISTENT|NO_AUTO_RELEASE
  kClientAccessible =
      0x1D,  // PERSISTENT|CLIENT_ACCESSIBLE|NO_AUTO_RELEASE|NO_WRITERS
  kClientAccessibleWriters =
      0xD,            // PERSISTENT|CLIENT_ACCESSIBLE|NO_AUTO_RELEASE
  kAll = 0xFFFFFFFF,  // administrative only
};

// How long a snapshot lives (reference section 2.4).
enum class Lifetime {
  kAutoRelease,  // deleted when the creating (or importing) session ends
  kUntilServiceRestart,  // non-persistent, not auto-release: deleted at restart
  kPersistent,           // lives until DeleteSnapshots
};

enum class ContextUse {
  kCreate,          // StartSnapshotSet / DoSnapshotSet
  kAdministrative,  // Query, DeleteSnapshots, BreakSnapshotSet, Expose, Import
};

// A validated context value: base context plus requester modifiers.
struct ContextSpec {
  Context base = Context::kBackup;
  uint32_t modifiers = 0;

  uint32_t value() const { return static_cast<uint32_t>(base) | modifiers; }
  // The attributes a snapshot created in this context carries before the
  // service and provider add theirs (HARDWARE_ASSISTED, NOT_SURFACED, ...).
  // REQUIRES: base != kAll.
  uint32_t SnapshotAttributes() const { return value(); }
  bool involves_writers() const { return (value() & attr::kNoWriters) == 0; }
  bool transportable() const { return (modifiers & attr::kTransportable) != 0; }
};

// Legality (reference 2.3), each failure with a message naming the rule:
// - the value minus requester modifiers must be exactly one VSS_CTX_* value,
//   else E_INVALIDARG (service-only bits named);
// - VSS_CTX_ALL is administrative only: E_INVALIDARG for kCreate;
// - DIFFERENTIAL and PLEX are mutually exclusive: E_INVALIDARG;
// - TRANSPORTABLE, DIFFERENTIAL and PLEX are not supported on the
//   CLIENT_ACCESSIBLE contexts (system-provider only):
//   VSS_E_UNSUPPORTED_CONTEXT.
Result<ContextSpec> ValidateContext(uint32_t value, ContextUse use);

// The attributes implied by a context (its composition), 0 for BACKUP and ALL.
uint32_t ImpliedAttributes(Context context);
Lifetime LifetimeOf(uint32_t snapshot_attributes);

std::string_view ContextName(Context context);  // "VSS_CTX_BACKUP"
// Accepts "VSS_CTX_BACKUP" or the short form "backup", "app_rollback", ...
Result<Context> ParseContextName(std::string_view name);

// Single attribute bit <-> short name ("TRANSPORTABLE"); 0 / "" if unknown.
std::string_view AttributeName(uint32_t bit);
uint32_t AttributeFromName(std::string_view name);
// "TRANSPORTABLE NO_AUTO_RELEASE" in bit order; undefined bits as 0x... hex.
std::string AttributesToString(uint32_t attributes);
// Inverse of AttributesToString for defined names; E_INVALIDARG otherwise.
Result<uint32_t> ParseAttributes(std::string_view text);

}  // namespace sp

#endif  // SHADOWPORT_CONTEXT_H_
