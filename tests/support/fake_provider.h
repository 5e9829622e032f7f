// FakeProvider: a providers::Provider for unit tests of the coordinator (no
// array). It supports the block devices the test names, refuses chosen
// attribute bits (VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER), records every
// call of the creation protocol and of deletion in a journal shared with the
// FakeSystem ("BeginPrepare /dev/x", "EndPrepare", "Commit", "Abort", ...),
// can fail the next call of any step, and keeps the snapshot LUNs it holds
// ("live" LUNs), so a test can assert that none survive an abort.
//
// A snapshot LUN comes into being at BeginPrepareSnapshot (the target is
// reserved, uncommitted), is committed by CommitSnapshots, and goes away
// with AbortSnapshots, DeleteSnapshotLuns or DeleteSnapshotSetLuns.
//
// Thread safety: none; the coordinator under test calls it from the test's
// thread. The journal must outlive the FakeProvider.
#ifndef SHADOWPORT_TESTS_SUPPORT_FAKE_PROVIDER_H_
#define SHADOWPORT_TESTS_SUPPORT_FAKE_PROVIDER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::fakes {

class FakeProvider : public providers::Provider {
 public:
  enum class Step {
    kBeginPrepare,
    kEndPrepare,
    kPreCommit,
    kCommit,
    kPostCommit,
    kGetTargetLuns,
    kAbort,
    kDeleteLuns,
    kDeleteSetLuns,
    kBreak,
  };
  static std::string_view StepName(Step step);  // "BeginPrepare"

  // A live snapshot LUN.
  struct Lun {
    Guid snapshot_set_id;
    Guid snapshot_id;
    std::string device;  // of the original volume
    bool committed = false;
    providers::SnapshotLun lun;
  };

  FakeProvider(std::vector<std::string>& journal, const Guid& id,
               std::string name = "fake");

  // AreLunsSupported accepts volumes on `device` (VolumeInfo::device).
  void AddDevice(const std::string& device);
  // AreLunsSupported refuses a volume when `attributes` has one of `bits`.
  void RefuseAttributes(uint32_t bits) { refused_attributes_ |= bits; }
  // The call of `step` after the next `skip` ones fails with `status` (and
  // does nothing), once.
  void FailNext(Step step, Status status, int skip = 0);
  // A committed LUN of `snapshot` on `device` that the provider holds
  // without the coordinator having made it (e.g. before a restart).
  providers::SnapshotLun AddLiveLun(const Guid& snapshot_set_id,
                                    const Guid& snapshot_id,
                                    const std::string& device);

  // Import side: a snapshot LUN (described by `destination`) that
  // LocateLuns finds, arriving as a device of `size_bytes` (the BCD's size
  // unless a test makes it differ).
  void AddImportable(const LunInformation& destination, uint64_t size_bytes);
  // LocateLuns fails with `status` (nothing located) until cleared with OK.
  void RefuseLocate(Status status) { locate_refusal_ = std::move(status); }
  // Located (presented) and surfaced LUNs, by NAA id.
  const std::map<std::string, providers::SurfacedLun>& surfaced() const {
    return surfaced_;
  }
  const std::set<std::string>& located() const { return located_; }
  // BreakSnapshotLun turns a located snapshot LUN (not surfaced) into an
  // ordinary LUN with a new identity (new provider id, NAA id, serial),
  // located and surfaceable; the old one is gone. Journals "Break <naa>"
  // (fails with FailNext(Step::kBreak)). New NAA id -> old one.
  const std::map<std::string, std::string>& broken() const { return broken_; }

  // Keyed by provider_lun_id.
  const std::map<std::string, Lun>& live_luns() const { return live_; }
  size_t LiveLunsOfSet(const Guid& snapshot_set_id) const;
  // What GetTargetLuns answers for `snapshot_id` (committed LUNs).
  std::vector<providers::SnapshotLun> LunsOf(const Guid& snapshot_id) const;
  // The attributes last given to BeginPrepareSnapshot, and its importers.
  uint32_t last_attributes() const { return last_attributes_; }
  const std::vector<std::string>& last_importers() const {
    return last_importers_;
  }

  Guid id() const override { return id_; }
  std::string_view name() const override { return name_; }
  uint32_t capabilities() const override;

  Status AreLunsSupported(const os::VolumeInfo& volume,
                          uint32_t attributes) override;
  Status BeginPrepareSnapshot(
      const Guid& snapshot_set_id, const Guid& snapshot_id,
      const os::VolumeInfo& volume, uint32_t attributes,
      const std::vector<std::string>& importers) override;
  Status EndPrepareSnapshots(const Guid& snapshot_set_id) override;
  Status PreCommitSnapshots(const Guid& snapshot_set_id) override;
  Status CommitSnapshots(const Guid& snapshot_set_id) override;
  Status PostCommitSnapshots(const Guid& snapshot_set_id) override;
  Result<std::vector<providers::SnapshotLun>> GetTargetLuns(
      const Guid& snapshot_set_id, const Guid& snapshot_id) override;
  Status AbortSnapshots(const Guid& snapshot_set_id) override;
  Status DeleteSnapshotLuns(
      const std::vector<providers::SnapshotLun>& luns) override;
  Status DeleteSnapshotSetLuns(const Guid& snapshot_set_id) override;
  Result<std::vector<providers::SnapshotLun>> LocateLuns(
      const std::vector<LunInformation>& snapshot_luns) override;
  Result<providers::SurfacedLun> SurfaceLun(const providers::SnapshotLun& lun,
                                            bool read_only) override;
  Status UnsurfaceLun(const providers::SnapshotLun& lun) override;
  Status ReleaseLuns(const std::vector<providers::SnapshotLun>& luns) override;
  Result<std::vector<providers::SurfacedLun>> ListSurfacedLuns() override;
  Result<bool> AnySnapshotLunExists(
      const std::vector<providers::SnapshotLun>& luns) override;
  Result<providers::SnapshotLun> BreakSnapshotLun(
      const providers::SnapshotLun& lun) override;

 private:
  // Journals "<step>[ detail]"; returns the injected failure, if any.
  Status Enter(Step step, const std::string& detail = "");
  providers::SnapshotLun MakeLun(const std::string& device);
  size_t EraseSet(const Guid& snapshot_set_id);

  std::vector<std::string>& journal_;
  const Guid id_;
  const std::string name_;
  std::vector<std::string> devices_;
  uint32_t refused_attributes_ = 0;
  struct Failure {
    Status status;
    int skip = 0;
  };
  std::map<Step, Failure> failures_;
  std::map<std::string, Lun> live_;
  uint64_t next_lun_ = 1;
  uint32_t last_attributes_ = 0;
  std::vector<std::string> last_importers_;
  struct Importable {
    LunInformation destination;
    uint64_t size_bytes = 0;
  };
  std::map<std::string, Importable> importable_;  // by NAA id
  Status locate_refusal_;
  std::set<std::string> located_;
  std::map<std::string, providers::SurfacedLun> surfaced_;
  int next_device_ = 0;
  std::map<std::string, std::string> broken_;
};

}  // namespace sp::fakes

#endif  // SHADOWPORT_TESTS_SUPPORT_FAKE_PROVIDER_H_
