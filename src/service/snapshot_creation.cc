// BackupSession::DoSnapshotSet: the snapshot protocol of a set, top to
// bottom (reference 4.5 and DESIGN.md step 4), and the guard that undoes
// everything when any step fails.
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "service/session.h"
#include "shadowport/encoding.h"

namespace sp::service {
namespace {

// Undoes a snapshot set being created unless Commit() was called: the
// providers abort (no snapshot LUN of the set survives), the inventory
// forgets the set, writers that got events of this set get Abort, and the
// host's creation slot is freed. Filesystems are thawed before (the freeze
// is scoped inside DoSnapshotSet).
class CreationGuard {
 public:
  CreationGuard(Service* service, const Guid& session_id, const Guid& set_id,
                std::function<void()> abort_writers)
      : service_(service),
        session_id_(session_id),
        set_id_(set_id),
        abort_writers_(std::move(abort_writers)) {}
  CreationGuard(const CreationGuard&) = delete;
  CreationGuard& operator=(const CreationGuard&) = delete;

  void Touch(providers::Provider* provider) { providers_.insert(provider); }
  void Recorded() { recorded_ = true; }
  void Commit() { committed_ = true; }

  ~CreationGuard() {
    service_->EndCreation(session_id_);
    if (committed_) return;
    abort_writers_();
    for (providers::Provider* provider : providers_) {
      Status status = provider->AbortSnapshots(set_id_);
      if (!status.ok()) {
        service_->logger().Error(
            "could not abort snapshot set " + set_id_.ToString() + " at " +
            std::string(provider->name()) +
            " (left recorded as creating; aborted again at the next start): " +
            status.ToString());
        return;  // keep the inventory row: the next start finishes the job
      }
    }
    if (recorded_) {
      Status status = service_->deps().inventory->RemoveSet(set_id_);
      if (!status.ok()) service_->logger().Error(status.ToString());
    }
  }

 private:
  Service* const service_;
  const Guid session_id_;
  const Guid set_id_;
  std::function<void()> abort_writers_;
  std::set<providers::Provider*> providers_;
  bool recorded_ = false;
  bool committed_ = false;
};

// Runs `step` on each distinct provider of the set.
Status ForEachProvider(
    const std::vector<AddedVolume>& volumes,
    const std::function<Status(providers::Provider*)>& step) {
  std::set<providers::Provider*> done;
  for (const AddedVolume& v : volumes) {
    if (!done.insert(v.provider).second) continue;
    SP_RETURN_IF_ERROR(step(v.provider));
  }
  return Status::Ok();
}

// The freeze window of a set, logged at info level for the benchmark
// (bench/freeze_window_bench.cc parses the line). The window is the time
// writes are held: from the first FIFREEZE (`freezing`, reported by the
// watchdog) through the providers' commit to the thaw. The flush before it
// (freezer start and syncfs of every filesystem) holds no write.
struct FreezeTimes {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now(), frozen, committed, thawed;
  std::chrono::microseconds freezing{0};

  std::string Describe() const {
    auto ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    const double freeze = ms(freezing);
    const double commit = ms(committed - frozen);
    const double thaw = ms(thawed - committed);
    char text[200];
    std::snprintf(text, sizeof text,
                  "freeze window %.1f ms (FIFREEZE %.1f ms, commit %.1f ms, "
                  "thaw %.1f ms; flush before it %.1f ms)",
                  freeze + commit + thaw, freeze, commit, thaw,
                  ms(frozen - start) - freeze);
    return text;
  }
};

uint32_t SnapshotAttributes(const ContextSpec& context) {
  uint32_t attributes = context.SnapshotAttributes() | attr::kHardwareAssisted;
  // A transportable snapshot is not surfaced on the host that made it.
  if (context.transportable()) attributes |= attr::kNotSurfaced;
  return attributes;
}

}  // namespace

Result<std::string> BackupSession::DoSnapshotSet() {
  SP_RETURN_IF_ERROR(RequireState({State::kSetStarted}, "DoSnapshotSet"));
  if (volumes_.empty()) {
    return Status(Code::kBadState, "the snapshot set has no volume");
  }
  if (context_.involves_writers() && !prepared_) {
    return Status(Code::kBadState,
                  "PrepareForBackup must come before DoSnapshotSet in a "
                  "context with writers");
  }
  backup_started_ = context_.involves_writers();
  CreationGuard guard(service_, id_, set_id_, [this] {
    if (backup_started_) SendToWritersBestEffort(WriterEvent::kAbort);
    backup_started_ = false;
    state_ = State::kInitialized;
    service_->UpdateSession(Summary());
  });
  // Under the guard: importers cannot be added to a started set, so this
  // failure ends the set (and frees the host's creation slot) like any other.
  if (context_.transportable() && importers_.empty()) {
    return Status(Code::kInvalidArg,
                  "a transportable set needs the hosts that may import it "
                  "(importers; or snapshots.default_importers in the "
                  "service's configuration)");
  }
  const uint32_t attributes = SnapshotAttributes(context_);
  const ServiceDeps& deps = service_->deps();

  SetRecord record;
  record.snapshot_set_id = set_id_;
  record.context = context_.value();
  record.session_id = id_;
  record.creating_host = service_->config().host;
  record.created_us = NowUtcMicros();
  if (context_.transportable()) record.importers = importers_;
  for (const AddedVolume& v : volumes_) {
    SnapshotRecord s;
    s.snapshot_id = v.snapshot_id;
    s.snapshot_set_id = set_id_;
    s.provider_id = v.provider->id();
    s.attributes = attributes;
    s.original = OriginalVolume{v.volume.device, v.volume.mount_point,
                                v.volume.fs_type, v.volume.fs_uuid};
    record.provider = std::string(v.provider->name());
    record.snapshots.push_back(std::move(s));
  }
  SP_RETURN_IF_ERROR(deps.inventory->AddSet(record));
  guard.Recorded();

  const std::vector<std::string> importers =
      context_.transportable() ? importers_ : std::vector<std::string>{};
  for (const AddedVolume& v : volumes_) {
    guard.Touch(v.provider);
    SP_RETURN_IF_ERROR(v.provider->BeginPrepareSnapshot(
        set_id_, v.snapshot_id, v.volume, attributes, importers));
  }
  SP_RETURN_IF_ERROR(ForEachProvider(volumes_, [&](providers::Provider* p) {
    return p->EndPrepareSnapshots(set_id_);
  }));
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kPrepareForSnapshot));
  SP_RETURN_IF_ERROR(ForEachProvider(volumes_, [&](providers::Provider* p) {
    return p->PreCommitSnapshots(set_id_);
  }));
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kFreeze));
  {
    std::vector<std::string> mounts;
    for (const AddedVolume& v : volumes_)
      mounts.push_back(v.volume.mount_point);
    const FreezeLimits limits{service_->config().flush_timeout,
                              service_->config().hold_timeout};
    FreezeTimes times;
    SP_ASSIGN_OR_RETURN(std::unique_ptr<FrozenFilesystems> frozen,
                        deps.system->Freeze(mounts, limits));
    times.frozen = FreezeTimes::Clock::now();
    times.freezing = frozen->freezing_time();
    service_->CrashPoint("frozen");
    const Status commit = ForEachProvider(
        volumes_,
        [&](providers::Provider* p) { return p->CommitSnapshots(set_id_); });
    times.committed = FreezeTimes::Clock::now();
    service_->CrashPoint("committed");
    const Status thaw = frozen->Thaw();
    times.thawed = FreezeTimes::Clock::now();
    service_->logger().Info("snapshot set " + set_id_.ToString() + ": " +
                            times.Describe() + ", " +
                            std::to_string(mounts.size()) + " volumes");
    SP_RETURN_IF_ERROR(commit);
    SP_RETURN_IF_ERROR(thaw);
  }
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kThaw));
  SP_RETURN_IF_ERROR(ForEachProvider(volumes_, [&](providers::Provider* p) {
    return p->PostCommitSnapshots(set_id_);
  }));
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kPostSnapshot));

  SnapshotSetDescription description;
  description.snapshot_set_id = set_id_;
  description.context = context_.value();
  description.creating_host = record.creating_host;
  for (size_t i = 0; i < volumes_.size(); ++i) {
    const AddedVolume& v = volumes_[i];
    SP_ASSIGN_OR_RETURN(std::vector<providers::SnapshotLun> luns,
                        v.provider->GetTargetLuns(set_id_, v.snapshot_id));
    record.snapshots[i].luns = luns;
    SnapshotDescription d;
    d.snapshot_id = v.snapshot_id;
    d.provider_id = v.provider->id();
    d.attributes = attributes;
    d.creation_time_us = record.created_us;
    d.original = record.snapshots[i].original;
    for (const providers::SnapshotLun& lun : luns)
      d.luns.push_back(lun.mapping);
    description.snapshots.push_back(std::move(d));
  }
  record.state = SetState::kCreated;
  SP_RETURN_IF_ERROR(deps.inventory->UpdateSet(record));
  bcd_.snapshot_set = std::move(description);
  SP_ASSIGN_OR_RETURN(std::string xml, SaveBcd());

  guard.Commit();
  state_ = State::kSnapshotDone;
  service_->UpdateSession(Summary());
  service_->logger().Notice("snapshot set " + set_id_.ToString() +
                            " created: " + std::to_string(volumes_.size()) +
                            " volumes, context " +
                            std::string(ContextName(context_.base)) +
                            ", attributes " + AttributesToString(attributes));
  return xml;
}

}  // namespace sp::service
