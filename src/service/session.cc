#include "service/session.h"

#include <algorithm>
#include <utility>

#include "shadowport/component_selection.h"
#include "shadowport/documents.h"
#include "shadowport/encoding.h"

namespace sp::service {
namespace {

Guid NewId() {
  Result<Guid> id = Guid::Random();
  // getrandom() does not fail once the kernel's pool is initialized, which
  // it is long before a daemon runs; a null id would still be refused later.
  return id.ok() ? *id : Guid();
}

}  // namespace

std::string_view SessionStateName(BackupSession::State state) {
  switch (state) {
    case BackupSession::State::kNew:
      return "new";
    case BackupSession::State::kInitialized:
      return "initialized";
    case BackupSession::State::kSetStarted:
      return "snapshot-set-started";
    case BackupSession::State::kSnapshotDone:
      return "snapshot-set-created";
    case BackupSession::State::kComplete:
      return "backup-complete";
    case BackupSession::State::kImported:
      return "imported";
    case BackupSession::State::kEnded:
      return "ended";
  }
  return "?";
}

BackupSession::BackupSession(Service* service, std::string requester_name)
    : service_(service),
      id_(NewId()),
      requester_name_(std::move(requester_name)),
      opened_us_(NowUtcMicros()) {}

BackupSession::~BackupSession() {
  Status status = End();
  if (!status.ok()) {
    service_->logger().Error("session " + id_.ToString() +
                             " ended with an error: " + status.ToString());
  }
}

SessionSummary BackupSession::Summary() const {
  SessionSummary summary;
  summary.session_id = id_;
  summary.requester_name = requester_name_;
  summary.opened_us = opened_us_;
  summary.state = std::string(SessionStateName(state_));
  summary.snapshot_set_id = set_id_;
  summary.context = context_.value();
  return summary;
}

Status BackupSession::RequireState(std::initializer_list<State> allowed,
                                   std::string_view call) const {
  if (std::find(allowed.begin(), allowed.end(), state_) != allowed.end()) {
    return Status::Ok();
  }
  return Status(Code::kBadState, std::string(call) + " is not allowed now (" +
                                     "the session is " +
                                     std::string(SessionStateName(state_)) +
                                     ")");
}

Status BackupSession::InitializeForBackup(const std::string& bcd_xml) {
  SP_RETURN_IF_ERROR(RequireState({State::kNew}, "InitializeForBackup"));
  if (!bcd_xml.empty()) {
    SP_ASSIGN_OR_RETURN(bcd_, LoadBcd(bcd_xml));
  }
  state_ = State::kInitialized;
  service_->OpenSession(Summary());
  service_->logger().Info("session " + id_.ToString() + " opened by " +
                          requester_name_);
  return Status::Ok();
}

Status BackupSession::SetContext(uint32_t context) {
  SP_RETURN_IF_ERROR(RequireState({State::kInitialized}, "SetContext"));
  if (context_set_) {
    return Status(Code::kBadState, "SetContext may be called only once");
  }
  SP_ASSIGN_OR_RETURN(context_, ValidateContext(context, ContextUse::kCreate));
  context_set_ = true;
  service_->UpdateSession(Summary());
  return Status::Ok();
}

Status BackupSession::SetBackupState(bool select_components,
                                     bool bootable_system_state,
                                     BackupType type,
                                     bool partial_file_support) {
  SP_RETURN_IF_ERROR(RequireState({State::kInitialized}, "SetBackupState"));
  if (prepared_) {
    return Status(Code::kBadState,
                  "SetBackupState must precede PrepareForBackup");
  }
  bcd_.select_components = select_components;
  bcd_.bootable_system_state = bootable_system_state;
  bcd_.backup_type = type;
  bcd_.partial_file_support = partial_file_support;
  return Status::Ok();
}

Result<std::vector<WriterStatus>> BackupSession::GatherWriterMetadata() {
  SP_RETURN_IF_ERROR(
      RequireState({State::kInitialized}, "GatherWriterMetadata"));
  if (metadata_gathered_) {
    return Status(Code::kBadState,
                  "GatherWriterMetadata may be called only once per session");
  }
  metadata_gathered_ = true;
  WriterManager& manager = *service_->deps().writers;
  std::vector<Guid> all;
  for (const WriterStatus& w : manager.ListWriters())
    all.push_back(w.instance_id);
  std::vector<EventOutcome> outcomes =
      manager.SendEvent(WriterEvent::kIdentify, MakeEventInput(), all);
  std::vector<WriterStatus> answered;
  for (const WriterStatus& w : manager.ListWriters()) {
    for (const EventOutcome& outcome : outcomes) {
      if (outcome.instance_id != w.instance_id) continue;
      if (!outcome.status.ok()) {
        service_->logger().Warning(
            "writer " + w.writer_name +
            " failed at Identify: " + outcome.status.ToString());
        continue;
      }
      WriterStatus status = w;
      if (!outcome.wmd_xml.empty()) status.wmd_xml = outcome.wmd_xml;
      writers_.push_back(SessionWriter{status, false});
      answered.push_back(status);
    }
  }
  return answered;
}

Result<Guid> BackupSession::StartSnapshotSet(
    std::vector<std::string> importers) {
  SP_RETURN_IF_ERROR(RequireState({State::kInitialized}, "StartSnapshotSet"));
  if (context_.involves_writers() && !metadata_gathered_) {
    return Status(Code::kBadState,
                  "GatherWriterMetadata must come before StartSnapshotSet in "
                  "a context with writers (" +
                      std::string(ContextName(context_.base)) + ")");
  }
  SP_RETURN_IF_ERROR(service_->BeginCreation(id_));
  set_id_ = NewId();
  importers_ = std::move(importers);
  if (importers_.empty()) importers_ = service_->config().default_importers;
  volumes_.clear();
  state_ = State::kSetStarted;
  service_->UpdateSession(Summary());
  return set_id_;
}

Result<AddedVolume> BackupSession::AddToSnapshotSet(const std::string& volume,
                                                    const Guid& provider_id) {
  SP_RETURN_IF_ERROR(RequireState({State::kSetStarted}, "AddToSnapshotSet"));
  if (volumes_.size() >= 64) {
    return Status(Code::kMaxVolumesReached,
                  "a snapshot set holds at most 64 volumes");
  }
  System& system = *service_->deps().system;
  // Refused before probing too: the service's own filesystems are not even
  // opened for probing (a path on them, or "/", is refused as it is).
  SP_RETURN_IF_ERROR(system.CheckFreezeAllowed(volume));
  SP_ASSIGN_OR_RETURN(os::VolumeInfo info, system.ProbeVolume(volume));
  for (const AddedVolume& added : volumes_) {
    if (added.volume.device_number == info.device_number) {
      return Status(Code::kObjectAlreadyExists,
                    volume + " (" + info.device + ") is already in the set");
    }
  }
  SP_RETURN_IF_ERROR(system.CheckFreezeAllowed(info.mount_point));
  std::optional<Guid> requested;
  if (!provider_id.IsNull()) requested = provider_id;
  SP_ASSIGN_OR_RETURN(providers::Provider * provider,
                      service_->deps().providers->SelectFor(
                          info, context_.SnapshotAttributes(), requested));
  AddedVolume added{NewId(), provider, info};
  volumes_.push_back(added);
  return added;
}

Result<std::string> BackupSession::PrepareForBackup(
    const std::string& bcd_xml, const std::vector<Guid>& excluded_writers) {
  SP_RETURN_IF_ERROR(RequireState({State::kInitialized, State::kSetStarted},
                                  "PrepareForBackup"));
  if (!context_.involves_writers()) {
    return Status(Code::kBadState,
                  "PrepareForBackup is not allowed in a context without "
                  "writers (" +
                      std::string(ContextName(context_.base)) + ")");
  }
  if (prepared_) {
    return Status(Code::kBadState, "PrepareForBackup was already called");
  }
  if (!bcd_xml.empty()) {
    SP_ASSIGN_OR_RETURN(BackupComponentsDocument requested, LoadBcd(bcd_xml));
    bcd_.writers = std::move(requested.writers);
    bcd_.backup_type = requested.backup_type;
    bcd_.select_components = requested.select_components;
    bcd_.bootable_system_state = requested.bootable_system_state;
    bcd_.partial_file_support = requested.partial_file_support;
  }
  SP_RETURN_IF_ERROR(ValidateSelection(excluded_writers));
  for (SessionWriter& w : writers_) {
    w.excluded = std::find(excluded_writers.begin(), excluded_writers.end(),
                           w.status.instance_id) != excluded_writers.end();
    // VSS: in component mode, a writer none of whose components the
    // requester added before PrepareForBackup receives no events from here
    // on and takes no part ("Working with Selectability and Logical
    // Paths"). In whole-volume mode every writer not excluded takes part.
    if (!w.excluded && bcd_.select_components &&
        !HasSelectedComponents(w.status.instance_id)) {
      w.excluded = true;
      service_->logger().Info(
          "session " + id_.ToString() + ": writer " + w.status.writer_name +
          " (" + w.status.instance_id.ToString() +
          ") has no component in the BCD and takes no part in this backup");
    }
  }
  prepared_ = true;
  backup_started_ = true;
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kPrepareForBackup));
  return SaveBcd();
}

std::vector<WriterStatus> BackupSession::GatherWriterStatus() {
  std::vector<WriterStatus> out;
  const std::vector<Guid> mine = Participants();
  for (const WriterStatus& w : service_->deps().writers->ListWriters()) {
    if (std::find(mine.begin(), mine.end(), w.instance_id) != mine.end()) {
      out.push_back(w);
    }
  }
  return out;
}

Result<std::string> BackupSession::BackupComplete(const std::string& bcd_xml) {
  SP_RETURN_IF_ERROR(RequireState({State::kSnapshotDone}, "BackupComplete"));
  if (!context_.involves_writers()) {
    return Status(Code::kBadState,
                  "BackupComplete is not allowed in a context without "
                  "writers (" +
                      std::string(ContextName(context_.base)) + ")");
  }
  if (!bcd_xml.empty()) {
    SP_ASSIGN_OR_RETURN(BackupComponentsDocument requested, LoadBcd(bcd_xml));
    // Only the success flags are the requester's to change now.
    for (WriterComponents& mine : bcd_.writers) {
      for (const WriterComponents& theirs : requested.writers) {
        if (theirs.instance_id != mine.instance_id) continue;
        for (BcdComponent& c : mine.components) {
          for (const BcdComponent& t : theirs.components) {
            if (t.FullPath() == c.FullPath()) {
              c.backup_succeeded = t.backup_succeeded;
            }
          }
        }
      }
    }
  }
  state_ = State::kComplete;
  backup_started_ = false;
  service_->UpdateSession(Summary());
  SP_RETURN_IF_ERROR(SendToWriters(WriterEvent::kBackupComplete));
  return SaveBcd();
}

Status BackupSession::AbortBackup() {
  SP_RETURN_IF_ERROR(RequireState(
      {State::kInitialized, State::kSetStarted, State::kSnapshotDone},
      "AbortBackup"));
  if (state_ == State::kSetStarted) {
    service_->EndCreation(id_);
    volumes_.clear();
  }
  if (backup_started_) SendToWritersBestEffort(WriterEvent::kAbort);
  backup_started_ = false;
  state_ = State::kInitialized;
  service_->UpdateSession(Summary());
  return Status::Ok();
}

Result<std::string> BackupSession::SaveBcd() const { return sp::SaveBcd(bcd_); }

Status BackupSession::End() {
  if (state_ == State::kEnded) return Status::Ok();
  const bool opened = state_ != State::kNew;
  if (backup_started_) SendToWritersBestEffort(WriterEvent::kAbort);
  if (!Participants().empty()) {
    SendToWritersBestEffort(WriterEvent::kBackupShutdown);
  }
  state_ = State::kEnded;
  Status status = DeleteAutoReleaseSets();
  if (opened) {
    service_->CloseSession(id_);
    service_->logger().Info("session " + id_.ToString() + " ended");
  }
  return status;
}

Status BackupSession::DeleteAutoReleaseSets() {
  SP_ASSIGN_OR_RETURN(std::vector<SetRecord> sets,
                      service_->deps().inventory->ListSetsOfSession(id_));
  Status first;
  for (const SetRecord& set : sets) {
    const uint32_t attributes =
        set.snapshots.empty() ? set.context : set.snapshots.front().attributes;
    if (LifetimeOf(attributes) != Lifetime::kAutoRelease) continue;
    Status status = service_->DeleteSet(set);
    if (!status.ok() && first.ok()) first = std::move(status);
  }
  return first;
}

Status BackupSession::ValidateSelection(
    const std::vector<Guid>& excluded_writers) const {
  // The requester library checks the same before it calls; the daemon does
  // not rely on it (a requester may speak proto/service.proto directly).
  std::vector<WriterMetadata> wmds;
  wmds.reserve(writers_.size());
  for (const SessionWriter& w : writers_) {
    Result<WriterMetadata> wmd = LoadWmd(w.status.wmd_xml);
    if (!wmd.ok()) {
      return Status(Code::kWriterInfrastructure,
                    "the WMD of writer " + w.status.writer_name +
                        " no longer loads: " + wmd.status().ToString());
    }
    wmds.push_back(std::move(*wmd));
  }
  std::vector<const WriterMetadata*> writers;
  writers.reserve(wmds.size());
  for (const WriterMetadata& wmd : wmds) writers.push_back(&wmd);
  return ValidateBackupSelection(bcd_, writers, excluded_writers);
}

bool BackupSession::HasSelectedComponents(const Guid& instance_id) const {
  return std::any_of(
      bcd_.writers.begin(), bcd_.writers.end(), [&](const WriterComponents& w) {
        return w.instance_id == instance_id && !w.components.empty();
      });
}

std::vector<Guid> BackupSession::Participants() const {
  std::vector<Guid> out;
  if (!context_.involves_writers()) return out;
  for (const SessionWriter& w : writers_) {
    if (!w.excluded) out.push_back(w.status.instance_id);
  }
  return out;
}

EventInput BackupSession::MakeEventInput() const {
  EventInput input;
  input.session_id = id_;
  input.snapshot_set_id = set_id_;
  Result<std::string> xml = sp::SaveBcd(bcd_);
  if (xml.ok()) input.bcd_xml = std::move(xml).value();
  for (const AddedVolume& v : volumes_)
    input.volumes.push_back(v.volume.mount_point);
  input.context = context_.value();
  return input;
}

Status BackupSession::SendToWriters(WriterEvent event) {
  const std::vector<Guid> participants = Participants();
  if (participants.empty()) return Status::Ok();
  std::vector<EventOutcome> outcomes = service_->deps().writers->SendEvent(
      event, MakeEventInput(), participants);
  Status first;
  for (const EventOutcome& outcome : outcomes) {
    if (outcome.status.ok()) {
      if (!outcome.bcd_xml.empty()) {
        MergeWriterBcd(outcome.instance_id, outcome.bcd_xml);
      }
      continue;
    }
    if (!first.ok()) continue;
    std::string name = outcome.instance_id.ToString();
    for (const SessionWriter& w : writers_) {
      if (w.status.instance_id == outcome.instance_id) {
        name = w.status.writer_name;
      }
    }
    first =
        Status(outcome.status.code(), "writer " + name + " failed at " +
                                          std::string(WriterEventName(event)) +
                                          ": " + outcome.status.message());
  }
  return first;
}

void BackupSession::SendToWritersBestEffort(WriterEvent event) {
  Status status = SendToWriters(event);
  if (!status.ok()) service_->logger().Warning(status.ToString());
}

void BackupSession::MergeWriterBcd(const Guid& instance_id,
                                   const std::string& bcd_xml) {
  Result<BackupComponentsDocument> theirs = LoadBcd(bcd_xml);
  if (!theirs.ok()) {
    service_->logger().Warning(
        "writer " + instance_id.ToString() +
        " returned a BCD that does not load: " + theirs.status().ToString());
    return;
  }
  for (const WriterComponents& updated : theirs->writers) {
    if (updated.instance_id != instance_id) continue;  // only its own
    for (WriterComponents& mine : bcd_.writers) {
      if (mine.instance_id != instance_id) continue;
      for (BcdComponent& c : mine.components) {
        for (const BcdComponent& u : updated.components) {
          if (u.FullPath() != c.FullPath()) continue;
          c.backup_stamp = u.backup_stamp;
          c.backup_metadata = u.backup_metadata;
          c.restore_metadata = u.restore_metadata;
        }
      }
    }
  }
}

}  // namespace sp::service
