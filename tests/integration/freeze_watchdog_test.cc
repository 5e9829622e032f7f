// FreezeWatchdog with the real shadowport-freezer (SP_FREEZER_BIN) on loop
// volumes: writes block while frozen and complete after Thaw(); the hold
// deadline thaws on its own; an already frozen filesystem is refused with
// nothing left frozen; a freezer that is SIGKILLed is replaced by the
// watchdog's own thaw; and a daemon SIGKILLed while holding the freeze
// leaves nothing frozen. Needs root.
//
// Whether a filesystem is frozen is seen from a writer process: one that
// has not finished after a while is blocked. A Writer thaws its filesystem
// before it reaps itself, so a failed test cannot hang on a blocked writer.
#include "os/freeze_watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "loop_volume.h"
#include "os/freeze.h"
#include "os/unique_fd.h"

namespace sp::os {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kBlockedFor(200);
constexpr milliseconds kCompletes(5000);

// The wait status of `pid` once it ended within `timeout`, else nullopt.
std::optional<int> WaitFor(pid_t pid, milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t rc = ::waitpid(pid, &status, WNOHANG);
    if (rc == pid) return status;
    if (rc < 0 || Clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

// A process that creates a file on `mount_point`, writes to it and fsyncs.
class Writer {
 public:
  Writer(std::string mount_point, const std::string& name)
      : mount_point_(std::move(mount_point)) {
    const std::string path = mount_point_ + "/" + name;
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls from here
      const int fd =
          ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      const char block[512] = {'w'};
      const bool ok = fd >= 0 &&
                      ::write(fd, block, sizeof block) ==
                          static_cast<ssize_t>(sizeof block) &&
                      ::fsync(fd) == 0;
      ::_exit(ok ? 0 : 1);
    }
  }
  ~Writer() {
    if (pid_ <= 0 || status_) return;
    (void)ThawFilesystem(mount_point_);  // else it may never return
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Whether it finished (successfully) within `timeout`.
  bool FinishedWithin(milliseconds timeout) {
    if (!status_) status_ = WaitFor(pid_, timeout);
    return status_ && WIFEXITED(*status_) && WEXITSTATUS(*status_) == 0;
  }

 private:
  std::string mount_point_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

FreezeOptions Options(std::vector<std::string> mounts, milliseconds hold) {
  FreezeOptions options;
  options.freezer_program = SP_FREEZER_BIN;
  options.mount_points = std::move(mounts);
  options.flush_timeout = milliseconds(30000);
  options.hold_timeout = hold;
  return options;
}

class FreezeWatchdogTest : public LoopVolumeTest {
 protected:
  void SetUp() override {
    LoopVolumeTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Result<std::unique_ptr<LoopVolume>> xfs =
        LoopVolume::Create(dir_, "xfs", "xfs", 512);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    Result<std::unique_ptr<LoopVolume>> ext4 =
        LoopVolume::Create(dir_, "ext4", "ext4", 64);
    ASSERT_TRUE(ext4.ok()) << ext4.status().ToString();
    ext4_ = std::move(ext4).value();
  }

  void TearDown() override {
    ext4_.reset();
    xfs_.reset();
    LoopVolumeTest::TearDown();
  }

  std::vector<std::string> Both() const {
    return {xfs_->mount_point(), ext4_->mount_point()};
  }

  std::unique_ptr<LoopVolume> xfs_;
  std::unique_ptr<LoopVolume> ext4_;
};

TEST_F(FreezeWatchdogTest, HoldsWritesUntilThaw) {
  Result<std::unique_ptr<FreezeWatchdog>> watchdog =
      FreezeWatchdog::Freeze(Options(Both(), milliseconds(30000)));
  ASSERT_TRUE(watchdog.ok()) << watchdog.status().ToString();
  Writer on_xfs(xfs_->mount_point(), "a");
  Writer on_ext4(ext4_->mount_point(), "a");
  EXPECT_FALSE(on_xfs.FinishedWithin(kBlockedFor));
  EXPECT_FALSE(on_ext4.FinishedWithin(kBlockedFor));
  EXPECT_EQ(::kill((*watchdog)->child_pid(), 0), 0);

  Status thawed = (*watchdog)->Thaw();
  EXPECT_TRUE(thawed.ok()) << thawed.ToString();
  EXPECT_TRUE(on_xfs.FinishedWithin(kCompletes));
  EXPECT_TRUE(on_ext4.FinishedWithin(kCompletes));
  EXPECT_TRUE((*watchdog)->Thaw().ok());  // a second call does nothing
  errno = 0;
  EXPECT_EQ(::kill((*watchdog)->child_pid(), 0), -1) << "not reaped";
}

TEST_F(FreezeWatchdogTest, DestructorThaws) {
  {
    Result<std::unique_ptr<FreezeWatchdog>> watchdog =
        FreezeWatchdog::Freeze(Options(Both(), milliseconds(30000)));
    ASSERT_TRUE(watchdog.ok()) << watchdog.status().ToString();
  }
  Writer writer(xfs_->mount_point(), "a");
  EXPECT_TRUE(writer.FinishedWithin(kCompletes));
}

TEST_F(FreezeWatchdogTest, HoldDeadlineThawsWithoutTheParent) {
  Result<std::unique_ptr<FreezeWatchdog>> watchdog =
      FreezeWatchdog::Freeze(Options(Both(), milliseconds(300)));
  ASSERT_TRUE(watchdog.ok()) << watchdog.status().ToString();
  Writer writer(ext4_->mount_point(), "a");
  EXPECT_FALSE(writer.FinishedWithin(milliseconds(100)));
  // No call to the watchdog: the child thaws at its deadline.
  EXPECT_TRUE(writer.FinishedWithin(kCompletes));
  Status thawed = (*watchdog)->Thaw();
  EXPECT_EQ(thawed.code(), Code::kHoldWritesTimeout) << thawed.ToString();
}

TEST_F(FreezeWatchdogTest, AlreadyFrozenIsRefusedAndNothingStaysFrozen) {
  ScopedFreeze other(ext4_->mount_point());  // someone else's freeze
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<std::unique_ptr<FreezeWatchdog>> watchdog =
      FreezeWatchdog::Freeze(Options(Both(), milliseconds(30000)));
  EXPECT_EQ(watchdog.status().code(), Code::kVolumeInUse)
      << watchdog.status().ToString();
  EXPECT_NE(watchdog.status().message().find(ext4_->mount_point()),
            std::string::npos);
  // The XFS volume, frozen first, was thawed again by the child.
  Writer on_xfs(xfs_->mount_point(), "a");
  EXPECT_TRUE(on_xfs.FinishedWithin(kCompletes));
  // The other freeze is left alone.
  Writer on_ext4(ext4_->mount_point(), "a");
  EXPECT_FALSE(on_ext4.FinishedWithin(kBlockedFor));
  ASSERT_TRUE(other.Thaw().ok());
  EXPECT_TRUE(on_ext4.FinishedWithin(kCompletes));
}

TEST_F(FreezeWatchdogTest, WatchdogThawsWhenTheFreezerIsKilled) {
  Result<std::unique_ptr<FreezeWatchdog>> watchdog =
      FreezeWatchdog::Freeze(Options(Both(), milliseconds(30000)));
  ASSERT_TRUE(watchdog.ok()) << watchdog.status().ToString();
  Writer writer(xfs_->mount_point(), "a");
  EXPECT_FALSE(writer.FinishedWithin(kBlockedFor));
  ASSERT_EQ(::kill((*watchdog)->child_pid(), SIGKILL), 0);
  Status thawed = (*watchdog)->Thaw();
  EXPECT_EQ(thawed.code(), Code::kIoError) << thawed.ToString();
  EXPECT_NE(thawed.message().find("signal 9"), std::string::npos)
      << thawed.message();
  EXPECT_TRUE(writer.FinishedWithin(kCompletes));
  Writer on_ext4(ext4_->mount_point(), "b");
  EXPECT_TRUE(on_ext4.FinishedWithin(kCompletes));
}

// This test process becomes the reaper of the freezer once its parent, a
// forked "daemon", is killed; restored at the end.
class SubreaperGuard {
 public:
  SubreaperGuard() { ok_ = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }
  ~SubreaperGuard() { (void)::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// Ends `pid` (SIGKILL) and reaps it unless reaped already.
class KillGuard {
 public:
  explicit KillGuard(pid_t pid) : pid_(pid) {}
  ~KillGuard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  void Reaped() { pid_ = -1; }

 private:
  pid_t pid_;
};

// What the forked "daemon" tells the test once it froze.
struct DaemonPids {
  pid_t freezer = -1;
  pid_t holder = -1;  // a forked child of the daemon holding its pipes
};

// Forks a "daemon" that freezes `mounts` (and, with `fork_holder`, forks a
// child that inherits the watchdog's pipe ends and sleeps), then SIGKILLs
// it: both filesystems must be writable again within a second.
void KillDaemonWhileFrozen(const LoopVolume& first, const LoopVolume& second,
                           bool fork_holder) {
  SubreaperGuard subreaper;
  ASSERT_TRUE(subreaper.ok());
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  UniqueFd ready_read(ready[0]), ready_write(ready[1]);
  const FreezeOptions options =
      Options({first.mount_point(), second.mount_point()}, milliseconds(60000));

  const pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    ready_read.reset();
    Result<std::unique_ptr<FreezeWatchdog>> watchdog =
        FreezeWatchdog::Freeze(options);
    DaemonPids pids;
    if (watchdog.ok()) {
      pids.freezer = (*watchdog)->child_pid();
      if (fork_holder && (pids.holder = ::fork()) == 0) {
        while (true) ::pause();
      }
    }
    (void)!::write(ready_write.get(), &pids, sizeof pids);
    if (!watchdog.ok()) ::_exit(1);
    while (true) ::pause();
  }
  KillGuard daemon_guard(daemon);
  ready_write.reset();
  DaemonPids pids;
  pollfd pfd{ready_read.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 30000), 1);
  ASSERT_EQ(::read(ready_read.get(), &pids, sizeof pids),
            static_cast<ssize_t>(sizeof pids));
  ASSERT_GT(pids.freezer, 0) << "the daemon could not freeze";
  // Both become ours to reap (subreaper) once the daemon is gone.
  KillGuard freezer_guard(pids.freezer);
  KillGuard holder_guard(pids.holder);
  ASSERT_EQ(pids.holder > 0, fork_holder);

  Writer writer(first.mount_point(), "a");
  EXPECT_FALSE(writer.FinishedWithin(kBlockedFor));

  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_EQ(::waitpid(daemon, nullptr, 0), daemon);
  daemon_guard.Reaped();
  const auto killed = Clock::now();

  EXPECT_TRUE(writer.FinishedWithin(milliseconds(1000)))
      << "still frozen 1 s after the daemon died";
  const auto took =
      std::chrono::duration_cast<milliseconds>(Clock::now() - killed);
  ::testing::Test::RecordProperty("thaw_after_parent_death_ms",
                                  static_cast<int>(took.count()));
  Writer on_second(second.mount_point(), "b");
  EXPECT_TRUE(on_second.FinishedWithin(milliseconds(1000)));

  const std::optional<int> status = WaitFor(pids.freezer, milliseconds(2000));
  ASSERT_TRUE(status.has_value()) << "the freezer did not exit";
  freezer_guard.Reaped();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

TEST_F(FreezeWatchdogTest, DaemonKilledWhileFrozenLeavesNothingFrozen) {
  KillDaemonWhileFrozen(*xfs_, *ext4_, /*fork_holder=*/false);
}

// The control pipe stays open in the daemon's forked child, so no EOF
// comes: the parent-death signal and getppid() end the hold.
TEST_F(FreezeWatchdogTest, DaemonKilledWhileItsForkHoldsThePipes) {
  KillDaemonWhileFrozen(*ext4_, *xfs_, /*fork_holder=*/true);
}

}  // namespace
}  // namespace sp::os
