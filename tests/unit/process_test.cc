// RunProcess: exit codes, captured and bounded output, argv passed
// verbatim, LC_ALL=C, timeouts, missing programs. Runs coreutils and sh as
// test subjects (never as a shell for the code under test).
#include "os/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
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

TEST(RunProcess, ExtraEnvironmentIsAddedAndReplacesVariables) {
  RunOptions options;
  options.extra_env = {"SP_TEST_EXTRA=one two", "HOME=/sp/home",
                       "SP_TEST_EMPTY="};
  Result<ProcessResult> r = RunProcessChecked({"env"}, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string env = "\n" + r->out;
  EXPECT_NE(env.find("\nSP_TEST_EXTRA=one two\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nSP_TEST_EMPTY=\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nHOME=/sp/home\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("\nHOME="), env.rfind("\nHOME="));  // replaced, once
  EXPECT_NE(env.find("\nLC_ALL=C\n"), std::string::npos);

  options.extra_env = {"LC_ALL=POSIX"};
  r = RunProcessChecked({"env"}, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->out.find("LC_ALL=POSIX\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("LC_ALL=C\n"), std::string::npos) << r->out;
}

TEST(RunProcess, MalformedExtraEnvironmentIsRefused) {
  for (const std::string& bad : {std::string("NOEQUALS"), std::string("=value"),
                                 std::string("A=b\0c", 5)}) {
    RunOptions options;
    options.extra_env = {bad};
    EXPECT_EQ(RunProcess({"true"}, options).status().code(), Code::kInvalidArg)
        << bad;
  }
}

// Runs `argv` with inherit_output while this process's stdout and stderr
// point at files; returns what landed in them.
struct Inherited {
  Result<ProcessResult> result = Status(Code::kInternal, "not run");
  std::string out;
  std::string err;
};

std::string ReadFd(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  ::lseek(fd, 0, SEEK_SET);
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

Inherited RunInherited(const std::vector<std::string>& argv,
                       RunOptions options) {
  options.inherit_output = true;
  char out_name[] = "/tmp/sp-process-out.XXXXXX";
  char err_name[] = "/tmp/sp-process-err.XXXXXX";
  UniqueFd out_file(::mkstemp(out_name));
  UniqueFd err_file(::mkstemp(err_name));
  ::unlink(out_name);
  ::unlink(err_name);
  Inherited inherited;
  if (!out_file.valid() || !err_file.valid()) return inherited;
  std::fflush(stdout);
  std::fflush(stderr);
  UniqueFd saved_out(::dup(1));
  UniqueFd saved_err(::dup(2));
  ::dup2(out_file.get(), 1);
  ::dup2(err_file.get(), 2);
  inherited.result = RunProcess(argv, options);
  ::dup2(saved_out.get(), 1);
  ::dup2(saved_err.get(), 2);
  inherited.out = ReadFd(out_file.get());
  inherited.err = ReadFd(err_file.get());
  return inherited;
}

TEST(RunProcess, InheritOutputWritesToTheCallersStreams) {
  RunOptions options;
  options.extra_env = {"SP_TEST_WORD=hello"};
  Inherited run = RunInherited(
      {"sh", "-c", "echo out $SP_TEST_WORD; echo err >&2; exit 4"}, options);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  EXPECT_EQ(run.result->exit_code, 4);
  EXPECT_EQ(run.result->out, "");
  EXPECT_EQ(run.result->err, "");
  EXPECT_EQ(run.out, "out hello\n");
  EXPECT_EQ(run.err, "err\n");
}

TEST(RunProcess, InheritOutputKeepsTheCallersProcessGroup) {
  // Field 5 of /proc/PID/stat is the process group ("sh" has no spaces).
  Inherited run =
      RunInherited({"sh", "-c", "cut -d' ' -f5 /proc/$$/stat"}, RunOptions{});
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  EXPECT_EQ(run.out, std::to_string(::getpgrp()) + "\n");

  // Captured children get their own group.
  Result<ProcessResult> own =
      RunProcessChecked({"sh", "-c", "cut -d' ' -f5 /proc/$$/stat"});
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_NE(own->out, std::to_string(::getpgrp()) + "\n");
}

TEST(RunProcess, InheritOutputTimeoutKillsOnlyTheChild) {
  RunOptions options;
  options.timeout = milliseconds(200);
  const auto start = Clock::now();
  Inherited run = RunInherited({"sleep", "30"}, options);
  EXPECT_EQ(run.result.status().code(), Code::kDeadlineExceeded)
      << run.result.status().ToString();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  // Still alive here: the kill did not reach this process's group.
}

}  // namespace
}  // namespace sp::os
