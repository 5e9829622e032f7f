// RunProcess: exit codes, captured and bounded output, argv passed
// verbatim, LC_ALL=C, timeouts, missing programs. Runs coreutils and sh as
// test subjects (never as a shell for the code under test).
#include "os/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "os/unique_fd.h"

namespace sp::os {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(RunProcess, ExitCodes) {
  Result<ProcessResult> t = RunProcess({"true"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->exit_code, 0);
  EXPECT_EQ(t->signal, 0);
  EXPECT_TRUE(t->success());
  EXPECT_TRUE(CheckExitStatus({"true"}, *t).ok());

  Result<ProcessResult> f = RunProcess({"false"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->exit_code, 1);
  EXPECT_FALSE(f->success());
  Status failed = CheckExitStatus({"false"}, *f);
  EXPECT_EQ(failed.code(), Code::kIoError);
  EXPECT_NE(failed.message().find("false exited with status 1"),
            std::string::npos)
      << failed.message();
  EXPECT_EQ(RunProcessChecked({"false"}).status().code(), Code::kIoError);
}

TEST(RunProcess, CapturesStdoutAndStderrSeparately) {
  const std::vector<std::string> argv = {
      "sh", "-c", "echo to-out; echo to-err >&2; exit 3"};
  Result<ProcessResult> r = RunProcess(argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "to-out\n");
  EXPECT_EQ(r->err, "to-err\n");
  EXPECT_FALSE(r->out_truncated);
  EXPECT_FALSE(r->err_truncated);
  Status status = CheckExitStatus(argv, *r);
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_EQ(status.message(), "sh exited with status 3: to-err");
}

TEST(RunProcess, PassesArgumentsVerbatim) {
  const std::vector<std::string> args = {
      "two words",  "it's", "\"quoted\"", "$HOME", "*",
      "; rm -rf x", "a\\b", "",           "`id`",  "--"};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<ProcessResult> r = RunProcessChecked(argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string expected;
  for (const std::string& a : args) expected += "[" + a + "]\n";
  EXPECT_EQ(r->out, expected);
}

TEST(RunProcess, SetsLcAllToC) {
  Result<ProcessResult> r = RunProcessChecked({"env"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->out.find("\nLC_ALL=C\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("LC_ALL="), r->out.rfind("LC_ALL="));  // only once
}

TEST(RunProcess, StdinIsEmptyAndNoDescriptorLeaks) {
  Result<ProcessResult> cat = RunProcessChecked({"cat"});
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ(cat->out, "");

  // A descriptor without O_CLOEXEC must not reach the child.
  UniqueFd devnull(::open("/dev/null", O_RDONLY));
  ASSERT_TRUE(devnull.valid());
  UniqueFd leaked(::dup2(devnull.get(), 57));
  ASSERT_EQ(leaked.get(), 57);
  Result<ProcessResult> fds = RunProcessChecked({"ls", "/proc/self/fd"});
  ASSERT_TRUE(fds.ok()) << fds.status().ToString();
  EXPECT_EQ(fds->out.find("57"), std::string::npos) << fds->out;
}

TEST(RunProcess, TimeoutKillsTheChildQuickly) {
  RunOptions options;
  options.timeout = milliseconds(200);
  const auto start = Clock::now();
  Result<ProcessResult> r = RunProcess({"sleep", "30"}, options);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("sleep did not finish within 200 ms"),
            std::string::npos)
      << r.status().message();
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  RunOptions options;
  options.timeout = milliseconds(300);
  const auto start = Clock::now();
  // The shell waits for its child; both must die, or the pipe stays open.
  Result<ProcessResult> r =
      RunProcess({"sh", "-c", "sleep 30 & wait"}, options);
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(RunProcess, ReturnsWhenTheChildExitsEvenIfAGrandchildHoldsThePipe) {
  const auto start = Clock::now();
  Result<ProcessResult> r =
      RunProcessChecked({"sh", "-c", "sleep 3 & echo started"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "started\n");
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(RunProcess, ReportsDeathBySignal) {
  const std::vector<std::string> argv = {"sh", "-c", "kill -9 $$"};
  Result<ProcessResult> r = RunProcess(argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signal, 9);
  EXPECT_EQ(r->exit_code, -1);
  Status status = CheckExitStatus(argv, *r);
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_NE(status.message().find("killed by signal 9"), std::string::npos);
}

TEST(RunProcess, BoundsOutputKeepingHeadOfStdoutAndTailOfStderr) {
  RunOptions options;
  options.max_output_bytes = 1000;
  Result<ProcessResult> r =
      RunProcessChecked({"sh", "-c",
                         "echo FIRST; head -c 300000 /dev/zero; "
                         "head -c 300000 /dev/zero >&2; echo LAST >&2"},
                        options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->out.starts_with("FIRST\n"));
  EXPECT_TRUE(r->out_truncated);
  EXPECT_EQ(r->err.size(), 1000u);
  EXPECT_TRUE(r->err.ends_with("LAST\n"));
  EXPECT_TRUE(r->err_truncated);
}

TEST(RunProcess, MissingProgramAndBadArguments) {
  Result<ProcessResult> missing = RunProcess({"sp-no-such-program-xyz"});
  EXPECT_EQ(missing.status().code(), Code::kObjectNotFound)
      << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("sp-no-such-program-xyz"),
            std::string::npos);
  EXPECT_EQ(RunProcess({"/nonexistent/dir/tool"}).status().code(),
            Code::kObjectNotFound);
  EXPECT_EQ(RunProcess({}).status().code(), Code::kInvalidArg);
  EXPECT_EQ(RunProcess({"echo", std::string("a\0b", 3)}).status().code(),
            Code::kInvalidArg);
}

}  // namespace
}  // namespace sp::os
