// proto/service.proto messages -> the requester library's values.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_REQUESTER_CONVERT_H_
#define SHADOWPORT_REQUESTER_CONVERT_H_

#include "service.pb.h"
#include "shadowport/backup_components.h"

namespace sp::requester {

Result<WriterMetadataInfo> FromProtoMetadata(
    const ::shadowport::service::v1::WriterMetadata& m);
WriterStatusInfo FromProtoWriterStatus(
    const ::shadowport::service::v1::WriterStatus& w);
VolumeDescription FromProtoVolume(const ::shadowport::service::v1::Volume& v);
Result<SnapshotProperties> FromProtoProperties(
    const ::shadowport::service::v1::SnapshotProperties& p);

}  // namespace sp::requester

#endif  // SHADOWPORT_REQUESTER_CONVERT_H_
