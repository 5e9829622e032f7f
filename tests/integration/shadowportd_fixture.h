// A real shadowportd (host "one") in front of a real shadowport-arrayd, on
// the arrayd fixture's XFS pool: the array has host "one" (and "two", an
// importer), LUNs presented to "one", attached by loop and mounted (ext4 or
// XFS). The daemon runs with its own state directory and socket, the real
// freezer, and is started and ended by PID. TearDown stops shadowportd
// first (so nothing is frozen), then the array fixture releases mounts,
// loop devices and the array daemon.
#ifndef SHADOWPORT_TESTS_INTEGRATION_SHADOWPORTD_FIXTURE_H_
#define SHADOWPORT_TESTS_INTEGRATION_SHADOWPORTD_FIXTURE_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "integration/arrayd_fixture.h"
#include "shadowport/backup_components.h"

namespace sp::testing_support {

struct ServiceOptions {
  int hold_timeout_ms = 10000;
  std::string crash_at;  // SHADOWPORTD_CRASH_AT
  std::vector<std::string> default_importers = {"two"};
};

struct TestVolume {
  uint64_t lun_id = 0;
  std::string naa;
  std::string device;
  std::string mount_point;
  std::string fs_type;
};

#define SP_ASSERT_OK(expr)                                        \
  do {                                                            \
    const ::sp::Status sp_s_ = (expr);                            \
    ASSERT_TRUE(sp_s_.ok()) << #expr << ": " << sp_s_.ToString(); \
  } while (0)

void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);
// The usual requester sequence up to DoSnapshotSet (vshadow's create):
// Initialize, SetContext, SetBackupState, GatherWriterMetadata and
// PrepareForBackup when the context has writers (every component of every
// writer selected), StartSnapshotSet(importers), AddToSnapshotSet.
Status CreateSet(BackupComponents& b, uint32_t context,
                 const std::vector<std::string>& volumes,
                 const std::vector<std::string>& importers = {});
// Whether a write to a new file on `mount_point` completes within `limit`
// (false: the filesystem is frozen). The writing thread is detached when it
// blocks; it finishes once the filesystem thaws.
bool WriteCompletes(const std::string& mount_point,
                    std::chrono::milliseconds limit);

class ShadowportdTest : public ArraydTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A LUN of `size` bytes presented to "one", attached, formatted with
  // `fs_type` ("xfs" or "ext4") and mounted read-write.
  TestVolume MakeVolume(const std::string& fs_type,
                        uint64_t size = 512ull << 20);

  void StartService(const ServiceOptions& options = {});
  // Starts it expecting it to die (crash points): waits only for the socket.
  void StartServiceNoWait(const ServiceOptions& options);
  void StopService();
  // SIGKILL, as a crash.
  void KillService();
  ChildProcess* service() { return service_.get(); }
  std::string ServiceLog() const;
  const std::string& socket() const { return service_socket_; }

  std::unique_ptr<BackupComponents> Connect();
  // The array as host "one" sees it.
  const array::rpc::ArrayClient& one() const { return *one_; }
  // Snapshot LUNs at the array (admin view).
  std::vector<array::LunInfo> ArraySnapshots() const;

  // Runs the shadowport CLI with `args`; returns its exit code, output in
  // `out` (stdout and stderr).
  int RunCli(const std::vector<std::string>& args, std::string* out);

 private:
  void WriteServiceConfig(const ServiceOptions& options);

  std::string service_socket_;
  std::unique_ptr<ChildProcess> service_;
  std::unique_ptr<array::rpc::ArrayClient> one_;
};

}  // namespace sp::testing_support

#endif  // SHADOWPORT_TESTS_INTEGRATION_SHADOWPORTD_FIXTURE_H_
