#include "shadowport/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace sp {
namespace {

TEST(CodeTable, EveryRowIsConsistentAndUnique) {
  std::set<std::string_view> names;
  std::set<uint32_t> hresults;
  size_t index = 0;
  for (const CodeInfo& info : AllCodes()) {
    EXPECT_EQ(static_cast<size_t>(info.code), index++) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_TRUE(hresults.insert(info.hresult).second) << info.name;
    EXPECT_FALSE(info.what.empty()) << info.name;
    EXPECT_GE(info.grpc_code, 0);
    EXPECT_LE(info.grpc_code, 16);
    const bool success = (info.hresult & 0x80000000u) == 0;
    // Names follow HRESULT severity: *_S_* / S_OK succeed, the rest fail.
    const bool success_name =
        info.name == "S_OK" || info.name.find("_S_") != std::string_view::npos;
    EXPECT_EQ(success, success_name) << info.name;
    EXPECT_EQ(info.retry == Retry::kNone, success) << info.name;
    if (info.code == Code::kOk) {
      EXPECT_EQ(info.exit_code, 0);
      EXPECT_EQ(info.grpc_code, 0);
    } else {
      EXPECT_NE(info.exit_code, 0) << info.name;
      EXPECT_NE(info.exit_code, 2) << info.name << ": 2 is CLI usage errors";
    }
    EXPECT_EQ(CodeFromName(info.name), info.code);
    EXPECT_EQ(CodeFromHresult(info.hresult), info.code);
  }
}

TEST(CodeTable, VssValuesFromReference) {
  EXPECT_EQ(InfoOf(Code::kInvalidXmlDocument).hresult, 0x80042311u);
  EXPECT_EQ(InfoOf(Code::kUnsupportedContext).hresult, 0x8004231Bu);
  EXPECT_EQ(InfoOf(Code::kSnapshotSetInProgress).hresult, 0x80042316u);
  EXPECT_EQ(InfoOf(Code::kNoSnapshotsImported).hresult, 0x80042320u);
  EXPECT_EQ(InfoOf(Code::kSomeSnapshotsNotImported).hresult, 0x00042321u);
  EXPECT_EQ(InfoOf(Code::kWriterTimeout).hresult, 0x800423F2u);
  EXPECT_EQ(InfoOf(Code::kProviderVeto).retry, Retry::kBackoff);
}

TEST(Status, OkAndContext) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status s(Code::kInvalidXmlDocument, "line 3: missing attribute 'id'");
  EXPECT_FALSE(s.ok());
  s.WithContext("loading bcd.xml");
  EXPECT_EQ(s.message(), "loading bcd.xml: line 3: missing attribute 'id'");
  EXPECT_EQ(s.ToString(),
            "VSS_E_INVALID_XML_DOCUMENT (0x80042311): loading bcd.xml: line 3: "
            "missing attribute 'id'");
  EXPECT_TRUE(Status(Code::kSomeSnapshotsNotImported, "1 of 2").ok());
}

TEST(Status, FromErrnoMapsOnce) {
  EXPECT_EQ(FromErrno(ENOENT, "open x").code(), Code::kObjectNotFound);
  EXPECT_EQ(FromErrno(EXDEV, "openat2").code(), Code::kPathEscape);
  EXPECT_EQ(FromErrno(ENOSPC, "write").code(), Code::kInsufficientStorage);
  EXPECT_EQ(FromErrno(EIO, "read").code(), Code::kIoError);
  EXPECT_NE(FromErrno(EIO, "read").message().find("read: "), std::string::npos);
}

TEST(CodeTable, DocsListEveryCode) {
  std::ifstream in(std::string(SP_SOURCE_DIR) + "/docs/errors.md");
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_FALSE(doc.str().empty());
  for (const CodeInfo& info : AllCodes()) {
    char row[128];
    std::snprintf(row, sizeof row, "| `%.*s` | `0x%08X` |",
                  static_cast<int>(info.name.size()), info.name.data(),
                  info.hresult);
    EXPECT_NE(doc.str().find(row), std::string::npos)
        << info.name << " is missing from docs/errors.md";
  }
}

Result<int> Half(int v) {
  if (v % 2) return Status(Code::kInvalidArg, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  SP_ASSIGN_OR_RETURN(int h, Half(v));
  SP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Result, ValueOrStatusAndMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArg);
}

}  // namespace
}  // namespace sp
