// What `shadowport create --component / --exclude-writer` selects
// (src/cli/component_choice.h), on gathered metadata of three writer
// instances: "PG" and two instances of "SQLite".
#include "cli/component_choice.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sp::cli {
namespace {

WmdComponent Component(std::string logical_path, std::string name,
                       bool selectable) {
  WmdComponent c;
  c.logical_path = std::move(logical_path);
  c.name = std::move(name);
  c.selectable = selectable;
  return c;
}

WriterMetadataInfo Writer(const std::string& name, const std::string& id,
                          std::vector<WmdComponent> components) {
  WriterMetadataInfo w;
  w.writer_name = name;
  w.writer_id = *Guid::Parse("{e0000000-0000-4000-8000-0000000000" +
                             std::string(name == "PG" ? "01" : "02") + "}");
  w.instance_id = *Guid::Parse(id);
  w.wmd.identity.writer_name = name;
  w.wmd.identity.writer_id = w.writer_id;
  w.wmd.identity.instance_id = w.instance_id;
  w.wmd.components = std::move(components);
  return w;
}

const char kPg[] = "{f0000000-0000-4000-8000-000000000001}";
const char kLite1[] = "{f0000000-0000-4000-8000-000000000002}";
const char kLite2[] = "{f0000000-0000-4000-8000-000000000003}";

std::vector<WriterMetadataInfo> Gathered() {
  return {
      Writer("PG", kPg,
             {Component("", "pgdata", true), Component("pgdata", "wal", false),
              Component("", "config", false), Component("", "archive", true)}),
      Writer("SQLite", kLite1, {Component("", "main", true)}),
      Writer("SQLite", kLite2, {Component("", "main", true)}),
  };
}

// "PG: pgdata, config" per writer taking part.
std::vector<std::string> Picks(const SelectionPlan& plan) {
  std::vector<std::string> out;
  for (const WriterPick& p : plan.writers) {
    std::string line = p.writer->writer_name + ":";
    for (const WmdComponent* c : p.components) line += " " + c->FullPath();
    out.push_back(line);
  }
  return out;
}

std::vector<Guid> Ids(std::initializer_list<const char*> ids) {
  std::vector<Guid> out;
  for (const char* id : ids) out.push_back(*Guid::Parse(id));
  return out;
}

TEST(PlanSelection, DefaultSelectsEveryTopLevelComponent) {
  const auto writers = Gathered();
  Result<SelectionPlan> plan = PlanSelection(writers, {}, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // Not pgdata\wal: it comes implicitly, and adding it would be refused.
  EXPECT_EQ(Picks(*plan),
            (std::vector<std::string>{"PG: pgdata config archive",
                                      "SQLite: main", "SQLite: main"}));
  EXPECT_TRUE(plan->excluded.empty());
}

TEST(PlanSelection, ExcludeByNameOrId) {
  const auto writers = Gathered();
  Result<SelectionPlan> by_name = PlanSelection(writers, {"SQLite"}, {});
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(Picks(*by_name),
            (std::vector<std::string>{"PG: pgdata config archive"}));
  EXPECT_EQ(by_name->excluded, Ids({kLite1, kLite2}));

  const std::string absent = "{f0000000-0000-4000-8000-0000000000ff}";
  Result<SelectionPlan> by_id = PlanSelection(writers, {kLite2, absent}, {});
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->excluded, Ids({kLite2, absent.c_str()}));
  EXPECT_EQ(by_id->writers.size(), 2u);

  Result<SelectionPlan> unknown = PlanSelection(writers, {"Postgres"}, {});
  EXPECT_EQ(unknown.status().code(), Code::kObjectNotFound);
  EXPECT_NE(unknown.status().message().find("\"PG\""), std::string::npos)
      << unknown.status().message();
}

TEST(PlanSelection, ComponentsAddRequiredAndLeaveOtherWritersOut) {
  const auto writers = Gathered();
  Result<SelectionPlan> plan = PlanSelection(writers, {}, {"PG:archive"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Picks(*plan), (std::vector<std::string>{"PG: archive config"}));
  EXPECT_EQ(plan->excluded, Ids({kLite1, kLite2}));

  // Option order does not matter; writers come in gather order; a
  // component named twice is added once.
  Result<SelectionPlan> two = PlanSelection(
      writers, {},
      {std::string(kLite2) + ":main", "PG:pgdata", "PG:pgdata", "PG:config"});
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(Picks(*two),
            (std::vector<std::string>{"PG: pgdata config", "SQLite: main"}));
  EXPECT_EQ(two->excluded, Ids({kLite1}));
  EXPECT_EQ(two->writers[1].writer->instance_id, *Guid::Parse(kLite2));
}

TEST(PlanSelection, ComponentErrorsAreClear) {
  const auto writers = Gathered();
  Result<SelectionPlan> sub = PlanSelection(writers, {}, {"PG:pgdata\\wal"});
  EXPECT_EQ(sub.status().code(), Code::kInvalidArg);
  EXPECT_NE(sub.status().message().find("select \"pgdata\" instead"),
            std::string::npos)
      << sub.status().message();

  Result<SelectionPlan> ambiguous = PlanSelection(writers, {}, {"SQLite:main"});
  EXPECT_EQ(ambiguous.status().code(), Code::kInvalidArg);
  EXPECT_NE(ambiguous.status().message().find(kLite1), std::string::npos)
      << ambiguous.status().message();

  EXPECT_EQ(PlanSelection(writers, {}, {"PG:nope"}).status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(PlanSelection(writers, {}, {"Nobody:main"}).status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(PlanSelection(writers, {"PG"}, {"PG:archive"}).status().code(),
            Code::kInvalidArg);
  for (const char* bad : {"PGarchive", ":archive", "PG:"}) {
    Result<SelectionPlan> r = PlanSelection(writers, {}, {bad});
    EXPECT_EQ(r.status().code(), Code::kInvalidArg) << bad;
    EXPECT_NE(r.status().message().find("WRITER:LOGICAL"), std::string::npos);
  }
}

TEST(ParseComponentArg, SplitsAtTheFirstColon) {
  Result<ComponentArg> arg = ParseComponentArg("PG:logs\\c:\\x");
  ASSERT_TRUE(arg.ok());
  EXPECT_EQ(arg->writer, "PG");
  EXPECT_EQ(arg->full_path, "logs\\c:\\x");
}

}  // namespace
}  // namespace sp::cli
