#include "shadowport/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace sp {
namespace {

TEST(Base64, KnownVectorsRoundTrip) {  // RFC 4648 section 10
  const std::pair<std::string, std::string> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  EXPECT_EQ(Base64Decode(Base64Encode(binary)), binary);
  EXPECT_EQ(Base64Decode("Zm9v\nYmFy"), "foobar");
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"Zm9", "Zm9v!A==", "Z===", "Zg==Zg==", "=Zg="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Timestamp, FormatsAndParsesUtcWithMicroseconds) {
  EXPECT_EQ(FormatUtcTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatUtcTimestamp(1795564425123456),
            "2026-11-24T23:53:45.123456Z");
  EXPECT_EQ(FormatUtcTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(ParseUtcTimestamp("2026-11-24T23:53:45.123456Z"), 1795564425123456);
  EXPECT_EQ(ParseUtcTimestamp(FormatUtcTimestamp(-1)), -1);
  EXPECT_EQ(FormatUtcTimestamp(INT64_MAX),
            std::to_string(INT64_MAX) + " us since the epoch");
}

TEST(Timestamp, RejectsAnythingElse) {
  for (const char* bad :
       {"", "2026-11-24T23:53:45Z", "2026-11-24 23:53:45.123456Z",
        "2026-02-30T00:00:00.000000Z", "2026-13-01T00:00:00.000000Z",
        "2026-11-24T24:00:00.000000Z", "2026-11-24T23:53:45.123456+",
        "2O26-11-24T23:53:45.123456Z"}) {
    EXPECT_FALSE(ParseUtcTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sp
