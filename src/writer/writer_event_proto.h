// proto/writer.proto's WriterEvent and EventReply <-> sp::WriterEvent and
// the writer's Status: the wire side of sp::Writer, kept apart from the
// runner's threads so it can be tested alone.
#ifndef SHADOWPORT_WRITER_WRITER_EVENT_PROTO_H_
#define SHADOWPORT_WRITER_WRITER_EVENT_PROTO_H_

#include <chrono>
#include <optional>

#include "shadowport/status.h"
#include "shadowport/writer.h"
#include "writer.pb.h"

namespace sp::writer {

namespace wpb = ::shadowport::writer::v1;

// The kind of a proto event; nullopt for REGISTERED and unknown kinds.
std::optional<WriterEventKind> KindOf(wpb::WriterEvent::Kind kind);

// The event as the writer sees it, its deadline counted from `received`.
// A bcd_xml that does not load is an error (VSS_E_INVALID_XML_DOCUMENT).
Result<WriterEvent> FromProto(const wpb::WriterEvent& event,
                              std::chrono::steady_clock::time_point received);

// The reply to event `event_id`: ok, or the failure with its VSS writer
// error name (WriterFailureCode) and the status message as app_message.
wpb::WriterMessage ReplyFor(uint64_t event_id, const Status& outcome);

}  // namespace sp::writer

#endif  // SHADOWPORT_WRITER_WRITER_EVENT_PROTO_H_
