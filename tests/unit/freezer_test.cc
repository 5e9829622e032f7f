// The freezer without root: its command line, its report lines, RunFreezer
// on mount points it refuses before freezing anything, and FreezeWatchdog
// spawning the real shadowport-freezer (SP_FREEZER_BIN) for the failures
// that need no root. Freezing itself is in
// tests/integration/freeze_watchdog_test.cc.
#include "os/freezer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "os/freeze_watchdog.h"
#include "os/unique_fd.h"
#include "support/read_text.h"

namespace sp::os {
namespace {

using std::chrono::milliseconds;

TEST(FreezerArgs, RoundTrip) {
  FreezerArgs args;
  args.hold = milliseconds(1500);
  args.parent_pid = 4242;
  args.mount_points = {"/srv/a", "/srv/b c"};
  const std::vector<std::string> argv = FreezerArgv("/usr/bin/fz", args);
  EXPECT_EQ(argv, (std::vector<std::string>{"/usr/bin/fz", "--hold-ms=1500",
                                            "--parent-pid=4242", "--", "/srv/a",
                                            "/srv/b c"}));
  Result<FreezerArgs> parsed = ParseFreezerArgs(argv);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->hold, milliseconds(1500));
  EXPECT_EQ(parsed->parent_pid, 4242);
  EXPECT_EQ(parsed->mount_points, args.mount_points);

  args.parent_pid = 0;  // unchecked: no option
  parsed = ParseFreezerArgs(FreezerArgv("fz", args));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->parent_pid, 0);
}

TEST(FreezerArgs, RejectsBadCommandLines) {
  const std::vector<std::vector<std::string>> bad = {
      {"fz"},
      {"fz", "--", "/a"},                            // no hold
      {"fz", "--hold-ms=0", "--", "/a"},             // not positive
      {"fz", "--hold-ms=-5", "--", "/a"},            // negative
      {"fz", "--hold-ms=10x", "--", "/a"},           // trailing junk
      {"fz", "--hold-ms=", "--", "/a"},              // empty
      {"fz", "--hold-ms=999999999999", "--", "/a"},  // beyond a day
      {"fz", "--hold-ms=10", "--parent-pid=0", "--", "/a"},
      {"fz", "--hold-ms=10", "--parent-pid=p", "--", "/a"},
      {"fz", "--hold-ms=10", "--verbose", "--", "/a"},
      {"fz", "--hold-ms=10", "/a"},              // mount before "--"
      {"fz", "--hold-ms=10", "--"},              // no mount point
      {"fz", "--hold-ms=10", "--", "a"},         // relative
      {"fz", "--hold-ms=10", "--", ""},          // empty
      {"fz", "--hold-ms=10", "--", "/a", "/a"},  // twice
  };
  for (const auto& argv : bad) {
    std::string joined;
    for (const std::string& a : argv) joined += "[" + a + "]";
    EXPECT_EQ(ParseFreezerArgs(argv).status().code(), Code::kInvalidArg)
        << joined;
  }
}

TEST(FreezerReport, ParsesEveryLine) {
  Result<FreezerReport> r = ParseFreezerReport("frozen");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FreezerReport::Kind::kFrozen);
  EXPECT_EQ(r->freezing_us, 0);

  // How long the FIFREEZE calls took, in microseconds.
  r = ParseFreezerReport("frozen 1234");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FreezerReport::Kind::kFrozen);
  EXPECT_EQ(r->freezing_us, 1234);
  EXPECT_FALSE(ParseFreezerReport("frozen -1").ok());
  EXPECT_FALSE(ParseFreezerReport("frozen 12x").ok());

  r = ParseFreezerReport("thawed");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FreezerReport::Kind::kThawed);
  EXPECT_EQ(r->reason, "");

  r = ParseFreezerReport("thawed deadline");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FreezerReport::Kind::kThawed);
  EXPECT_EQ(r->reason, "deadline");

  r = ParseFreezerReport("error VSS_E_VOLUME_IN_USE FIFREEZE of /x: busy");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FreezerReport::Kind::kError);
  EXPECT_EQ(r->error.code(), Code::kVolumeInUse);
  EXPECT_EQ(r->error.message(), "FIFREEZE of /x: busy");

  r = ParseFreezerReport("error E_INVALIDARG");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error.code(), Code::kInvalidArg);
  EXPECT_EQ(r->error.message(), "");
}

TEST(FreezerReport, RejectsOtherLines) {
  for (const char* line :
       {"", "frozen now", "thawed ", "thawed a b", "error", "error ",
        "error S_OK fine", "error NOT_A_CODE x", "thaw", "FROZEN"}) {
    EXPECT_EQ(ParseFreezerReport(line).status().code(), Code::kInvalidArg)
        << "\"" << line << "\"";
  }
}

TEST(FreezerReport, ErrorLinesRoundTrip) {
  const Status status(Code::kNotSupported, "FIFREEZE of /p:\nno\rway");
  const std::string line = FormatErrorReport(status);
  EXPECT_EQ(line, "error VSS_E_NOT_SUPPORTED FIFREEZE of /p: no way\n");
  Result<FreezerReport> r =
      ParseFreezerReport(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->error.code(), Code::kNotSupported);
}

// RunFreezer in this process with pipes for its descriptors.
struct RunResult {
  int exit_code;
  std::string report;
};

RunResult RunInProcess(const std::vector<std::string>& mounts) {
  int control[2];
  int report[2];
  EXPECT_EQ(::pipe2(control, O_CLOEXEC | O_NONBLOCK), 0);
  EXPECT_EQ(::pipe2(report, O_CLOEXEC), 0);
  UniqueFd control_read(control[0]), control_write(control[1]);
  UniqueFd report_read(report[0]), report_write(report[1]);
  FreezerArgs args;
  args.hold = milliseconds(10);
  args.mount_points = mounts;
  const int rc = RunFreezer(args, control_read.get(), report_write.get(),
                            /*signal_fd=*/-1);
  report_write.reset();
  return {rc, testing_support::ReadFdToEnd(report_read.get())};
}

TEST(RunFreezer, ReportsAMissingMountPointBeforeFreezing) {
  const RunResult r = RunInProcess({"/proc", "/nonexistent-sp-mount"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.report.starts_with("error VSS_E_OBJECT_NOT_FOUND "))
      << r.report;
  EXPECT_NE(r.report.find("/nonexistent-sp-mount"), std::string::npos);
}

TEST(RunFreezer, RefusesAPathThatIsNotAMountRoot) {
  std::string dir = "/tmp/sp_freezer_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const RunResult r = RunInProcess({dir});
  std::filesystem::remove(dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.report.starts_with("error E_INVALIDARG ")) << r.report;
  EXPECT_NE(r.report.find("not the root of a mounted filesystem"),
            std::string::npos)
      << r.report;
}

TEST(RunFreezer, ReportsAFilesystemThatCannotFreeze) {
  // proc has no freeze: EPERM without root, EOPNOTSUPP with it.
  const RunResult r = RunInProcess({"/proc"});
  EXPECT_EQ(r.exit_code, 1);
  const bool expected = r.report.starts_with("error E_ACCESSDENIED ") ||
                        r.report.starts_with("error VSS_E_NOT_SUPPORTED ");
  EXPECT_TRUE(expected) << r.report;
}

FreezeOptions Options(std::vector<std::string> mounts) {
  FreezeOptions options;
  options.freezer_program = SP_FREEZER_BIN;
  options.mount_points = std::move(mounts);
  options.flush_timeout = milliseconds(10000);
  options.hold_timeout = milliseconds(10000);
  return options;
}

TEST(FreezeWatchdog, RefusesAnEmptyListAndARelativeProgram) {
  EXPECT_EQ(FreezeWatchdog::Freeze(Options({})).status().code(),
            Code::kInvalidArg);
  FreezeOptions relative = Options({"/proc"});
  relative.freezer_program = "shadowport-freezer";
  EXPECT_EQ(FreezeWatchdog::Freeze(relative).status().code(),
            Code::kInvalidArg);
}

TEST(FreezeWatchdog, MissingProgramIsNotFound) {
  FreezeOptions options = Options({"/proc"});
  options.freezer_program = "/nonexistent-sp/shadowport-freezer";
  EXPECT_EQ(FreezeWatchdog::Freeze(options).status().code(),
            Code::kObjectNotFound);
}

// The real child: its errors come back with their codes, and it has exited
// (no child of this process is left).
TEST(FreezeWatchdog, ReturnsTheChildsErrorsAndReapsIt) {
  Result<std::unique_ptr<FreezeWatchdog>> w =
      FreezeWatchdog::Freeze(Options({"/nonexistent-sp-mount"}));
  EXPECT_EQ(w.status().code(), Code::kObjectNotFound) << w.status().ToString();
  EXPECT_NE(w.status().message().find("/nonexistent-sp-mount"),
            std::string::npos);

  w = FreezeWatchdog::Freeze(Options({"relative/path"}));
  EXPECT_EQ(w.status().code(), Code::kInvalidArg) << w.status().ToString();

  w = FreezeWatchdog::Freeze(Options({"/proc"}));
  EXPECT_TRUE(w.status().code() == Code::kAccessDeniedLocal ||
              w.status().code() == Code::kNotSupported)
      << w.status().ToString();

  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// A stand-in freezer: a script in a temporary directory.
class FakeFreezer {
 public:
  explicit FakeFreezer(const std::string& body) {
    std::string dir = "/tmp/sp_fake_freezer.XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return;
    dir_ = dir;
    path_ = dir_ + "/freezer";
    std::ofstream(path_) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path_.c_str(), 0700);
  }
  ~FakeFreezer() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  FakeFreezer(const FakeFreezer&) = delete;
  FakeFreezer& operator=(const FakeFreezer&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

TEST(FreezeWatchdog, FlushTimeoutStopsTheChild) {
  FakeFreezer fake("exec sleep 60");
  ASSERT_FALSE(fake.path().empty());
  FreezeOptions options = Options({"/nonexistent-sp-mount"});
  options.freezer_program = fake.path();
  options.flush_timeout = milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<FreezeWatchdog>> w = FreezeWatchdog::Freeze(options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(w.status().code(), Code::kFlushWritesTimeout)
      << w.status().ToString();
  // SIGTERM ended it at once; having died by a signal, its mounts were
  // thawed by the watchdog (here: tried, the path does not exist).
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_NE(w.status().message().find("killed by signal 15"), std::string::npos)
      << w.status().message();
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(FreezeWatchdog, NonsenseFromTheChildIsAnError) {
  FakeFreezer garbage("echo hello; exec sleep 60");
  ASSERT_FALSE(garbage.path().empty());
  FreezeOptions options = Options({"/nonexistent-sp-mount"});
  options.freezer_program = garbage.path();
  Result<std::unique_ptr<FreezeWatchdog>> w = FreezeWatchdog::Freeze(options);
  EXPECT_EQ(w.status().code(), Code::kInvalidArg) << w.status().ToString();
  EXPECT_NE(w.status().message().find("hello"), std::string::npos);

  FakeFreezer silent("exit 3");
  options.freezer_program = silent.path();
  w = FreezeWatchdog::Freeze(options);
  EXPECT_EQ(w.status().code(), Code::kIoError) << w.status().ToString();
  EXPECT_NE(w.status().message().find("exited with status 3"),
            std::string::npos)
      << w.status().message();
}

}  // namespace
}  // namespace sp::os
