#include "shadowport/guid.h"

#include <gtest/gtest.h>

#include <set>

namespace sp {
namespace {

TEST(Guid, RandomIsVersion4AndUnique) {
  std::set<Guid> seen;
  for (int i = 0; i < 1000; ++i) {
    Result<Guid> g = Guid::Random();
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->bytes()[6] >> 4, 4);
    EXPECT_EQ(g->bytes()[8] >> 6, 2);
    EXPECT_TRUE(seen.insert(*g).second);
  }
}

TEST(Guid, TextFormRoundTrips) {
  Result<Guid> g = Guid::Random();
  ASSERT_TRUE(g.ok());
  std::string text = g->ToString();
  ASSERT_EQ(text.size(), 38u);
  EXPECT_EQ(text.front(), '{');
  EXPECT_EQ(text[9], '-');
  EXPECT_EQ(*Guid::Parse(text), *g);
  EXPECT_EQ(*Guid::Parse(g->ToBareString()), *g);
}

TEST(Guid, ParsesUppercaseAndKnownValue) {
  Result<Guid> g = Guid::Parse("{B5946137-7B9F-4925-AF80-51ABD60B20D5}");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ToString(), "{b5946137-7b9f-4925-af80-51abd60b20d5}");
  EXPECT_EQ(g->bytes()[0], 0xb5);
  EXPECT_EQ(g->bytes()[15], 0xd5);
}

TEST(Guid, RejectsMalformed) {
  for (const char* bad : {"", "{}", "b5946137-7b9f-4925-af80-51abd60b20d",
                          "{b5946137-7b9f-4925-af80-51abd60b20d5",
                          "b5946137x7b9f-4925-af80-51abd60b20d5",
                          "{g5946137-7b9f-4925-af80-51abd60b20d5}",
                          "b594613-77b9f-4925-af80-51abd60b20d5",
                          "{b5946137-7b9f-4925-af80-51abd60b20d5}x"}) {
    Result<Guid> g = Guid::Parse(bad);
    EXPECT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.status().code(), Code::kInvalidArg) << bad;
  }
}

TEST(Guid, NullIsNull) {
  EXPECT_TRUE(Guid().IsNull());
  EXPECT_EQ(Guid().ToString(), "{00000000-0000-0000-0000-000000000000}");
}

TEST(Guid, FromNameIsRfc9562Version5) {
  // RFC 9562 appendix A.4: the DNS namespace and "www.example.com".
  const Guid dns = *Guid::Parse("{6ba7b810-9dad-11d1-80b4-00c04fd430c8}");
  EXPECT_EQ(Guid::FromName(dns, "www.example.com").ToString(),
            "{2ed6657d-e927-568b-95e1-2665a8aea6a2}");
  EXPECT_EQ(Guid::FromName(dns, "a"), Guid::FromName(dns, "a"));
  EXPECT_NE(Guid::FromName(dns, "a"), Guid::FromName(dns, "b"));
  EXPECT_NE(Guid::FromName(dns, "a"), Guid::FromName(Guid(), "a"));
}

}  // namespace
}  // namespace sp
