// A real shadowport-arrayd on a real XFS (reflink=1) pool on a loop device,
// for the array's integration tests. The pool image is made once per test
// suite; each test gets its own pool directory on it and its own daemon
// (started by PID, ended by PID). Everything is released also when a test
// fails: the daemon is killed, the loop devices the test attached are
// detached, mounts unmounted, the image unmounted and removed.
#ifndef SHADOWPORT_TESTS_INTEGRATION_ARRAYD_FIXTURE_H_
#define SHADOWPORT_TESTS_INTEGRATION_ARRAYD_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "array/rpc/client.h"
#include "os/loop_device.h"
#include "os/mounts.h"
#include "os/pool_image.h"
#include "support/child_process.h"

namespace sp::testing_support {

struct DaemonOptions {
  uint64_t free_space_floor = 64ull << 20;
  int reserve_percent = 10;
  std::string crash_at;  // SHADOWPORT_ARRAYD_CRASH_AT
};

class ArraydTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // (Re)starts the daemon on this test's pool; waits until it answers.
  void StartDaemon(const DaemonOptions& options = {});
  // Starts it expecting it to die (crash points): no wait for readiness.
  void StartDaemonNoWait(const DaemonOptions& options);
  void StopDaemon();
  ChildProcess* daemon() { return daemon_.get(); }
  std::string DaemonLog() const;

  std::unique_ptr<array::rpc::ArrayClient> Admin() const;
  std::unique_ptr<array::rpc::ArrayClient> AsHost(
      const std::string& name, const std::string& credential) const;
  // Creates `count` LUNs of `size` bytes presented to `host`; their ids
  // (empty, with a test failure, if the array refuses one).
  std::vector<uint64_t> LunsPresentedTo(const std::string& host, int count,
                                        uint64_t size);
  // Registers a host and returns its client.
  std::unique_ptr<array::rpc::ArrayClient> NewHost(
      const std::string& name, const std::string& cluster = "");

  // Attaches a LUN on this machine through the array (Attach + loop device +
  // SetAttachmentDevice); detached in TearDown if the test does not.
  std::string AttachLun(const array::rpc::ArrayClient& client, uint64_t id);
  void DetachLun(const array::rpc::ArrayClient& client, uint64_t id);
  // Mounts `device` at a fresh directory; unmounted in TearDown.
  std::string MountDevice(const std::string& device, const std::string& fstype,
                          const os::MountOptions& options);
  void Unmount(const std::string& dir);

  std::string pool_dir() const { return pool_dir_; }
  std::string array_socket() const { return socket_; }
  std::string work_dir() const { return work_dir_; }
  // LUN files on disk, names sorted.
  std::vector<std::string> PoolLunFiles() const;

  static std::string Program(const std::string& name);

 private:
  void WriteConfig(const DaemonOptions& options);

  static std::unique_ptr<os::PoolImage> pool_image_;
  static std::string suite_dir_;

  std::string work_dir_;
  std::string pool_dir_;
  std::string socket_;
  std::string token_file_;
  std::unique_ptr<ChildProcess> daemon_;
  std::vector<std::pair<uint64_t, os::LoopDevice>> attached_;
  std::vector<std::string> mounts_;
  int mount_count_ = 0;
};

}  // namespace sp::testing_support

#endif  // SHADOWPORT_TESTS_INTEGRATION_ARRAYD_FIXTURE_H_
