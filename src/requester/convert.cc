#include "requester/convert.h"

#include "service/proto_convert.h"
#include "shadowport/documents.h"

namespace sp::requester {
namespace {

// A GUID field that may be empty.
Result<Guid> OptionalGuid(const std::string& text) {
  if (text.empty()) return Guid();
  return Guid::Parse(text);
}

}  // namespace

Result<WriterMetadataInfo> FromProtoMetadata(
    const ::shadowport::service::v1::WriterMetadata& m) {
  WriterMetadataInfo info;
  SP_ASSIGN_OR_RETURN(info.writer_id, Guid::Parse(m.writer_id()));
  SP_ASSIGN_OR_RETURN(info.instance_id, Guid::Parse(m.instance_id()));
  info.writer_name = m.writer_name();
  info.instance_name = m.instance_name();
  info.wmd_xml = m.wmd_xml();
  SP_ASSIGN_OR_RETURN(info.wmd, LoadWmd(info.wmd_xml));
  return info;
}

WriterStatusInfo FromProtoWriterStatus(
    const ::shadowport::service::v1::WriterStatus& w) {
  WriterStatusInfo out;
  // The service always sends valid ids; a broken one shows as null.
  if (Result<Guid> id = Guid::Parse(w.writer_id()); id.ok()) {
    out.writer_id = *id;
  }
  if (Result<Guid> id = Guid::Parse(w.instance_id()); id.ok()) {
    out.instance_id = *id;
  }
  out.writer_name = w.writer_name();
  out.instance_name = w.instance_name();
  out.state = w.state();
  out.state_value = w.state_value();
  if (w.has_failure()) out.failure = service::FromProtoError(w.failure());
  out.app_message = w.app_message();
  return out;
}

VolumeDescription FromProtoVolume(const ::shadowport::service::v1::Volume& v) {
  return VolumeDescription{v.device(), v.mount_point(), v.fs_type(),
                           v.fs_uuid()};
}

Result<SnapshotProperties> FromProtoProperties(
    const ::shadowport::service::v1::SnapshotProperties& p) {
  SnapshotProperties out;
  SP_ASSIGN_OR_RETURN(out.snapshot_id, Guid::Parse(p.snapshot_id()));
  SP_ASSIGN_OR_RETURN(out.snapshot_set_id, Guid::Parse(p.snapshot_set_id()));
  out.context = p.context();
  out.attributes = p.attributes();
  SP_ASSIGN_OR_RETURN(out.provider_id, OptionalGuid(p.provider_id()));
  out.provider_name = p.provider_name();
  out.original = FromProtoVolume(p.original());
  out.originating_host = p.originating_host();
  out.service_host = p.service_host();
  out.created_us = p.created_us();
  out.state = p.state();
  SP_ASSIGN_OR_RETURN(out.session_id, OptionalGuid(p.session_id()));
  out.device = p.device();
  out.exposed_path = p.exposed_path();
  for (const auto& lun : p.luns()) {
    out.luns.push_back(LunMapping{service::FromProtoLun(lun.source()),
                                  service::FromProtoLun(lun.destination())});
  }
  return out;
}

}  // namespace sp::requester
