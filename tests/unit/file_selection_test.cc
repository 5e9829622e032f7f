// The WMD's file descriptors as matching rules
// (shadowport/file_selection.h): VSS filespecs, recursion, exclusions,
// backup type masks and hostile descriptors.
#include "shadowport/file_selection.h"

#include <gtest/gtest.h>

#include <string>

namespace sp {
namespace {

TEST(MatchFilespec, StarAndQuestionMark) {
  EXPECT_TRUE(MatchFilespec("*", "anything"));
  EXPECT_TRUE(MatchFilespec("*", ".hidden"));
  EXPECT_TRUE(MatchFilespec("*.db", "main.db"));
  EXPECT_TRUE(MatchFilespec("*.db", ".db"));
  EXPECT_FALSE(MatchFilespec("*.db", "main.db-wal"));
  EXPECT_FALSE(MatchFilespec("*.db", "main.DB"));  // case-sensitive
  EXPECT_TRUE(MatchFilespec("*.db*", "main.db-wal"));
  EXPECT_TRUE(MatchFilespec("0000*", "000000010000000000000001"));
  EXPECT_FALSE(MatchFilespec("0000*", "100000010000000000000001"));
  EXPECT_TRUE(MatchFilespec("log?.txt", "log1.txt"));
  EXPECT_FALSE(MatchFilespec("log?.txt", "log.txt"));
  EXPECT_FALSE(MatchFilespec("log?.txt", "log12.txt"));
  EXPECT_TRUE(MatchFilespec("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(MatchFilespec("a*b*c", "abbbc"));
  EXPECT_FALSE(MatchFilespec("a*b*c", "aXXbYY"));
  EXPECT_TRUE(MatchFilespec("**", ""));
  EXPECT_TRUE(MatchFilespec("exact", "exact"));
  EXPECT_FALSE(MatchFilespec("exact", "exact2"));
  EXPECT_FALSE(MatchFilespec("exact", "exac"));
  // A '*' in the name is a character like any other to a pattern's '*'.
  EXPECT_TRUE(MatchFilespec("*a", "*xa"));
  EXPECT_TRUE(MatchFilespec("*.log", "*x.log"));
  EXPECT_TRUE(MatchFilespec("*?", "*"));
  EXPECT_TRUE(MatchFilespec("*x", "**x"));
  EXPECT_FALSE(MatchFilespec("a*", "*a"));
}

TEST(MatchFilespec, StarDotStarMeansEveryNameAsOnWindows) {
  EXPECT_TRUE(MatchFilespec("*.*", "no_dot"));
  EXPECT_TRUE(MatchFilespec("*.*", "a.b"));
  EXPECT_FALSE(MatchFilespec("*.*x", "no_dot"));
}

TEST(MatchFilespec, PathologicalPatternsStayFast) {
  const std::string name(4000, 'a');
  EXPECT_FALSE(MatchFilespec("*a*a*a*a*a*a*a*a*a*a*b", name));
}

FileDescriptor Descriptor(std::string path, std::string filespec,
                          bool recursive) {
  FileDescriptor d;
  d.path = std::move(path);
  d.filespec = std::move(filespec);
  d.recursive = recursive;
  return d;
}

TEST(FileRule, RecursiveOrNot) {
  Result<FileRule> flat =
      MakeFileRule(Descriptor("/srv/F/db", "*.db", false), true);
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_TRUE(RuleMatches(*flat, "/srv/F/db", "a.db"));
  EXPECT_FALSE(RuleMatches(*flat, "/srv/F/db/sub", "a.db"));
  EXPECT_FALSE(RuleMatches(*flat, "/srv/F/dbx", "a.db"));
  EXPECT_FALSE(RuleMatches(*flat, "/srv/F", "a.db"));

  Result<FileRule> deep =
      MakeFileRule(Descriptor("/srv/F/db/", "*", true), true);
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->directory, "/srv/F/db");  // normalized
  EXPECT_TRUE(RuleMatches(*deep, "/srv/F/db", "x"));
  EXPECT_TRUE(RuleMatches(*deep, "/srv/F/db/a/b", "x"));
  EXPECT_FALSE(RuleMatches(*deep, "/srv/F/dbx/a", "x"));
  EXPECT_TRUE(RuleCovers(*deep, "/srv/F/db/a"));
  EXPECT_FALSE(RuleCovers(*flat, "/srv/F/db/a"));

  Result<FileRule> root = MakeFileRule(Descriptor("/", "*", true), true);
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(RuleMatches(*root, "/etc", "x"));
}

TEST(FileRule, AlternateLocationWhenAsked) {
  FileDescriptor d = Descriptor("/srv/F/db", "*", false);
  d.alternate_location = "/srv/F/staging";
  EXPECT_EQ(MakeFileRule(d, true)->directory, "/srv/F/staging");
  EXPECT_EQ(MakeFileRule(d, false)->directory, "/srv/F/db");
}

TEST(FileRule, HostileDescriptorsAreRefused) {
  EXPECT_EQ(MakeFileRule(Descriptor("/srv/F/../etc", "*", true), true)
                .status()
                .code(),
            Code::kPathEscape);
  EXPECT_EQ(MakeFileRule(Descriptor("srv/F", "*", true), true).status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(MakeFileRule(Descriptor("", "*", true), true).status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(
      MakeFileRule(Descriptor("/srv/F", "../*", true), true).status().code(),
      Code::kInvalidArg);
  EXPECT_EQ(MakeFileRule(Descriptor("/srv/F", "", true), true).status().code(),
            Code::kInvalidArg);
  EXPECT_EQ(
      MakeFileRule(Descriptor("/srv/F", std::string("a\0b", 3), true), true)
          .status()
          .code(),
      Code::kInvalidArg);
  FileDescriptor alt = Descriptor("/srv/F", "*", false);
  alt.alternate_location = "/srv/F/../../etc";
  EXPECT_EQ(MakeFileRule(alt, true).status().code(), Code::kPathEscape);
}

TEST(NeededFor, BackupTypeMasks) {
  EXPECT_TRUE(NeededFor(backup_type_mask::kDefault, BackupType::kFull));
  EXPECT_TRUE(NeededFor(backup_type_mask::kDefault, BackupType::kLog));
  EXPECT_FALSE(NeededFor(backup_type_mask::kLogBackup, BackupType::kFull));
  EXPECT_TRUE(NeededFor(backup_type_mask::kLogBackup, BackupType::kLog));
  EXPECT_TRUE(NeededFor(backup_type_mask::kFullSnapshot, BackupType::kCopy));
  EXPECT_FALSE(
      NeededFor(backup_type_mask::kFullBackup, BackupType::kIncremental));
  EXPECT_TRUE(NeededFor(0, BackupType::kFull));
  EXPECT_TRUE(NeededFor(backup_type_mask::kLogBackup, BackupType::kOther));
}

TEST(IncludedFileRules, CollectsEveryDescriptorKindAndSkipsOtherTypes) {
  WmdComponent db;
  db.type = ComponentType::kDatabase;
  db.name = "main";
  db.selectable = true;
  db.database_files.push_back(Descriptor("/srv/F/db", "*.db", false));
  db.log_files.push_back(Descriptor("/srv/F/db", "*.db-wal", false));
  FileDescriptor log_only = Descriptor("/srv/F/archive", "*", true);
  log_only.backup_type_mask = backup_type_mask::kLogBackup;
  db.log_files.push_back(log_only);
  WmdComponent group;
  group.name = "conf";
  group.files.push_back(Descriptor("/srv/F/conf", "*", true));
  const std::vector<IncludedComponent> included = {{&db, true, nullptr},
                                                   {&group, false, &db}};
  Result<std::vector<ComponentRules>> full =
      IncludedFileRules(included, BackupType::kFull);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->size(), 2u);
  EXPECT_EQ((*full)[0].rules.size(), 2u);  // the log-only archive is not in
  EXPECT_EQ((*full)[1].rules.size(), 1u);
  Result<std::vector<ComponentRules>> log =
      IncludedFileRules(included, BackupType::kLog);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)[0].rules.size(), 3u);

  group.files.push_back(Descriptor("/srv/F/conf/..", "*", true));
  Result<std::vector<ComponentRules>> bad =
      IncludedFileRules(included, BackupType::kFull);
  EXPECT_EQ(bad.status().code(), Code::kPathEscape);
  EXPECT_NE(bad.status().message().find("\"conf\""), std::string::npos)
      << bad.status().message();
}

TEST(ExclusionRules, BothExclusionListsCount) {
  WriterMetadata wmd;
  wmd.exclude_files.push_back(Descriptor("/srv/F/db", "*.tmp", true));
  wmd.exclude_from_snapshot.push_back(Descriptor("/srv/F/db", "lock", false));
  Result<std::vector<FileRule>> rules = ExclusionRules(wmd);
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(IsExcluded(*rules, "/srv/F/db/a", "x.tmp"));
  EXPECT_TRUE(IsExcluded(*rules, "/srv/F/db", "lock"));
  EXPECT_FALSE(IsExcluded(*rules, "/srv/F/db/a", "lock"));
  EXPECT_FALSE(IsExcluded(*rules, "/srv/F/db", "main.db"));
  wmd.exclude_files.push_back(Descriptor("relative", "*", true));
  EXPECT_EQ(ExclusionRules(wmd).status().code(), Code::kInvalidArg);
}

}  // namespace
}  // namespace sp
