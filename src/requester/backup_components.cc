// BackupComponents: the session calls (the administrative ones are in
// admin_calls.cc).
#include "shadowport/backup_components.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "requester/convert.h"
#include "requester/service_channel.h"
#include "service/proto_convert.h"
#include "shadowport/component_selection.h"
#include "shadowport/documents.h"

namespace sp {

using requester::pb::SessionRequest;
using requester::pb::SessionResponse;

class BackupComponents::Channel {
 public:
  explicit Channel(std::unique_ptr<requester::ServiceConnection> connection)
      : connection_(std::move(connection)), stream_(connection_.get()) {}
  requester::ServiceConnection& connection() { return *connection_; }
  requester::SessionStream& stream() { return stream_; }

 private:
  std::unique_ptr<requester::ServiceConnection> connection_;
  requester::SessionStream stream_;  // after connection_: closed first
};

Result<std::unique_ptr<BackupComponents>> BackupComponents::Connect(
    const std::string& socket, std::string requester_name) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<requester::ServiceConnection> connection,
                      requester::ServiceConnection::Open(socket));
  std::unique_ptr<BackupComponents> backup(
      new BackupComponents(std::make_unique<Channel>(std::move(connection))));
  backup->requester_name_ = std::move(requester_name);
  return backup;
}

BackupComponents::BackupComponents(std::unique_ptr<Channel> channel)
    : channel_(std::move(channel)) {}

BackupComponents::~BackupComponents() {
  Status ignored = Release();
  (void)ignored;
}

Status BackupComponents::InitializeForBackup(std::string_view bcd_xml) {
  if (!bcd_xml.empty()) {
    SP_ASSIGN_OR_RETURN(bcd_, LoadBcd(bcd_xml));
  }
  SessionRequest request;
  auto* init = request.mutable_initialize_for_backup();
  init->set_bcd_xml(std::string(bcd_xml));
  init->set_requester_name(requester_name_);
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  SP_ASSIGN_OR_RETURN(session_id_, Guid::Parse(response.opened().session_id()));
  return Status::Ok();
}

Status BackupComponents::SetContext(uint32_t context) {
  SessionRequest request;
  request.mutable_set_context()->set_context(context);
  return channel_->stream().Call(std::move(request)).status();
}

Status BackupComponents::SetBackupState(bool select_components,
                                        bool bootable_system_state,
                                        BackupType type,
                                        bool partial_file_support) {
  SessionRequest request;
  auto* s = request.mutable_set_backup_state();
  s->set_select_components(select_components);
  s->set_bootable_system_state(bootable_system_state);
  s->set_backup_type(service::BackupTypeName(type));
  s->set_partial_file_support(partial_file_support);
  SP_RETURN_IF_ERROR(channel_->stream().Call(std::move(request)).status());
  bcd_.select_components = select_components;
  bcd_.bootable_system_state = bootable_system_state;
  bcd_.backup_type = type;
  bcd_.partial_file_support = partial_file_support;
  return Status::Ok();
}

Status BackupComponents::GatherWriterMetadata() {
  SessionRequest request;
  request.mutable_gather_writer_metadata();
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  writers_.clear();
  for (const auto& m : response.writer_metadata().writers()) {
    SP_ASSIGN_OR_RETURN(WriterMetadataInfo info,
                        requester::FromProtoMetadata(m));
    writers_.push_back(std::move(info));
  }
  return Status::Ok();
}

Status BackupComponents::AddComponent(const Guid& instance_id,
                                      const Guid& writer_id, ComponentType type,
                                      std::string_view logical_path,
                                      std::string_view name) {
  auto writer = std::find_if(writers_.begin(), writers_.end(),
                             [&](const WriterMetadataInfo& w) {
                               return w.instance_id == instance_id;
                             });
  if (writer == writers_.end() || writer->writer_id != writer_id) {
    return Status(Code::kObjectNotFound,
                  "no writer instance " + instance_id.ToString() +
                      " of writer " + writer_id.ToString() +
                      " answered GatherWriterMetadata");
  }
  // The VSS selectability rules (component_selection.h): the component
  // exists, has this type, and is not a non-selectable subcomponent (those
  // come implicitly with their selectable ancestor).
  SP_RETURN_IF_ERROR(
      CheckExplicitSelection(writer->wmd, type, logical_path, name));
  auto entry = std::find_if(
      bcd_.writers.begin(), bcd_.writers.end(),
      [&](const WriterComponents& w) { return w.instance_id == instance_id; });
  if (entry == bcd_.writers.end()) {
    WriterComponents w;
    w.writer_id = writer_id;
    w.instance_id = instance_id;
    w.instance_name = writer->instance_name;
    w.backup_schema = writer->wmd.backup_schema;
    bcd_.writers.push_back(std::move(w));
    entry = bcd_.writers.end() - 1;
  }
  BcdComponent component;
  component.type = type;
  component.logical_path = std::string(logical_path);
  component.name = std::string(name);
  for (const BcdComponent& c : entry->components) {
    if (c.FullPath() == component.FullPath()) {
      return Status(Code::kObjectAlreadyExists,
                    "component " + c.FullPath() + " is already selected");
    }
  }
  entry->components.push_back(std::move(component));
  return Status::Ok();
}

void BackupComponents::DisableWriterInstances(
    const std::vector<Guid>& instance_ids) {
  excluded_.insert(excluded_.end(), instance_ids.begin(), instance_ids.end());
}

Result<Guid> BackupComponents::StartSnapshotSet(
    const std::vector<std::string>& importers) {
  SessionRequest request;
  for (const std::string& host : importers) {
    request.mutable_start_snapshot_set()->add_importers(host);
  }
  request.mutable_start_snapshot_set();
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  return Guid::Parse(response.snapshot_set_started().snapshot_set_id());
}

Result<AddedSnapshot> BackupComponents::AddToSnapshotSet(
    const std::string& volume, const Guid& provider_id) {
  SessionRequest request;
  request.mutable_add_to_snapshot_set()->set_volume(volume);
  if (!provider_id.IsNull()) {
    request.mutable_add_to_snapshot_set()->set_provider_id(
        provider_id.ToString());
  }
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  const auto& added = response.snapshot_added();
  AddedSnapshot out;
  SP_ASSIGN_OR_RETURN(out.snapshot_id, Guid::Parse(added.snapshot_id()));
  SP_ASSIGN_OR_RETURN(out.provider_id, Guid::Parse(added.provider_id()));
  out.volume = requester::FromProtoVolume(added.volume());
  return out;
}

Status BackupComponents::TakeBcd(const std::string& xml) {
  SP_ASSIGN_OR_RETURN(bcd_, LoadBcd(xml));
  return Status::Ok();
}

Status BackupComponents::PrepareForBackup() {
  // The selection as a whole, before any writer hears of it: every writer
  // taking part has its required components, nothing forbidden is selected
  // (component_selection.h). The service's own checks come after.
  std::vector<const WriterMetadata*> gathered;
  for (const WriterMetadataInfo& w : writers_) gathered.push_back(&w.wmd);
  SP_RETURN_IF_ERROR(ValidateBackupSelection(bcd_, gathered, excluded_));
  SessionRequest request;
  auto* prepare = request.mutable_prepare_for_backup();
  SP_ASSIGN_OR_RETURN(std::string xml, SaveBcd(bcd_));
  prepare->set_bcd_xml(xml);
  for (const Guid& id : excluded_) {
    prepare->add_excluded_writer_instances(id.ToString());
  }
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  return TakeBcd(response.bcd().bcd_xml());
}

Status BackupComponents::DoSnapshotSet() {
  SessionRequest request;
  request.mutable_do_snapshot_set();
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  return TakeBcd(response.bcd().bcd_xml());
}

Result<std::vector<WriterStatusInfo>> BackupComponents::GatherWriterStatus() {
  SessionRequest request;
  request.mutable_gather_writer_status();
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  std::vector<WriterStatusInfo> out;
  for (const auto& w : response.writer_status().writers()) {
    out.push_back(requester::FromProtoWriterStatus(w));
  }
  return out;
}

Result<std::string> BackupComponents::SaveAsXml() const {
  return SaveBcd(bcd_);
}

Status BackupComponents::SetBackupSucceeded(
    const Guid& instance_id, const Guid& writer_id, ComponentType type,
    std::string_view logical_path, std::string_view name, bool succeeded) {
  for (WriterComponents& w : bcd_.writers) {
    if (w.instance_id != instance_id || w.writer_id != writer_id) continue;
    for (BcdComponent& c : w.components) {
      if (c.type == type && c.logical_path == logical_path && c.name == name) {
        c.backup_succeeded = succeeded;
        return Status::Ok();
      }
    }
  }
  return Status(Code::kObjectNotFound,
                "component \"" + std::string(logical_path) + "\\" +
                    std::string(name) + "\" of writer instance " +
                    instance_id.ToString() + " is not in the BCD");
}

Status BackupComponents::BackupComplete() {
  SessionRequest request;
  SP_ASSIGN_OR_RETURN(std::string xml, SaveBcd(bcd_));
  request.mutable_backup_complete()->set_bcd_xml(xml);
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  return TakeBcd(response.bcd().bcd_xml());
}

Status BackupComponents::AbortBackup() {
  SessionRequest request;
  request.mutable_abort_backup();
  return channel_->stream().Call(std::move(request)).status();
}

Result<ImportResult> BackupComponents::ImportSnapshots(bool expose) {
  SessionRequest request;
  request.mutable_import_snapshots()->set_expose(expose);
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  ImportResult result;
  if (response.has_error()) {
    result.overall = service::FromProtoError(response.error());
  }
  for (const auto& s : response.import_result().snapshots()) {
    ImportedSnapshotInfo info;
    SP_ASSIGN_OR_RETURN(info.snapshot_id, Guid::Parse(s.snapshot_id()));
    if (s.has_error()) info.status = service::FromProtoError(s.error());
    info.device = s.device();
    info.exposed_path = s.exposed_path();
    info.original = requester::FromProtoVolume(s.original());
    result.snapshots.push_back(std::move(info));
  }
  if (!response.import_result().bcd_xml().empty()) {
    SP_RETURN_IF_ERROR(TakeBcd(response.import_result().bcd_xml()));
  }
  return result;
}

Result<BackupDoneInfo> BackupComponents::WaitForBackupDone(
    std::chrono::milliseconds timeout) {
  SessionRequest request;
  request.mutable_wait_for_backup_done()->set_timeout_ms(
      static_cast<uint32_t>(std::min<int64_t>(timeout.count(), UINT32_MAX)));
  SP_ASSIGN_OR_RETURN(SessionResponse response,
                      channel_->stream().Call(std::move(request)));
  BackupDoneInfo info;
  SP_ASSIGN_OR_RETURN(info.snapshot_set_id,
                      Guid::Parse(response.backup_done().snapshot_set_id()));
  info.from_host = response.backup_done().from_host();
  info.succeeded = response.backup_done().succeeded();
  SP_ASSIGN_OR_RETURN(info.bcd, LoadBcd(response.backup_done().bcd_xml()));
  return info;
}

Status BackupComponents::Release() {
  if (released_) return Status::Ok();
  released_ = true;
  Status status;
  if (!channel_->stream().closed()) {
    SessionRequest request;
    request.mutable_release();
    status = channel_->stream().Call(std::move(request)).status();
    channel_->stream().Close();
  }
  return status;
}

Result<std::vector<SnapshotProperties>> BackupComponents::Query(
    const Guid& snapshot_set_id) {
  return QueryService(channel_->connection().socket(), snapshot_set_id);
}

Result<SnapshotProperties> BackupComponents::GetSnapshotProperties(
    const Guid& snapshot_id) {
  SP_ASSIGN_OR_RETURN(
      std::vector<SnapshotProperties> found,
      QueryService(channel_->connection().socket(), Guid(), snapshot_id));
  if (found.empty()) {
    return Status(Code::kObjectNotFound,
                  "no snapshot " + snapshot_id.ToString());
  }
  return found.front();
}

Result<DeleteResult> BackupComponents::DeleteSnapshots(const Guid& id,
                                                       bool is_set,
                                                       bool force) {
  return DeleteOnService(channel_->connection().socket(), id, is_set, force);
}

}  // namespace sp
