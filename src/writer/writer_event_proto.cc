#include "writer/writer_event_proto.h"

#include <string>

#include "shadowport/documents.h"

namespace sp::writer {

std::optional<WriterEventKind> KindOf(wpb::WriterEvent::Kind kind) {
  switch (kind) {
    case wpb::WriterEvent::IDENTIFY:
      return WriterEventKind::kIdentify;
    case wpb::WriterEvent::PREPARE_FOR_BACKUP:
      return WriterEventKind::kPrepareForBackup;
    case wpb::WriterEvent::PREPARE_FOR_SNAPSHOT:
      return WriterEventKind::kPrepareForSnapshot;
    case wpb::WriterEvent::FREEZE:
      return WriterEventKind::kFreeze;
    case wpb::WriterEvent::THAW:
      return WriterEventKind::kThaw;
    case wpb::WriterEvent::POST_SNAPSHOT:
      return WriterEventKind::kPostSnapshot;
    case wpb::WriterEvent::ABORT:
      return WriterEventKind::kAbort;
    case wpb::WriterEvent::BACKUP_COMPLETE:
      return WriterEventKind::kBackupComplete;
    case wpb::WriterEvent::BACKUP_SHUTDOWN:
      return WriterEventKind::kBackupShutdown;
    case wpb::WriterEvent::PRE_RESTORE:
      return WriterEventKind::kPreRestore;
    case wpb::WriterEvent::POST_RESTORE:
      return WriterEventKind::kPostRestore;
    default:
      return std::nullopt;
  }
}

namespace {

// An id the service sent; the null GUID if it is not one (the service only
// sends GUIDs; a writer should not fail an event over an id it only echoes).
Guid GuidOrNull(const std::string& text) {
  Result<Guid> id = Guid::Parse(text);
  return id.ok() ? *id : Guid();
}

}  // namespace

Result<WriterEvent> FromProto(const wpb::WriterEvent& event,
                              std::chrono::steady_clock::time_point received) {
  std::optional<WriterEventKind> kind = KindOf(event.kind());
  if (!kind) {
    return Status(Code::kInvalidArg,
                  "unknown writer event kind " + std::to_string(event.kind()));
  }
  WriterEvent out;
  out.kind = *kind;
  out.session_id = GuidOrNull(event.session_id());
  out.snapshot_set_id = GuidOrNull(event.snapshot_set_id());
  out.context = event.context();
  out.volumes.assign(event.volumes().begin(), event.volumes().end());
  out.deadline = received + std::chrono::milliseconds(event.deadline_ms());
  if (!event.bcd_xml().empty()) {
    Result<BackupComponentsDocument> bcd = LoadBcd(event.bcd_xml());
    if (!bcd.ok()) {
      return Status(
          Code::kInvalidXmlDocument,
          "the event's BCD does not load: " + bcd.status().ToString());
    }
    out.bcd = std::move(*bcd);
    out.has_bcd = true;
  }
  return out;
}

wpb::WriterMessage ReplyFor(uint64_t event_id, const Status& outcome) {
  wpb::WriterMessage message;
  wpb::EventReply* reply = message.mutable_reply();
  reply->set_event_id(event_id);
  reply->set_ok(outcome.ok());
  if (!outcome.ok()) {
    reply->set_failure_code(
        std::string(InfoOf(WriterFailureCode(outcome)).name));
    reply->set_app_message(outcome.message());
  }
  return message;
}

}  // namespace sp::writer
