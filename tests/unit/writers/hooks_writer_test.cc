// The hook-script writer without a service: script choice (qemu-ga's skip
// rules), freeze/thaw order, and what a failing, hanging or crashing freeze
// script does — on real scripts in a temporary directory.
#include "writers/hooks/hooks_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "unit/writers/sqlite_hooks_test_util.h"
#include "writers/hooks/hook_scripts.h"

namespace sp::writers::hooks {
namespace {

using sp::testing_support::TempDir;
using std::chrono::milliseconds;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A script that appends "NAME ACTION REASON" to `log`, then runs `body`.
std::string Script(const std::string& log, const std::string& body = "") {
  return "#!/bin/sh\necho \"$(basename \"$0\") $1 $SHADOWPORT_HOOK_REASON\" "
         ">> '" +
         log + "'\n" + body + "\n";
}

class HooksWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    hooks_ = dir_.path() + "/hooks.d";
    std::filesystem::create_directory(hooks_);
    log_ = dir_.path() + "/calls.log";
  }

  void Hook(const std::string& name, const std::string& body = "",
            mode_t mode = 0755) {
    const std::string path = hooks_ + "/" + name;
    {
      std::ofstream out(path);
      out << Script(log_, body);
    }
    ::chmod(path.c_str(), mode);
  }

  HooksWriter MakeWriter(milliseconds timeout = milliseconds(5000)) {
    HooksWriterOptions options;
    options.dir = hooks_;
    options.script_timeout = timeout;
    options.log = [this](std::string_view line) {
      writer_log_ += std::string(line) + "\n";
    };
    return HooksWriter(HooksWriterIdentity(hooks_), options);
  }

  WriterEvent Event(WriterEventKind kind,
                    milliseconds deadline = milliseconds(20000)) {
    WriterEvent e;
    e.kind = kind;
    e.snapshot_set_id = *Guid::Parse("{11111111-2222-4333-8444-555555555555}");
    e.volumes = {"/srv/F", "/srv/G"};
    e.deadline = std::chrono::steady_clock::now() + deadline;
    return e;
  }

  TempDir dir_;
  std::string hooks_;
  std::string log_;
  std::string writer_log_;
};

TEST(HookScriptNames, SkipsWhatQemuGaSkips) {
  for (const char* name :
       {"app~", "app.bak", "app.orig", "app.rpmnew", "app.rpmsave",
        "app.rpmorig", "app.sample", "app.dpkg-old", "app.dpkg-dist",
        "app.dpkg-new", ".hidden"}) {
    EXPECT_TRUE(IsIgnoredHookName(name)) << name;
  }
  for (const char* name :
       {"10-mysql", "app.sh", "backup", "app.sampler", "app.orig.sh2x"}) {
    // "app.orig.sh2x" does not end in .orig: qemu-ga runs it too.
    EXPECT_FALSE(IsIgnoredHookName(name)) << name;
  }
}

TEST_F(HooksWriterTest, ListsExecutableRegularFilesInByteOrder) {
  Hook("20-b");
  Hook("10-a");
  Hook("2-c");  // byte order: "10-a" < "2-c" < "20-b", as a C-locale glob
  Hook("05-x.sample");
  Hook("06-x~");
  Hook("07-x.dpkg-old");
  Hook(".08-hidden");
  Hook("09-not-executable", "", 0644);
  std::filesystem::create_directory(hooks_ + "/11-a-directory");
  std::filesystem::create_symlink(hooks_ + "/10-a", hooks_ + "/30-link");
  Result<HookListing> listing = ListHookScripts(hooks_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->scripts,
            (std::vector<std::string>{hooks_ + "/10-a", hooks_ + "/2-c",
                                      hooks_ + "/20-b", hooks_ + "/30-link"}));
  const std::string skipped = [&] {
    std::string all;
    for (const std::string& s : listing->skipped) all += s + "\n";
    return all;
  }();
  EXPECT_NE(skipped.find("09-not-executable: not executable"),
            std::string::npos)
      << skipped;
  EXPECT_NE(skipped.find("11-a-directory: not a regular file"),
            std::string::npos)
      << skipped;
  EXPECT_NE(skipped.find("05-x.sample: ignored name"), std::string::npos);
  EXPECT_EQ(skipped.find(".08-hidden"), std::string::npos) << skipped;
}

TEST_F(HooksWriterTest, MissingDirectoryIsNotFound) {
  Result<HookListing> listing = ListHookScripts(dir_.path() + "/nothing");
  EXPECT_EQ(listing.status().code(), Code::kObjectNotFound);
  HooksWriterOptions options;
  options.dir = dir_.path() + "/nothing";
  options.log = [](std::string_view) {};
  HooksWriter writer(HooksWriterIdentity(options.dir), options);
  WriterEvent e = Event(WriterEventKind::kPrepareForSnapshot);
  EXPECT_EQ(writer.OnPrepareSnapshot(e).code(), Code::kWriterNonRetryable);
}

TEST_F(HooksWriterTest, FreezeInOrderThawInReverseWithTheEnvironment) {
  Hook("10-a", "[ \"$1\" = freeze ] && env | grep ^SHADOWPORT_ | sort > '" +
                   dir_.path() + "/env'; exit 0");
  Hook("20-b", "echo out-of-b; echo err-of-b >&2");
  HooksWriter writer = MakeWriter();
  WriterEvent prepare = Event(WriterEventKind::kPrepareForSnapshot);
  ASSERT_TRUE(writer.OnPrepareSnapshot(prepare).ok());
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  Status frozen = writer.OnFreeze(freeze);
  ASSERT_TRUE(frozen.ok()) << frozen.ToString();
  EXPECT_EQ(writer.pending_thaw().size(), 2u);
  WriterEvent thaw = Event(WriterEventKind::kThaw);
  ASSERT_TRUE(writer.OnThaw(thaw).ok());
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{
                             "10-a freeze freeze", "20-b freeze freeze",
                             "20-b thaw thaw", "10-a thaw thaw"}));
  const std::vector<std::string> env = Lines(dir_.path() + "/env");
  auto has = [&](const std::string& line) {
    return std::find(env.begin(), env.end(), line) != env.end();
  };
  EXPECT_TRUE(has("SHADOWPORT_HOOK_ACTION=freeze"));
  EXPECT_TRUE(
      has("SHADOWPORT_SNAPSHOT_SET_ID="
          "{11111111-2222-4333-8444-555555555555}"));
  EXPECT_TRUE(has("SHADOWPORT_VOLUME_COUNT=2"));
  EXPECT_TRUE(has("SHADOWPORT_VOLUME_1=/srv/G"));
  EXPECT_TRUE(has("SHADOWPORT_VOLUMES=/srv/F /srv/G"));
  EXPECT_TRUE(has("SHADOWPORT_HOOK_DIR=" + hooks_));
  // The scripts' output is in the writer's log, line by line.
  EXPECT_NE(writer_log_.find("20-b freeze stdout: out-of-b"), std::string::npos)
      << writer_log_;
  EXPECT_NE(writer_log_.find("20-b freeze stderr: err-of-b"), std::string::npos)
      << writer_log_;
  // Thawed once: an Abort now runs nothing.
  WriterEvent abort = Event(WriterEventKind::kAbort);
  EXPECT_TRUE(writer.OnAbort(abort).ok());
  EXPECT_EQ(Lines(log_).size(), 4u);
}

TEST_F(HooksWriterTest, FailingFreezeScriptVetoesAndThawsWhatWasFrozen) {
  Hook("10-a");
  Hook("20-fail",
       "[ \"$1\" = freeze ] && { echo 'cannot lock the app' >&2; exit 3; }; "
       "exit 0");
  Hook("30-c");
  HooksWriter writer = MakeWriter();
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  Status veto = writer.OnFreeze(freeze);
  EXPECT_EQ(veto.code(), Code::kWriterRetryable) << veto.ToString();
  EXPECT_NE(veto.message().find("20-fail"), std::string::npos);
  EXPECT_NE(veto.message().find("exited with status 3"), std::string::npos);
  EXPECT_NE(veto.message().find("cannot lock the app"), std::string::npos);
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{
                             "10-a freeze freeze", "20-fail freeze freeze",
                             "20-fail thaw veto", "10-a thaw veto"}));
  EXPECT_TRUE(writer.pending_thaw().empty());
  // The service's ABORT after the veto: nothing left to thaw, nothing runs.
  WriterEvent abort = Event(WriterEventKind::kAbort);
  EXPECT_TRUE(writer.OnAbort(abort).ok());
  EXPECT_EQ(Lines(log_).size(), 4u);
}

// /proc/PID/stat state, or "" when the process is gone.
std::string ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos ? "" : stat.substr(paren + 2, 1);
}

TEST_F(HooksWriterTest, HangingFreezeScriptIsKilledWithItsProcessGroup) {
  const std::string pid_file = dir_.path() + "/child.pid";
  Hook("10-a");
  Hook("20-hang", "if [ \"$1\" = freeze ]; then sleep 300 & echo $! > '" +
                      pid_file + "'; echo 'waiting forever' >&2; wait; fi");
  HooksWriter writer = MakeWriter(milliseconds(700));
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  const auto start = std::chrono::steady_clock::now();
  Status veto = writer.OnFreeze(freeze);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(veto.code(), Code::kWriterTimeout) << veto.ToString();
  EXPECT_NE(veto.message().find("20-hang"), std::string::npos);
  EXPECT_NE(veto.message().find("killed"), std::string::npos);
  EXPECT_NE(veto.message().find("waiting forever"), std::string::npos)
      << veto.message();
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{
                             "10-a freeze freeze", "20-hang freeze freeze",
                             "20-hang thaw veto", "10-a thaw veto"}));
  // The script's background child went with its process group.
  std::ifstream in(pid_file);
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  std::string state;
  for (int i = 0; i < 100; ++i) {
    state = ProcessState(child);
    if (state.empty() || state == "Z") break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(state.empty() || state == "Z") << "sleep child state " << state;
  if (!state.empty() && state != "Z") ::kill(child, SIGKILL);
}

TEST_F(HooksWriterTest, FreezeScriptsStopBeforeTheFreezeDeadline) {
  Hook("10-slow", "[ \"$1\" = freeze ] && sleep 30; exit 0");
  HooksWriter writer = MakeWriter(milliseconds(30000));
  WriterEvent freeze = Event(WriterEventKind::kFreeze, milliseconds(2000));
  Status veto = writer.OnFreeze(freeze);
  EXPECT_EQ(veto.code(), Code::kWriterTimeout) << veto.ToString();
  // Three quarters of the event's time at most: answered before it ends.
  EXPECT_LT(std::chrono::steady_clock::now(), freeze.deadline);
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{"10-slow freeze freeze",
                                                   "10-slow thaw veto"}));
}

TEST_F(HooksWriterTest, CrashingFreezeScriptVetoes) {
  Hook("10-a");
  Hook("20-crash", "[ \"$1\" = freeze ] && kill -9 $$; exit 0");
  HooksWriter writer = MakeWriter();
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  Status veto = writer.OnFreeze(freeze);
  EXPECT_EQ(veto.code(), Code::kWriterRetryable) << veto.ToString();
  EXPECT_NE(veto.message().find("20-crash freeze: was killed by SIGKILL"),
            std::string::npos)
      << veto.message();
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{
                             "10-a freeze freeze", "20-crash freeze freeze",
                             "20-crash thaw veto", "10-a thaw veto"}));
}

TEST_F(HooksWriterTest, FailingThawIsReportedAndLaterScriptsStillThaw) {
  Hook("10-a");
  Hook("20-b",
       "[ \"$1\" = thaw ] && { echo 'thaw broke' >&2; exit 5; }; exit 0");
  Hook("30-c", "[ \"$1\" = thaw ] && sleep 30; exit 0");
  HooksWriter writer = MakeWriter(milliseconds(500));
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  ASSERT_TRUE(writer.OnFreeze(freeze).ok());
  WriterEvent thaw = Event(WriterEventKind::kThaw);
  Status thawed = writer.OnThaw(thaw);
  // 30-c timed out, 20-b failed; 10-a still ran.
  EXPECT_EQ(thawed.code(), Code::kWriterTimeout) << thawed.ToString();
  EXPECT_NE(
      thawed.message().find("20-b thaw: exited with status 5: thaw broke"),
      std::string::npos)
      << thawed.message();
  EXPECT_NE(thawed.message().find("30-c thaw"), std::string::npos);
  const std::vector<std::string> lines = Lines(log_);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[3], "30-c thaw thaw");
  EXPECT_EQ(lines[4], "20-b thaw thaw");
  EXPECT_EQ(lines[5], "10-a thaw thaw");
}

TEST_F(HooksWriterTest, AbortAfterFreezeThawsOnceAndIsRepeatable) {
  Hook("10-a");
  HooksWriter writer = MakeWriter();
  WriterEvent freeze = Event(WriterEventKind::kFreeze);
  ASSERT_TRUE(writer.OnFreeze(freeze).ok());
  WriterEvent abort = Event(WriterEventKind::kAbort);
  EXPECT_TRUE(writer.OnAbort(abort).ok());
  EXPECT_TRUE(writer.OnAbort(abort).ok());
  WriterEvent thaw = Event(WriterEventKind::kThaw);
  EXPECT_TRUE(writer.OnThaw(thaw).ok());
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{"10-a freeze freeze",
                                                   "10-a thaw abort"}));
}

TEST_F(HooksWriterTest, WmdHasTheHookDirectoryAsOneComponent) {
  HooksWriter writer = MakeWriter();
  Result<WriterMetadata> wmd =
      writer.OnIdentify(Event(WriterEventKind::kIdentify));
  ASSERT_TRUE(wmd.ok());
  ASSERT_EQ(wmd->components.size(), 1u);
  EXPECT_EQ(wmd->components[0].files.at(0).path, hooks_);
  EXPECT_EQ(wmd->identity.instance_id, HooksWriterIdentity(hooks_).instance_id);
  EXPECT_NE(HooksWriterIdentity(hooks_).instance_id,
            HooksWriterIdentity(hooks_ + "x").instance_id);
}

}  // namespace
}  // namespace sp::writers::hooks
