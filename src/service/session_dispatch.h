// Dispatch of one SessionRequest to a BackupSession (proto <-> session).
//
// Thread safety: as BackupSession (the stream's thread).
#ifndef SHADOWPORT_SERVICE_SESSION_DISPATCH_H_
#define SHADOWPORT_SERVICE_SESSION_DISPATCH_H_

#include <functional>

#include "service.pb.h"
#include "service/session.h"

namespace sp::service {

// Runs the call in `request` on `session` and fills `response` (result or
// error; call_id echoed).
// `cancelled` tells a blocking call (WaitForBackupDone) that the requester
// went away.
void DispatchSessionCall(
    BackupSession& session,
    const ::shadowport::service::v1::SessionRequest& request,
    const std::function<bool()>& cancelled,
    ::shadowport::service::v1::SessionResponse* response);

void ToProtoWriterStatus(const WriterStatus& writer,
                         ::shadowport::service::v1::WriterStatus* out);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_SESSION_DISPATCH_H_
