// ArrayClient: the typed C++ client of shadowport-arrayd (proto/array.proto),
// for the admin CLI and for shadowportd's array provider. Its methods mirror
// array.h's Array, without the Caller: the client's identity (a host and its
// credential, or the admin token) is fixed when it is created and sent with
// every call.
//
// Every call carries a deadline (ClientOptions::deadline, default 10 s). A
// failure comes back as the array's exact Status (status_codec.h); transport
// failures as SP_E_UNAVAILABLE (array unreachable), SP_E_DEADLINE_EXCEEDED
// (the deadline passed: the call may or may not have taken effect on the
// array, so re-read before retrying a change), SP_E_UNAUTHENTICATED.
//
// The channel connects lazily: Create() fails only on bad options or
// unreadable TLS files, and the first call reports an unreachable array.
//
// Thread safety: all methods are const and may be called concurrently.
#ifndef SHADOWPORT_ARRAY_RPC_CLIENT_H_
#define SHADOWPORT_ARRAY_RPC_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "array.grpc.pb.h"
#include "array/array.h"
#include "array/rpc/defaults.h"
#include "shadowport/status.h"

namespace sp::array::rpc {

struct ClientOptions {
  // "unix:/run/shadowport-array/arrayd.sock", or "HOST:PORT" for TCP, which
  // requires the three TLS files.
  std::string target;
  std::string tls_ca_file;    // CA that signed the server's certificate
  std::string tls_cert_file;  // this client's certificate (CN = host name)
  std::string tls_key_file;   // its private key
  // Overrides the name the server certificate must carry (default: the
  // target's host).
  std::string tls_server_name;

  std::chrono::milliseconds deadline{kDefaultDeadlineSeconds * 1000};

  // Identity: a host and its credential, or the admin token; not both.
  std::string host;
  std::string credential;
  std::string admin_token;
};

class ArrayClient {
 public:
  static Result<std::unique_ptr<ArrayClient>> Create(
      const ClientOptions& options);

  // Who the array takes this client for (checks the credential).
  Result<Caller> WhoAmI() const;

  Result<NewHost> AddHost(const std::string& name,
                          const std::string& cluster) const;
  Result<std::vector<HostInfo>> ListHosts() const;
  Status RemoveHost(const std::string& name) const;
  Status ReclaimHost(const std::string& name) const;

  Result<LunInfo> CreateLun(uint64_t size_bytes) const;
  Result<std::vector<LunInfo>> ListLuns() const;
  Result<LunInfo> GetLun(uint64_t id) const;
  Result<LunInfo> FindLunByNaa(const std::string& naa) const;
  Status ResizeLun(uint64_t id, uint64_t new_size_bytes) const;
  Status DeleteLun(uint64_t id) const;

  Status Present(uint64_t id, const std::string& host) const;
  Status Unpresent(uint64_t id, const std::string& host) const;

  Result<SnapshotSetResult> CreateSnapshotSet(
      const SnapshotSetRequest& request) const;
  // The three-step creation (array.h): Prepare before the host's freeze,
  // Commit inside it (returns the clones' time in microseconds), Finish
  // after the thaw.
  Status PrepareSnapshotSet(const SnapshotSetRequest& request) const;
  Result<int64_t> CommitSnapshotSet(const Guid& set_id) const;
  Result<SnapshotSetResult> FinishSnapshotSet(const Guid& set_id) const;
  Result<std::vector<LunInfo>> ListSnapshots(std::optional<Guid> set_id) const;
  Result<std::vector<LunInfo>> LocateLuns(
      const std::vector<std::string>& naa_ids) const;
  Status DeleteSnapshot(uint64_t id) const;
  Status DeleteSnapshotSet(const Guid& set_id) const;
  Result<LunInfo> BreakSnapshot(uint64_t id) const;

  Result<AttachInfo> Attach(uint64_t id) const;
  Status SetAttachmentDevice(uint64_t id, const std::string& device) const;
  Status Detach(uint64_t id) const;
  Status ReportMount(uint64_t id, bool mounted_read_write) const;

  Result<PoolStatus> GetStatus() const;

  const std::string& target() const { return options_.target; }

 private:
  ArrayClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel);

  // Runs one call: fills the context (deadline, identity), calls `invoke`,
  // and turns its outcome into a Status named after `method` when the
  // transport (not the array) failed.
  Status Call(
      std::string_view method,
      const std::function<grpc::Status(grpc::ClientContext*)>& invoke) const;

  const ClientOptions options_;
  std::unique_ptr<::shadowport::array::v1::Array::Stub> stub_;
};

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_CLIENT_H_
