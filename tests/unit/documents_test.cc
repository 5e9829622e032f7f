// BCD and WMD: canonical round trips and the hostile-input rejections the
// foundation issue lists, each with VSS_E_INVALID_XML_DOCUMENT and a line.
#include "shadowport/documents.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "shadowport/context.h"
#include "support/read_text.h"
#include "unit/document_samples.h"

namespace sp {
namespace {

using testing_samples::SampleBcd;
using testing_samples::SampleWmd;

std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string SavedBcd() { return *SaveBcd(SampleBcd()); }
std::string SavedWmd() { return *SaveWmd(SampleWmd()); }

// Every rejection: the invalid-document code, "line N:" and a hint.
void ExpectRejected(const Status& status, const std::string& hint) {
  EXPECT_EQ(status.code(), Code::kInvalidXmlDocument) << status.ToString();
  EXPECT_NE(status.message().find(hint), std::string::npos)
      << "want '" << hint << "' in: " << status.message();
}

void ExpectRejectedAtLine(const Status& status, const std::string& hint) {
  ExpectRejected(status, hint);
  EXPECT_EQ(status.message().rfind("line ", 0), 0u) << status.message();
}

TEST(Documents, BcdRoundTripIsLosslessAndByteIdentical) {
  Result<std::string> first = SaveBcd(SampleBcd());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<BackupComponentsDocument> loaded = LoadBcd(*first);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, SampleBcd());
  Result<std::string> second = SaveBcd(*loaded);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
}

TEST(Documents, WmdRoundTripIsLosslessAndByteIdentical) {
  Result<std::string> first = SaveWmd(SampleWmd());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<WriterMetadata> loaded = LoadWmd(*first);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, SampleWmd());
  EXPECT_EQ(*first, *SaveWmd(*loaded));
}

// The examples in docs/formats are the samples' canonical form. After a
// format change, regenerate them: SP_WRITE_EXAMPLES=1 documents_test
// --gtest_filter=*Examples*
TEST(Documents, ExamplesInDocsAreCanonical) {
  const std::string dir =
      std::string(SP_SOURCE_DIR) + "/docs/formats/examples/";
  if (std::getenv("SP_WRITE_EXAMPLES") != nullptr) {
    std::ofstream(dir + "bcd-transportable.xml", std::ios::binary)
        << SavedBcd();
    std::ofstream(dir + "wmd-postgresql.xml", std::ios::binary) << SavedWmd();
  }
  std::string bcd =
      sp::testing_support::ReadTextFile(dir + "bcd-transportable.xml");
  std::string wmd =
      sp::testing_support::ReadTextFile(dir + "wmd-postgresql.xml");
  EXPECT_EQ(bcd, SavedBcd());
  EXPECT_EQ(wmd, SavedWmd());
  EXPECT_TRUE(LoadBcd(bcd).ok());
  EXPECT_TRUE(LoadWmd(wmd).ok());
}

TEST(Documents, LoadDocumentPicksTheKindByRoot) {
  Result<AnyDocument> bcd = LoadDocument(SavedBcd());
  ASSERT_TRUE(bcd.ok());
  EXPECT_TRUE(std::holds_alternative<BackupComponentsDocument>(*bcd));
  Result<AnyDocument> wmd = LoadDocument(SavedWmd());
  ASSERT_TRUE(wmd.ok());
  EXPECT_TRUE(std::holds_alternative<WriterMetadata>(*wmd));
  ExpectRejectedAtLine(
      LoadDocument("<?xml version=\"1.0\"?>\n<HTML/>").status(),
      "expected BACKUP_COMPONENTS");
}

TEST(Documents, BcdWithoutSnapshotSetIsValid) {
  BackupComponentsDocument bcd = SampleBcd();
  bcd.snapshot_set.reset();
  Result<std::string> text = SaveBcd(bcd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*LoadBcd(*text), bcd);
}

TEST(Documents, AttributeValuesKeepEveryCharacter) {
  WriterMetadata wmd = SampleWmd();
  wmd.components[0].caption = "tab\there\nnew line\r & <tag> \"quoted\" 'é'";
  Result<std::string> text = SaveWmd(wmd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(LoadWmd(*text)->components[0].caption, wmd.components[0].caption);
}

TEST(Documents, SaveRefusesWhatTheFormatCannotCarry) {
  BackupComponentsDocument empty_set = SampleBcd();
  empty_set.snapshot_set->snapshots.clear();
  EXPECT_EQ(SaveBcd(empty_set).status().code(), Code::kInvalidArg);

  WriterMetadata control = SampleWmd();
  control.identity.writer_name = std::string("bell\x07", 5);
  EXPECT_EQ(SaveWmd(control).status().code(), Code::kInvalidArg);

  WriterMetadata relative = SampleWmd();
  relative.components[0].database_files[0].path = "pgdata";
  EXPECT_EQ(SaveWmd(relative).status().code(), Code::kInvalidArg);
}

// --- Hostile input -------------------------------------------------------

TEST(HostileXml, ExternalFileEntityIsRefusedAndNotRead) {
  const std::string doc =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE BACKUP_COMPONENTS [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]>\n"
      "<BACKUP_COMPONENTS "
      "xmlns=\"urn:shadowport:bcd:1\">&x;</BACKUP_COMPONENTS>";
  Status s = LoadBcd(doc).status();
  ExpectRejectedAtLine(s, "DOCTYPE is not allowed");
  EXPECT_EQ(s.message().find("root:"), std::string::npos);
}

TEST(HostileXml, ExternalHttpEntityIsRefused) {
  const std::string doc =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:9/evil.xml\">]>\n"
      "<r>&x;</r>";
  ExpectRejectedAtLine(LoadBcd(doc).status(), "DOCTYPE is not allowed");
}

TEST(HostileXml, ExternalDtdIsRefused) {
  const std::string doc =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n<r/>";
  ExpectRejectedAtLine(LoadWmd(doc).status(), "DOCTYPE is not allowed");
}

TEST(HostileXml, BillionLaughsIsRefused) {
  std::string doc =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
      "<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    doc += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) {
      doc += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    }
    doc += "\">\n";
  }
  doc += "]>\n<lolz>&lol9;</lolz>";
  ExpectRejectedAtLine(LoadBcd(doc).status(), "DOCTYPE is not allowed");
}

TEST(HostileXml, UndeclaredEntityIsRefused) {
  ExpectRejectedAtLine(
      LoadBcd("<?xml version=\"1.0\"?>\n<r>&nope;</r>").status(), "nope");
}

TEST(HostileXml, DeepNestingIsRefused) {
  std::string doc = "<?xml version=\"1.0\"?>\n";
  constexpr int kDepth = 100000;
  doc.reserve(kDepth * 8);
  for (int i = 0; i < kDepth; ++i) doc += "<a>";
  for (int i = 0; i < kDepth; ++i) doc += "</a>";
  ExpectRejectedAtLine(LoadBcd(doc).status(), "nest deeper than 32");
}

TEST(HostileXml, HugeDocumentIsRefusedBeforeParsing) {
  std::string doc = SavedBcd();
  doc.resize(200u << 20, ' ');  // 200 MB
  ExpectRejected(LoadBcd(doc).status(), "over the 32 MiB limit");
}

TEST(HostileXml, InvalidUtf8IsRefused) {
  std::string doc = Replace(SavedBcd(), "systemOne", "system\xC3\x28One");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "UTF-8");
  std::string overlong = Replace(SavedWmd(), "PostgreSQL Writer", "\xC0\xAF");
  ExpectRejectedAtLine(LoadWmd(overlong).status(), "UTF-8");
}

TEST(HostileXml, WrongNamespaceIsRefused) {
  std::string doc = Replace(SavedBcd(), "urn:shadowport:bcd:1",
                            "x-schema:#VssComponentMetadata");
  ExpectRejectedAtLine(
      LoadBcd(doc).status(),
      "expected BACKUP_COMPONENTS in namespace 'urn:shadowport:bcd:1'");
  // A WMD is not a BCD.
  ExpectRejectedAtLine(LoadBcd(SavedWmd()).status(),
                       "root element is WRITER_METADATA");
}

TEST(HostileXml, MissingRequiredAttributeIsRefusedWithItsLine) {
  std::string doc = Replace(SavedBcd(), " creatingHost=\"systemOne\"", "");
  Status s = LoadBcd(doc).status();
  ExpectRejectedAtLine(s, "creatingHost");
  // The set description is on line 11 of the canonical form.
  EXPECT_EQ(s.message().rfind("line 11:", 0), 0u) << s.message();
}

TEST(HostileXml, DuplicateSnapshotIdIsRefused) {
  std::string doc = Replace(SavedBcd(), "66666666-7777-4888-9999-aaaaaaaaaaaa",
                            "11111111-2222-4333-8444-555555555555");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "Duplicate");
}

TEST(HostileXml, DuplicateIdInOtherCaseIsRefused) {
  // Equal as GUIDs, different as text: the schema cannot see it, the loader
  // must.
  std::string doc = Replace(SavedBcd(), "11111111-2222-4333-8444-555555555555",
                            "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  doc = Replace(doc, "66666666-7777-4888-9999-aaaaaaaaaaaa",
                "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "duplicate snapshot id");
}

TEST(HostileXml, DuplicateWriterInstanceIsRefused) {
  std::string doc = Replace(SavedBcd(), "c4d5e6f7-0819-4a2b-8c3d-4e5f60718293",
                            "0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "Duplicate");
}

TEST(HostileXml, DuplicateComponentIsRefused) {
  std::string doc = Replace(SavedWmd(), "componentName=\"wal-archive\"",
                            "componentName=\"cluster\"");
  ExpectRejectedAtLine(LoadWmd(doc).status(), "Duplicate");
}

TEST(HostileXml, SnapshotSetWithoutSnapshotsIsRefused) {
  const std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<BACKUP_COMPONENTS xmlns=\"urn:shadowport:bcd:1\" version=\"1.0\" "
      "backupType=\"full\" selectComponents=\"yes\" "
      "bootableSystemStateBackup=\"no\" partialFileSupport=\"no\">\n"
      "  <SNAPSHOT_SET_DESCRIPTION "
      "snapshotSetId=\"{9d8c7b6a-5f4e-4d3c-8b2a-190817263544}\" "
      "context=\"0x00000020\" creatingHost=\"systemOne\"/>\n"
      "</BACKUP_COMPONENTS>\n";
  Status s = LoadBcd(doc).status();
  ExpectRejectedAtLine(s, "SNAPSHOT_DESCRIPTION");
  EXPECT_EQ(s.message().rfind("line 3:", 0), 0u) << s.message();
}

TEST(HostileXml, IllegalContextIsRefused) {
  std::string doc =
      Replace(SavedBcd(), "context=\"0x00000020\"", "context=\"0xFFFFFFFF\"");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "administrative only");
}

TEST(HostileXml, AttributesMustIncludeTheContextsOwn) {
  BackupComponentsDocument bcd = SampleBcd();
  bcd.snapshot_set->context = static_cast<uint32_t>(Context::kAppRollback);
  EXPECT_EQ(SaveBcd(bcd).status().code(), Code::kInvalidArg);
}

TEST(HostileXml, UnknownAttributeNameIsRefused) {
  std::string doc = Replace(SavedBcd(), "TRANSPORTABLE NOT_SURFACED",
                            "TRANSPORTABLE TELEPORTED");
  ExpectRejectedAtLine(LoadBcd(doc).status(), "TELEPORTED");
}

TEST(HostileXml, UnknownElementIsRefused) {
  std::string doc =
      Replace(SavedWmd(), "  <BACKUP_LOCATIONS>",
              "  <xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
              "href=\"/etc/passwd\" parse=\"text\"/>\n  <BACKUP_LOCATIONS>");
  ExpectRejectedAtLine(LoadWmd(doc).status(), "include");
}

TEST(HostileXml, NotXmlAtAll) {
  ExpectRejected(LoadBcd("").status(), "");
  ExpectRejected(LoadBcd("not xml").status(), "line 1");
  ExpectRejected(LoadBcd(std::string("<a>\0</a>", 8)).status(), "line 1");
}

}  // namespace
}  // namespace sp
