#include "shadowport/path_translation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sp {
namespace {

using namespace std::string_literals;

const std::vector<VolumeExposure> kSet = {
    {"/srv", "/run/sp/sets/s1/srv"},
    {"/srv/F", "/run/sp/sets/s1/srv_F"},
    {"/opt/app", "/run/sp/sets/s1/opt_app"},
};

// A set holding the root filesystem too.
const std::vector<VolumeExposure> kRootSet = {
    {"/srv/F", "/run/sp/sets/s2/srv_F"},
    {"/", "/run/sp/sets/s2/root"},
};

struct Case {
  std::string path;
  Code code;             // kOk: `expected` is the translation
  std::string expected;  // the translated path, when kOk
};

void CheckCases(const std::vector<VolumeExposure>& volumes,
                const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(QuotedPath(c.path));
    Result<std::string> got = TranslatePath(c.path, volumes);
    EXPECT_EQ(got.status().code(), c.code) << got.status().ToString();
    if (c.code == Code::kOk && got.ok()) {
      EXPECT_EQ(*got, c.expected);
    }
  }
}

TEST(TranslatePath, Table) {
  CheckCases(kSet,
             {
                 // Normal and nested mount points: the longest prefix wins.
                 {"/srv/F/pgdata/base", Code::kOk,
                  "/run/sp/sets/s1/srv_F/pgdata/base"},
                 {"/srv/F", Code::kOk, "/run/sp/sets/s1/srv_F"},
                 {"/srv/F/", Code::kOk, "/run/sp/sets/s1/srv_F"},
                 {"/srv/other/x", Code::kOk, "/run/sp/sets/s1/srv/other/x"},
                 {"/srv", Code::kOk, "/run/sp/sets/s1/srv"},
                 // Prefixes only on component boundaries.
                 {"/srv/Foo/x", Code::kOk, "/run/sp/sets/s1/srv/Foo/x"},
                 {"/srv/F.old", Code::kOk, "/run/sp/sets/s1/srv/F.old"},
                 {"/opt/application/x", Code::kPathNotOnSet, ""},
                 {"/srvx", Code::kPathNotOnSet, ""},
                 // Normalization of '/', '//' and '.'.
                 {"//srv///F//a", Code::kOk, "/run/sp/sets/s1/srv_F/a"},
                 {"/opt/app/./bin/./tool", Code::kOk,
                  "/run/sp/sets/s1/opt_app/bin/tool"},
                 {"/./srv/F/.", Code::kOk, "/run/sp/sets/s1/srv_F"},
                 {"/srv/F/..hidden/...", Code::kOk,
                  "/run/sp/sets/s1/srv_F/..hidden/..."},
                 // '..' anywhere, even when it would stay inside.
                 {"/srv/F/../etc/passwd", Code::kPathEscape, ""},
                 {"/../srv/F", Code::kPathEscape, ""},
                 {"/srv/F/a/..", Code::kPathEscape, ""},
                 {"/srv/F/a/../b", Code::kPathEscape, ""},
                 {"/srv/F/a/../../../../etc", Code::kPathEscape, ""},
                 {"/srv/F/a/..//b", Code::kPathEscape, ""},
                 // Not on the set.
                 {"/etc/passwd", Code::kPathNotOnSet, ""},
                 {"/", Code::kPathNotOnSet, ""},
                 // Not a usable path.
                 {"srv/F/a", Code::kInvalidArg, ""},
                 {"./srv/F", Code::kInvalidArg, ""},
                 {"../srv/F", Code::kInvalidArg, ""},
                 {"", Code::kInvalidArg, ""},
                 {"/srv/F/a\0/../../etc"s, Code::kInvalidArg, ""},
                 {"\0"s, Code::kInvalidArg, ""},
             });
}

TEST(TranslatePath, RootMountPointHoldsEverything) {
  CheckCases(kRootSet,
             {
                 {"/", Code::kOk, "/run/sp/sets/s2/root"},
                 {"/etc/passwd", Code::kOk, "/run/sp/sets/s2/root/etc/passwd"},
                 {"/srv/F/x", Code::kOk, "/run/sp/sets/s2/srv_F/x"},
                 {"/srv/Fx", Code::kOk, "/run/sp/sets/s2/root/srv/Fx"},
                 {"//", Code::kOk, "/run/sp/sets/s2/root"},
                 {"/..", Code::kPathEscape, ""},
             });
}

TEST(TranslatePath, ExposureRootMayBeSlash) {
  const std::vector<VolumeExposure> volumes = {{"/srv/F", "/"}};
  CheckCases(volumes, {
                          {"/srv/F/a/b", Code::kOk, "/a/b"},
                          {"/srv/F", Code::kOk, "/"},
                      });
}

TEST(TranslatePath, EmptySetHoldsNothing) {
  EXPECT_EQ(TranslatePath("/srv/F/x", {}).status().code(), Code::kPathNotOnSet);
}

TEST(TranslatePath, MessagesNameThePath) {
  Result<std::string> escape = TranslatePath("/srv/F/../etc", kSet);
  EXPECT_NE(escape.status().message().find("'/srv/F/../etc'"),
            std::string::npos)
      << escape.status().message();
  Result<std::string> off = TranslatePath("/etc/passwd", kSet);
  EXPECT_NE(off.status().message().find("'/etc/passwd'"), std::string::npos)
      << off.status().message();
  Result<std::string> nul = TranslatePath("/srv/F/a\0b"s, kSet);
  EXPECT_NE(nul.status().message().find("'/srv/F/a\\x00b'"), std::string::npos)
      << nul.status().message();
}

TEST(RelativeToVolume, GivesIndexAndRelativePart) {
  struct RelCase {
    std::string path;
    size_t index;
    std::string relative;
  };
  for (const RelCase& c : std::vector<RelCase>{
           {"/srv/F/pgdata/base", 1, "pgdata/base"},
           {"/srv/F", 1, "."},
           {"/srv//F/./", 1, "."},
           {"/srv/Foo", 0, "Foo"},
           {"/opt/app/bin", 2, "bin"},
       }) {
    SCOPED_TRACE(c.path);
    Result<VolumeRelativePath> got = RelativeToVolume(c.path, kSet);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->volume_index, c.index);
    EXPECT_EQ(got->relative_path, c.relative);
  }
  Result<VolumeRelativePath> root = RelativeToVolume("/etc/x", kRootSet);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->volume_index, 1u);
  EXPECT_EQ(root->relative_path, "etc/x");
}

TEST(RelativeToVolume, RefusesBadVolumes) {
  const std::string kGood = "/run/sp/sets/s1/x";
  for (const VolumeExposure& bad : std::vector<VolumeExposure>{
           {"srv/F", kGood},
           {"/srv/F/", kGood},
           {"/srv//F", kGood},
           {"/srv/./F", kGood},
           {"/srv/../F", kGood},
           {"", kGood},
           {"/srv/F\0"s, kGood},
           {"/srv/F", "run/sp"},
           {"/srv/F", "/run/sp/../etc"},
           {"/srv/F", "/run//sp"},
           {"/srv/F", ""},
       }) {
    SCOPED_TRACE(QuotedPath(bad.original_mount_point) + " -> " +
                 QuotedPath(bad.exposure_root));
    const std::vector<VolumeExposure> volumes = {bad};
    EXPECT_EQ(RelativeToVolume("/srv/F/x", volumes).status().code(),
              Code::kInvalidArg);
  }
  const std::vector<VolumeExposure> twice = {{"/srv/F", "/a"},
                                             {"/srv/F", "/b"}};
  EXPECT_EQ(RelativeToVolume("/srv/F/x", twice).status().code(),
            Code::kInvalidArg);
}

TEST(PathBelow, OnComponentBoundariesOnly) {
  EXPECT_EQ(PathBelow("/srv/F", "/srv/F/x/y"), "x/y");
  EXPECT_EQ(PathBelow("/srv/F", "/srv/F"), "");
  EXPECT_EQ(PathBelow("/srv/F", "/srv/Foo"), std::nullopt);
  EXPECT_EQ(PathBelow("/srv/F", "/srv"), std::nullopt);
  EXPECT_EQ(PathBelow("/", "/srv"), "srv");
  EXPECT_TRUE(PathsOverlap("/srv/F", "/srv/F/x"));
  EXPECT_TRUE(PathsOverlap("/srv/F/x", "/srv/F"));
  EXPECT_TRUE(PathsOverlap("/", "/x"));
  EXPECT_TRUE(PathsOverlap("/a", "/a"));
  EXPECT_FALSE(PathsOverlap("/srv/F", "/srv/Foo"));
  EXPECT_FALSE(PathsOverlap("/a/b", "/a/c"));
}

TEST(NormalizeAbsolutePath, Normalizes) {
  EXPECT_EQ(*NormalizeAbsolutePath("/"), "/");
  EXPECT_EQ(*NormalizeAbsolutePath("///"), "/");
  EXPECT_EQ(*NormalizeAbsolutePath("/./."), "/");
  EXPECT_EQ(*NormalizeAbsolutePath("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(NormalizeAbsolutePath("/a/..").status().code(), Code::kPathEscape);
}

TEST(QuotedPath, EscapesUnprintableBytes) {
  EXPECT_EQ(QuotedPath("/srv/F"), "'/srv/F'");
  EXPECT_EQ(QuotedPath("a\nb'c\\\xff"), "'a\\x0ab\\x27c\\x5c\\xff'");
}

}  // namespace
}  // namespace sp
