// The VSS selectability rules (shadowport/component_selection.h) on
// Microsoft's "MyWriter" example of "Logical Pathing of Components", plus
// hostile and edge cases.
#include "shadowport/component_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sp {
namespace {

WmdComponent Component(std::string logical_path, std::string name,
                       bool selectable,
                       ComponentType type = ComponentType::kFileGroup) {
  WmdComponent c;
  c.type = type;
  c.logical_path = std::move(logical_path);
  c.name = std::move(name);
  c.selectable = selectable;
  return c;
}

// "Logical Pathing of Components": name, logical path, selectable.
WriterMetadata MyWriter() {
  WriterMetadata wmd;
  wmd.identity.writer_name = "MyWriter";
  wmd.identity.writer_id =
      *Guid::Parse("{a0000000-0000-4000-8000-000000000001}");
  wmd.identity.instance_id =
      *Guid::Parse("{b0000000-0000-4000-8000-000000000001}");
  wmd.components = {
      Component("", "Executables", false),
      Component("Executables", "ConfigFiles", false),
      Component("", "LicenseInfo", true),
      Component("", "Security", true),
      Component("Security", "UserInfo", false),
      Component("Security", "Certificates", false),
      Component("", "writerData", true),
      Component("writerData", "Set1", false),
      Component("writerData\\Set1", "Jan", false),
      Component("writerData\\Set1", "Dec", false),
      Component("writerData", "Set2", false),
      Component("writerData\\Set2", "Jan", false),
      Component("writerData\\Set2", "Dec", false),
      Component("writerData\\QueryLogs", "Query", false),
      Component("writerData", "Usage", true),
      Component("writerData\\Usage", "Jan", false),
      Component("writerData\\Usage", "Dec", false),
  };
  return wmd;
}

BcdComponent Selected(std::string logical_path, std::string name) {
  BcdComponent c;
  c.logical_path = std::move(logical_path);
  c.name = std::move(name);
  return c;
}

std::vector<BcdComponent> RequiredOnly() {
  return {Selected("", "Executables"), Selected("Executables", "ConfigFiles")};
}

std::vector<std::string> FullPaths(const std::vector<const WmdComponent*>& v) {
  std::vector<std::string> out;
  for (const WmdComponent* c : v) out.push_back(c->FullPath());
  return out;
}

TEST(ComponentSelection, UnderFollowsLogicalPathBoundaries) {
  const WmdComponent data = Component("", "writerData", true);
  EXPECT_TRUE(IsUnder(Component("writerData", "Set1", false), data));
  EXPECT_TRUE(IsUnder(Component("writerData\\Set1", "Jan", false), data));
  EXPECT_FALSE(IsUnder(Component("writerDataX", "Set1", false), data));
  EXPECT_FALSE(IsUnder(Component("", "writerData", true), data));  // itself
  EXPECT_FALSE(IsUnder(data, Component("writerData", "Set1", false)));
  // Full path of a nested component: "a\b".
  EXPECT_TRUE(
      IsUnder(Component("a\\b", "c", false), Component("a", "b", true)));
  EXPECT_FALSE(IsUnder(Component("a", "c", false), Component("a", "b", true)));
}

TEST(ComponentSelection, RequiredAreTheNonSelectableWithoutSelectableAncestor) {
  const WriterMetadata wmd = MyWriter();
  // Executables and ConfigFiles are parent and child but neither is
  // selectable: no component set, both must be added.
  EXPECT_EQ(
      FullPaths(RequiredComponents(wmd)),
      (std::vector<std::string>{"Executables", "Executables\\ConfigFiles"}));
  EXPECT_EQ(
      FullPaths(TopLevelComponents(wmd)),
      (std::vector<std::string>{"Executables", "Executables\\ConfigFiles",
                                "LicenseInfo", "Security", "writerData"}));
  const WmdComponent* jan = wmd.FindComponent("writerData\\Usage", "Jan");
  ASSERT_NE(jan, nullptr);
  const WmdComponent* nearest = NearestSelectableAncestor(wmd, *jan);
  ASSERT_NE(nearest, nullptr);
  EXPECT_EQ(nearest->FullPath(), "writerData\\Usage");
}

TEST(ComponentSelection, ExplicitSelectionRules) {
  const WriterMetadata wmd = MyWriter();
  const ComponentType fg = ComponentType::kFileGroup;
  EXPECT_TRUE(CheckExplicitSelection(wmd, fg, "", "LicenseInfo").ok());
  EXPECT_TRUE(CheckExplicitSelection(wmd, fg, "", "Executables").ok());
  EXPECT_TRUE(
      CheckExplicitSelection(wmd, fg, "Executables", "ConfigFiles").ok());
  // A selectable subcomponent may be added explicitly.
  EXPECT_TRUE(CheckExplicitSelection(wmd, fg, "writerData", "Usage").ok());

  Status sub = CheckExplicitSelection(wmd, fg, "writerData", "Set1");
  EXPECT_EQ(sub.code(), Code::kInvalidArg);
  EXPECT_NE(sub.message().find("select \"writerData\" instead"),
            std::string::npos)
      << sub.message();
  Status nested = CheckExplicitSelection(wmd, fg, "writerData\\Usage", "Jan");
  EXPECT_EQ(nested.code(), Code::kInvalidArg);
  EXPECT_NE(nested.message().find("\"writerData\\Usage\""), std::string::npos)
      << nested.message();

  EXPECT_EQ(CheckExplicitSelection(wmd, fg, "", "Nope").code(),
            Code::kObjectNotFound);
  EXPECT_EQ(
      CheckExplicitSelection(wmd, ComponentType::kDatabase, "", "LicenseInfo")
          .code(),
      Code::kInvalidArg);
}

TEST(ComponentSelection, WriterSelectionNeedsEveryRequiredComponent) {
  const WriterMetadata wmd = MyWriter();
  EXPECT_TRUE(ValidateWriterSelection(wmd, RequiredOnly()).ok());

  Status none = ValidateWriterSelection(wmd, {Selected("", "Security")});
  EXPECT_EQ(none.code(), Code::kInvalidArg);
  EXPECT_NE(
      none.message().find("\"Executables\", \"Executables\\ConfigFiles\""),
      std::string::npos)
      << none.message();
  EXPECT_NE(none.message().find("MyWriter"), std::string::npos);

  std::vector<BcdComponent> one = {Selected("", "Executables")};
  Status missing = ValidateWriterSelection(wmd, one);
  EXPECT_EQ(missing.code(), Code::kInvalidArg);
  EXPECT_NE(missing.message().find("\"Executables\\ConfigFiles\" is not"),
            std::string::npos)
      << missing.message();

  std::vector<BcdComponent> twice = RequiredOnly();
  twice.push_back(Selected("", "Executables"));
  EXPECT_EQ(ValidateWriterSelection(wmd, twice).code(),
            Code::kObjectAlreadyExists);

  std::vector<BcdComponent> forbidden = RequiredOnly();
  forbidden.push_back(Selected("Security", "UserInfo"));
  EXPECT_EQ(ValidateWriterSelection(wmd, forbidden).code(), Code::kInvalidArg);
}

std::vector<std::string> Included(const WriterMetadata& wmd,
                                  const std::vector<BcdComponent>& selected) {
  std::vector<std::string> out;
  for (const IncludedComponent& inc : IncludedComponents(wmd, selected)) {
    std::string line = inc.component->FullPath();
    line += inc.explicitly ? " explicit" : " via " + inc.through->FullPath();
    out.push_back(line);
  }
  return out;
}

TEST(ComponentSelection, ImplicitInclusionThroughSelectableAncestors) {
  const WriterMetadata wmd = MyWriter();
  std::vector<BcdComponent> selected = RequiredOnly();
  selected.push_back(Selected("", "writerData"));
  EXPECT_EQ(Included(wmd, selected),
            (std::vector<std::string>{
                "Executables explicit",
                "Executables\\ConfigFiles explicit",
                "writerData explicit",
                "writerData\\Set1 via writerData",
                "writerData\\Set1\\Jan via writerData",
                "writerData\\Set1\\Dec via writerData",
                "writerData\\Set2 via writerData",
                "writerData\\Set2\\Jan via writerData",
                "writerData\\Set2\\Dec via writerData",
                "writerData\\QueryLogs\\Query via writerData",
                "writerData\\Usage via writerData",
                "writerData\\Usage\\Jan via writerData",
                "writerData\\Usage\\Dec via writerData",
            }));
}

TEST(ComponentSelection, SelectableSubcomponentAlone) {
  const WriterMetadata wmd = MyWriter();
  std::vector<BcdComponent> selected = RequiredOnly();
  selected.push_back(Selected("writerData", "Usage"));
  EXPECT_TRUE(ValidateWriterSelection(wmd, selected).ok());
  EXPECT_EQ(Included(wmd, selected),
            (std::vector<std::string>{
                "Executables explicit",
                "Executables\\ConfigFiles explicit",
                "writerData\\Usage explicit",
                "writerData\\Usage\\Jan via writerData\\Usage",
                "writerData\\Usage\\Dec via writerData\\Usage",
            }));
  // With its ancestor too, it stays explicit (its own BCD entry); the rest
  // of the set comes through the nearest explicit ancestor.
  selected.push_back(Selected("", "writerData"));
  EXPECT_TRUE(ValidateWriterSelection(wmd, selected).ok());
  std::vector<std::string> both = Included(wmd, selected);
  EXPECT_NE(std::find(both.begin(), both.end(), "writerData\\Usage explicit"),
            both.end());
  EXPECT_NE(std::find(both.begin(), both.end(),
                      "writerData\\Usage\\Jan via writerData\\Usage"),
            both.end());
}

TEST(ComponentSelection, NonSelectableParentBringsNothingIn) {
  const WriterMetadata wmd = MyWriter();
  EXPECT_EQ(Included(wmd, {Selected("", "Executables")}),
            (std::vector<std::string>{"Executables explicit"}));
}

TEST(ComponentSelection, FindByFullPathIsExactAndRefusesAmbiguity) {
  WriterMetadata wmd = MyWriter();
  Result<const WmdComponent*> usage = FindByFullPath(wmd, "writerData\\Usage");
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ((*usage)->name, "Usage");
  EXPECT_EQ(FindByFullPath(wmd, "writerdata\\usage").status().code(),
            Code::kObjectNotFound);
  wmd.components.push_back(Component("writerData", "Usage\\Jan", true));
  EXPECT_EQ(FindByFullPath(wmd, "writerData\\Usage\\Jan").status().code(),
            Code::kInvalidArg);
}

TEST(ComponentSelection, HostileNamesAreEscapedInMessages) {
  WriterMetadata wmd = MyWriter();
  wmd.components.push_back(Component("writerData", "evil\n\"x", false));
  Status s = CheckExplicitSelection(wmd, ComponentType::kFileGroup,
                                    "writerData", "evil\n\"x");
  EXPECT_EQ(s.code(), Code::kInvalidArg);
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("evil\\x0A\\x22x"), std::string::npos)
      << s.message();
}

TEST(ComponentSelection, ManyComponentsStayLinear) {
  // A WMD from another host may hold many thousands of components: the
  // rules look ancestors up by logical path instead of scanning them all
  // per component (that would be 10^9 steps here).
  WriterMetadata wmd = MyWriter();
  for (int i = 0; i < 30000; ++i) {
    wmd.components.push_back(
        Component("writerData\\Set1", "f" + std::to_string(i), false));
  }
  std::vector<BcdComponent> selected = RequiredOnly();
  selected.push_back(Selected("", "writerData"));
  EXPECT_TRUE(ValidateWriterSelection(wmd, selected).ok());
  EXPECT_EQ(IncludedComponents(wmd, selected).size(), 13u + 30000u);
  EXPECT_EQ(TopLevelComponents(wmd).size(), 5u);
}

class BackupSelection : public ::testing::Test {
 protected:
  BackupSelection() : one_(MyWriter()), two_(MyWriter()) {
    two_.identity.writer_name = "Other";
    two_.identity.instance_id =
        *Guid::Parse("{b0000000-0000-4000-8000-000000000002}");
    two_.components = {Component("", "data", true),
                       Component("", "logs", false)};
  }
  WriterComponents Entry(const WriterMetadata& w,
                         std::vector<BcdComponent> components) {
    WriterComponents e;
    e.writer_id = w.identity.writer_id;
    e.instance_id = w.identity.instance_id;
    e.components = std::move(components);
    return e;
  }
  Status Validate(const BackupComponentsDocument& bcd,
                  std::vector<Guid> excluded = {}) {
    const std::vector<const WriterMetadata*> writers = {&one_, &two_};
    return ValidateBackupSelection(bcd, writers, excluded);
  }
  WriterMetadata one_;
  WriterMetadata two_;
};

TEST_F(BackupSelection, EveryParticipatingWriterNeedsItsRequiredComponents) {
  BackupComponentsDocument bcd;
  bcd.writers.push_back(Entry(one_, RequiredOnly()));
  Status s = Validate(bcd);
  EXPECT_EQ(s.code(), Code::kInvalidArg);
  EXPECT_NE(s.message().find("\"Other\""), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("\"logs\""), std::string::npos) << s.message();

  EXPECT_TRUE(Validate(bcd, {two_.identity.instance_id}).ok());
  bcd.writers.push_back(Entry(two_, {Selected("", "logs")}));
  EXPECT_TRUE(Validate(bcd).ok());
}

TEST_F(BackupSelection, DependenciesOfIncludedComponentsMustBeIncluded) {
  // "Other" is a writer of its own class; one_'s Set1\Jan (implicit under
  // writerData) depends on its "data".
  two_.identity.writer_id =
      *Guid::Parse("{a0000000-0000-4000-8000-000000000002}");
  for (WmdComponent& c : one_.components) {
    if (c.logical_path == "writerData\\Set1" && c.name == "Jan") {
      c.dependencies.push_back({two_.identity.writer_id, "", "data"});
    }
  }
  std::vector<BcdComponent> mine = RequiredOnly();
  mine.push_back(Selected("", "writerData"));
  BackupComponentsDocument bcd;
  bcd.writers.push_back(Entry(one_, mine));
  bcd.writers.push_back(Entry(two_, {Selected("", "logs")}));
  Status s = Validate(bcd);
  EXPECT_EQ(s.code(), Code::kInvalidArg);
  EXPECT_NE(s.message().find("\"writerData\\Set1\\Jan\""), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("\"data\" of writer \"Other\""), std::string::npos)
      << s.message();

  // Met explicitly...
  bcd.writers[1].components.push_back(Selected("", "data"));
  EXPECT_TRUE(Validate(bcd).ok()) << Validate(bcd).message();
  // ...but not by an excluded writer, which takes no part.
  bcd.writers[1].components = {};
  EXPECT_EQ(Validate(bcd, {two_.identity.instance_id}).code(),
            Code::kInvalidArg);
  // A dependent component left out needs nothing.
  bcd.writers[0].components = RequiredOnly();
  bcd.writers[1].components = {Selected("", "logs")};
  EXPECT_TRUE(Validate(bcd).ok()) << Validate(bcd).message();
  // Whole-volume backups involve every writer: nothing to check.
  bcd.writers[0].components = mine;
  bcd.select_components = false;
  EXPECT_TRUE(Validate(bcd).ok());
  // A remote dependency (another computer's component) is not checked.
  bcd.select_components = true;
  for (WmdComponent& c : one_.components) {
    for (Dependency& d : c.dependencies) d.logical_path = "\\\\db01\\x";
  }
  EXPECT_TRUE(Validate(bcd).ok()) << Validate(bcd).message();
}

TEST_F(BackupSelection, DependencyMetImplicitly) {
  two_.identity.writer_id =
      *Guid::Parse("{a0000000-0000-4000-8000-000000000002}");
  two_.components.push_back(Component("data", "tables", false));
  one_.components[2].dependencies.push_back(  // LicenseInfo
      {two_.identity.writer_id, "data", "tables"});
  std::vector<BcdComponent> mine = RequiredOnly();
  mine.push_back(Selected("", "LicenseInfo"));
  BackupComponentsDocument bcd;
  bcd.writers.push_back(Entry(one_, mine));
  bcd.writers.push_back(Entry(two_, {Selected("", "logs")}));
  EXPECT_EQ(Validate(bcd).code(), Code::kInvalidArg);
  bcd.writers[1].components.push_back(Selected("", "data"));  // brings tables
  EXPECT_TRUE(Validate(bcd).ok()) << Validate(bcd).message();
}

TEST_F(BackupSelection, ComponentModeOffNeedsNoRequiredComponents) {
  BackupComponentsDocument bcd;
  bcd.select_components = false;
  EXPECT_TRUE(Validate(bcd).ok());
  // Also with a partial entry for a writer that has required components.
  bcd.writers.push_back(Entry(two_, {Selected("", "logs")}));
  EXPECT_TRUE(Validate(bcd).ok());
  bcd.writers.clear();
  bcd.writers.push_back(Entry(one_, {}));
  EXPECT_TRUE(Validate(bcd).ok());
}

TEST_F(BackupSelection, UnknownExcludedOrMismatchedWritersAreRefused) {
  BackupComponentsDocument bcd;
  bcd.writers.push_back(Entry(one_, RequiredOnly()));
  bcd.writers.push_back(Entry(two_, {Selected("", "logs")}));
  Status excluded = Validate(bcd, {two_.identity.instance_id});
  EXPECT_EQ(excluded.code(), Code::kInvalidArg);
  EXPECT_NE(excluded.message().find("excluded"), std::string::npos);

  BackupComponentsDocument stranger = bcd;
  stranger.writers[1].instance_id =
      *Guid::Parse("{b0000000-0000-4000-8000-0000000000ff}");
  EXPECT_EQ(Validate(stranger).code(), Code::kObjectNotFound);

  BackupComponentsDocument wrong_class = bcd;
  wrong_class.writers[1].writer_id =
      *Guid::Parse("{a0000000-0000-4000-8000-0000000000ff}");
  EXPECT_EQ(Validate(wrong_class).code(), Code::kInvalidArg);

  BackupComponentsDocument twice = bcd;
  twice.writers.push_back(twice.writers[1]);
  EXPECT_EQ(Validate(twice).code(), Code::kInvalidArg);

  BackupComponentsDocument bad_component = bcd;
  bad_component.writers[0].components.push_back(
      Selected("Security", "UserInfo"));
  EXPECT_EQ(Validate(bad_component).code(), Code::kInvalidArg);
}

}  // namespace
}  // namespace sp
