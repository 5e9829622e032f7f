// Conversions between shadowportd's values and proto/service.proto
// messages, shared by the service and the requester library: the Error
// message <-> Status (exact code by name), and the snapshot properties.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_SERVICE_PROTO_CONVERT_H_
#define SHADOWPORT_SERVICE_PROTO_CONVERT_H_

#include <string>

#include "service.pb.h"
#include "shadowport/bcd.h"
#include "shadowport/status.h"

namespace sp::service {

namespace pb = ::shadowport::service::v1;

// Fills `error` from a status that is not plain S_OK.
void ToProtoError(const Status& status, pb::Error* error);
// The status an Error names; an unknown code name becomes E_UNEXPECTED
// with the name in the message. No error: OK.
Status FromProtoError(const pb::Error& error);

void ToProtoLun(const LunInformation& lun, pb::LunIdentity* out);
LunInformation FromProtoLun(const pb::LunIdentity& lun);

std::string BackupTypeName(BackupType type);  // "full"
Result<BackupType> ParseBackupType(const std::string& name);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_PROTO_CONVERT_H_
