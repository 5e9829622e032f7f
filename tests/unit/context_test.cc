// One table covering every context/attribute rule of reference section 2.
#include "shadowport/context.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

namespace sp {
namespace {

using C = Context;
constexpr uint32_t V(Context c) { return static_cast<uint32_t>(c); }

struct Case {
  const char* rule;
  uint32_t value;
  ContextUse use;
  Code code;  // kOk when legal
  std::optional<Context> base = std::nullopt;
  bool writers = false;
  Lifetime lifetime = Lifetime::kAutoRelease;
};

constexpr ContextUse kCreate = ContextUse::kCreate;
constexpr ContextUse kAdmin = ContextUse::kAdministrative;

const Case kCases[] = {
    // Every creatable context, its composition, writers and lifetime
    // (2.1, 2.2).
    {"backup: writers, auto-release", V(C::kBackup), kCreate, Code::kOk,
     C::kBackup, true, Lifetime::kAutoRelease},
    {"file share backup: no writers, auto-release", V(C::kFileShareBackup),
     kCreate, Code::kOk, C::kFileShareBackup, false, Lifetime::kAutoRelease},
    {"nas rollback: persistent, no writers", V(C::kNasRollback), kCreate,
     Code::kOk, C::kNasRollback, false, Lifetime::kPersistent},
    {"app rollback: persistent, writers", V(C::kAppRollback), kCreate,
     Code::kOk, C::kAppRollback, true, Lifetime::kPersistent},
    {"client accessible: persistent, no writers", V(C::kClientAccessible),
     kCreate, Code::kOk, C::kClientAccessible, false, Lifetime::kPersistent},
    {"client accessible writers: persistent, writers",
     V(C::kClientAccessibleWriters), kCreate, Code::kOk,
     C::kClientAccessibleWriters, true, Lifetime::kPersistent},
    // TRANSPORTABLE may be OR-ed into the creatable contexts (2.3, seed step
    // 3).
    {"backup|transportable", V(C::kBackup) | attr::kTransportable, kCreate,
     Code::kOk, C::kBackup, true, Lifetime::kAutoRelease},
    {"file share|transportable", V(C::kFileShareBackup) | attr::kTransportable,
     kCreate, Code::kOk, C::kFileShareBackup, false, Lifetime::kAutoRelease},
    {"nas rollback|transportable", V(C::kNasRollback) | attr::kTransportable,
     kCreate, Code::kOk, C::kNasRollback, false, Lifetime::kPersistent},
    {"app rollback|transportable", V(C::kAppRollback) | attr::kTransportable,
     kCreate, Code::kOk, C::kAppRollback, true, Lifetime::kPersistent},
    // ...but not into the CLIENT_ACCESSIBLE ones (system provider only).
    {"client accessible|transportable",
     V(C::kClientAccessible) | attr::kTransportable, kCreate,
     Code::kUnsupportedContext},
    {"client accessible writers|transportable",
     V(C::kClientAccessibleWriters) | attr::kTransportable, kCreate,
     Code::kUnsupportedContext},
    {"client accessible|plex", V(C::kClientAccessible) | attr::kPlex, kCreate,
     Code::kUnsupportedContext},
    // DIFFERENTIAL xor PLEX, with or without TRANSPORTABLE.
    {"backup|transportable|differential",
     V(C::kBackup) | attr::kTransportable | attr::kDifferential, kCreate,
     Code::kOk, C::kBackup, true, Lifetime::kAutoRelease},
    {"app rollback|transportable|plex",
     V(C::kAppRollback) | attr::kTransportable | attr::kPlex, kCreate,
     Code::kOk, C::kAppRollback, true, Lifetime::kPersistent},
    {"differential|plex", V(C::kBackup) | attr::kDifferential | attr::kPlex,
     kCreate, Code::kInvalidArg},
    {"transportable|differential|plex",
     V(C::kAppRollback) | attr::kTransportable | attr::kDifferential |
         attr::kPlex,
     kCreate, Code::kInvalidArg},
    // Other attributes a requester may add (qemu-ga's combination included).
    {"qemu-ga: app rollback|transportable|no autorecovery|txf",
     V(C::kAppRollback) | attr::kTransportable | attr::kNoAutoRecovery |
         attr::kTxfRecovery,
     kCreate, Code::kOk, C::kAppRollback, true, Lifetime::kPersistent},
    {"not transacted", V(C::kBackup) | attr::kNotTransacted, kCreate, Code::kOk,
     C::kBackup, true, Lifetime::kAutoRelease},
    {"rollback recovery", V(C::kBackup) | attr::kRollbackRecovery, kCreate,
     Code::kOk, C::kBackup, true, Lifetime::kAutoRelease},
    // Bits only the service sets, alone or on top of a context.
    {"service-only: imported", V(C::kBackup) | attr::kImported, kCreate,
     Code::kInvalidArg},
    {"service-only: hardware assisted", attr::kHardwareAssisted, kCreate,
     Code::kInvalidArg},
    {"service-only: not surfaced", V(C::kBackup) | attr::kNotSurfaced, kCreate,
     Code::kInvalidArg},
    {"service-only: exposed locally", attr::kExposedLocally, kCreate,
     Code::kInvalidArg},
    {"service-only: delayed postsnapshot", attr::kDelayedPostSnapshot, kCreate,
     Code::kInvalidArg},
    {"service-only: persistent alone is no context", attr::kPersistent, kCreate,
     Code::kInvalidArg},
    {"service-only: no auto release alone", attr::kNoAutoRelease, kCreate,
     Code::kInvalidArg},
    {"service-only: client accessible bit alone", attr::kClientAccessible,
     kCreate, Code::kInvalidArg},
    {"undefined bit", 0x8000, kCreate, Code::kInvalidArg},
    {"undefined high bit", 0x40000000, kAdmin, Code::kInvalidArg},
    // ALL is administrative only.
    {"all for create", V(C::kAll), kCreate, Code::kInvalidArg},
    {"all for administration", V(C::kAll), kAdmin, Code::kOk, C::kAll, false,
     Lifetime::kAutoRelease},
    {"app rollback for administration", V(C::kAppRollback), kAdmin, Code::kOk,
     C::kAppRollback, true, Lifetime::kPersistent},
};

class ContextRules : public testing::TestWithParam<Case> {};

TEST_P(ContextRules, Rule) {
  const Case& c = GetParam();
  Result<ContextSpec> spec = ValidateContext(c.value, c.use);
  EXPECT_EQ(spec.status().code(), c.code)
      << c.rule << ": " << spec.status().ToString();
  if (c.code != Code::kOk) {
    EXPECT_FALSE(spec.status().message().empty()) << c.rule;
    return;
  }
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->base, *c.base) << c.rule;
  EXPECT_EQ(spec->value(), c.value) << c.rule;
  if (c.base != C::kAll) {
    EXPECT_EQ(spec->involves_writers(), c.writers) << c.rule;
    EXPECT_EQ(LifetimeOf(spec->SnapshotAttributes()), c.lifetime) << c.rule;
    EXPECT_EQ(spec->SnapshotAttributes() & ImpliedAttributes(*c.base),
              ImpliedAttributes(*c.base))
        << c.rule;
  }
}

INSTANTIATE_TEST_SUITE_P(Reference2, ContextRules, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& p) {
                           std::string name;
                           for (const char* c = p.param.rule; *c; ++c) {
                             name +=
                                 std::isalnum(static_cast<unsigned char>(*c))
                                     ? *c
                                     : '_';
                           }
                           return name + "_" + std::to_string(p.index);
                         });

TEST(Context, ImpliedAttributesMatchVssComposition) {
  EXPECT_EQ(ImpliedAttributes(C::kBackup), 0u);
  EXPECT_EQ(ImpliedAttributes(C::kFileShareBackup), attr::kNoWriters);
  EXPECT_EQ(ImpliedAttributes(C::kNasRollback),
            attr::kPersistent | attr::kNoAutoRelease | attr::kNoWriters);
  EXPECT_EQ(ImpliedAttributes(C::kAppRollback),
            attr::kPersistent | attr::kNoAutoRelease);
  EXPECT_EQ(ImpliedAttributes(C::kClientAccessible),
            attr::kPersistent | attr::kClientAccessible | attr::kNoAutoRelease |
                attr::kNoWriters);
  EXPECT_EQ(ImpliedAttributes(C::kClientAccessibleWriters),
            attr::kPersistent | attr::kClientAccessible | attr::kNoAutoRelease);
}

TEST(Context, LifetimeOfNonPersistentNoAutoReleaseIsUntilRestart) {
  EXPECT_EQ(LifetimeOf(attr::kNoAutoRelease), Lifetime::kUntilServiceRestart);
  EXPECT_EQ(LifetimeOf(attr::kTransportable), Lifetime::kAutoRelease);
  EXPECT_EQ(LifetimeOf(attr::kPersistent | attr::kNoAutoRelease),
            Lifetime::kPersistent);
}

TEST(Context, RequesterAndServiceMasksAreDisjointAndDefined) {
  EXPECT_EQ(attr::kRequesterModifiers & attr::kServiceOnly, 0u);
  EXPECT_EQ(
      (attr::kRequesterModifiers | attr::kServiceOnly) & ~attr::kAllDefined,
      0u);
  // Every defined bit is one or the other.
  EXPECT_EQ(attr::kRequesterModifiers | attr::kServiceOnly, attr::kAllDefined);
}

TEST(Context, NamesRoundTrip) {
  for (C c : {C::kBackup, C::kFileShareBackup, C::kNasRollback, C::kAppRollback,
              C::kClientAccessible, C::kClientAccessibleWriters, C::kAll}) {
    Result<Context> parsed = ParseContextName(ContextName(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(*ParseContextName("app_rollback"), C::kAppRollback);
  EXPECT_EQ(ParseContextName("app_backup").status().code(), Code::kInvalidArg);
}

TEST(Context, AttributesRoundTripThroughText) {
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    if ((bit & attr::kAllDefined) == 0) continue;
    std::string text = AttributesToString(bit);
    EXPECT_EQ(AttributeFromName(text), bit) << text;
  }
  Result<uint32_t> all = ParseAttributes(AttributesToString(attr::kAllDefined));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, attr::kAllDefined);
  EXPECT_EQ(AttributesToString(attr::kTransportable | attr::kPersistent),
            "PERSISTENT TRANSPORTABLE");
  EXPECT_EQ(ParseAttributes("TRANSPORTABLE BOGUS").status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(*ParseAttributes(""), 0u);
}

}  // namespace
}  // namespace sp
