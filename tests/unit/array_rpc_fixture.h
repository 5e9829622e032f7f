// RpcTest: a fixture for the array's RPC tests (no root). An Array opened on
// a FakePoolFilesystem in a temporary directory, behind the real GrpcService
// and RpcServer on a Unix socket in that directory, with a RecordingLogger;
// and helpers that make ArrayClients as the admin, as a host, or as nobody.
//
// The service reaches the Array through a DelayedArray, which forwards every
// call and can hold GetStatus for a while, so a test can make a call outlive
// its deadline.
#ifndef SHADOWPORT_TESTS_UNIT_ARRAY_RPC_FIXTURE_H_
#define SHADOWPORT_TESTS_UNIT_ARRAY_RPC_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "array/array.h"
#include "array/rpc/client.h"
#include "array/rpc/grpc_service.h"
#include "array/rpc/logger.h"
#include "array/rpc/server.h"
#include "support/fake_pool_filesystem.h"

namespace sp::array::rpc {

#define SP_RPC_ASSERT_OK(expr)                                     \
  do {                                                             \
    const auto& sp_x_ = (expr);                                    \
    ASSERT_TRUE(sp_x_.ok()) << #expr << ": " << StatusText(sp_x_); \
  } while (0)
#define SP_RPC_EXPECT_CODE(expr, want)         \
  do {                                         \
    const auto& sp_x_ = (expr);                \
    EXPECT_EQ(CodeOf(sp_x_), ::sp::Code::want) \
        << #expr << ": " << StatusText(sp_x_); \
  } while (0)

inline Code CodeOf(const Status& s) { return s.code(); }
template <typename T>
Code CodeOf(const Result<T>& r) {
  return r.status().code();
}
inline std::string StatusText(const Status& s) { return s.ToString(); }
template <typename T>
std::string StatusText(const Result<T>& r) {
  return r.status().ToString();
}

// Keeps every line; thread-safe (the service logs from gRPC threads).
class RecordingLogger final : public Logger {
 public:
  void Log(LogLevel level, std::string_view message) override;
  std::vector<std::string> Lines() const;
  // True if some line contains every one of `parts`.
  bool HasLine(const std::vector<std::string>& parts) const;
  // True if some line contains `text` anywhere.
  bool Mentions(std::string_view text) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;  // "<level> <message>"
};

// Forwards to `inner`; GetStatus first sleeps status_delay.
class DelayedArray final : public Array {
 public:
  explicit DelayedArray(Array* inner) : inner_(inner) {}
  std::atomic<int> status_delay_ms{0};

  Result<NewHost> AddHost(const Caller& c, const std::string& name,
                          const std::string& cluster) override;
  Result<std::vector<HostInfo>> ListHosts(const Caller& c) override;
  Status RemoveHost(const Caller& c, const std::string& name) override;
  Result<Caller> Authenticate(const std::string& host,
                              const std::string& credential) override;
  Result<LunInfo> CreateLun(const Caller& c, uint64_t size) override;
  Result<std::vector<LunInfo>> ListLuns(const Caller& c) override;
  Result<LunInfo> GetLun(const Caller& c, uint64_t id) override;
  Result<LunInfo> FindLunByNaa(const Caller& c,
                               const std::string& naa) override;
  Status ResizeLun(const Caller& c, uint64_t id, uint64_t size) override;
  Status DeleteLun(const Caller& c, uint64_t id) override;
  Status Present(const Caller& c, uint64_t id,
                 const std::string& host) override;
  Status Unpresent(const Caller& c, uint64_t id,
                   const std::string& host) override;
  Result<SnapshotSetResult> CreateSnapshotSet(
      const Caller& c, const SnapshotSetRequest& request) override;
  Status PrepareSnapshotSet(const Caller& c,
                            const SnapshotSetRequest& request) override;
  Result<int64_t> CommitSnapshotSet(const Caller& c,
                                    const Guid& set_id) override;
  Result<SnapshotSetResult> FinishSnapshotSet(const Caller& c,
                                              const Guid& set_id) override;
  Result<std::vector<LunInfo>> ListSnapshots(
      const Caller& c, std::optional<Guid> set_id) override;
  Result<std::vector<LunInfo>> LocateLuns(
      const Caller& c, const std::vector<std::string>& naa_ids) override;
  Status DeleteSnapshot(const Caller& c, uint64_t id) override;
  Status DeleteSnapshotSet(const Caller& c, const Guid& set_id) override;
  Result<LunInfo> BreakSnapshot(const Caller& c, uint64_t id) override;
  Result<AttachInfo> Attach(const Caller& c, uint64_t id) override;
  Status SetAttachmentDevice(const Caller& c, uint64_t id,
                             const std::string& device) override;
  Status Detach(const Caller& c, uint64_t id) override;
  Status ReclaimHost(const Caller& c, const std::string& host) override;
  Status ReportMount(const Caller& c, uint64_t id, bool rw) override;
  Result<PoolStatus> GetStatus(const Caller& c) override;

 private:
  Array* const inner_;
};

class RpcTest : public ::testing::Test {
 protected:
  static constexpr char kAdminToken[] =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  void SetUp() override;
  void TearDown() override;

  // Starts the service on `listen` (the fixture's socket is set already).
  void StartServer(const ListenOptions& listen);
  void StopServer();
  // Stops the server, closes the Array and opens it again (its crash
  // recovery runs, as after a restart of shadowport-arrayd), then serves
  // again on the fixture's socket.
  void RestartArray();

  ClientOptions UnixOptions() const;
  std::unique_ptr<ArrayClient> MakeClient(const ClientOptions& options);
  std::unique_ptr<ArrayClient> Admin();
  std::unique_ptr<ArrayClient> AsHost(const std::string& host,
                                      const std::string& credential);
  std::unique_ptr<ArrayClient> Anonymous();

  // Registers a host through the admin client; returns its credential.
  std::string AddHost(const std::string& name, const std::string& cluster = "");
  // Creates a 1 MiB LUN and presents it to `host` (if not empty).
  uint64_t NewLun(const std::string& host = "");

  // Opens the Array on dir_/pool and serves it on socket_.
  void OpenAndServe();

  std::string dir_;     // temporary directory, removed at the end
  std::string socket_;  // dir_/arrayd.sock
  fakes::FakePoolFilesystem fs_;
  std::unique_ptr<Array> array_;
  std::unique_ptr<DelayedArray> delayed_;
  RecordingLogger log_;
  std::unique_ptr<GrpcService> service_;
  std::unique_ptr<RpcServer> server_;
};

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_TESTS_UNIT_ARRAY_RPC_FIXTURE_H_
