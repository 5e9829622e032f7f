// WriterManager: events, VSS writer states and deadlines. The stream side
// (registration, writing, answers) is in writer_stream.cc.
#include "service/writer_manager.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "service/writer_manager_impl.h"

namespace sp::service {
namespace {

wpb::WriterEvent::Kind KindOf(WriterEvent event) {
  switch (event) {
    case WriterEvent::kIdentify:
      return wpb::WriterEvent::IDENTIFY;
    case WriterEvent::kPrepareForBackup:
      return wpb::WriterEvent::PREPARE_FOR_BACKUP;
    case WriterEvent::kPrepareForSnapshot:
      return wpb::WriterEvent::PREPARE_FOR_SNAPSHOT;
    case WriterEvent::kFreeze:
      return wpb::WriterEvent::FREEZE;
    case WriterEvent::kThaw:
      return wpb::WriterEvent::THAW;
    case WriterEvent::kPostSnapshot:
      return wpb::WriterEvent::POST_SNAPSHOT;
    case WriterEvent::kAbort:
      return wpb::WriterEvent::ABORT;
    case WriterEvent::kBackupComplete:
      return wpb::WriterEvent::BACKUP_COMPLETE;
    case WriterEvent::kBackupShutdown:
      return wpb::WriterEvent::BACKUP_SHUTDOWN;
    case WriterEvent::kPreRestore:
      return wpb::WriterEvent::PRE_RESTORE;
    case WriterEvent::kPostRestore:
      return wpb::WriterEvent::POST_RESTORE;
  }
  return wpb::WriterEvent::KIND_UNSPECIFIED;
}

// The FAILED_AT_* state of a failure at `event`. Abort has no such state
// in VSS: a failed Abort leaves the writer UNKNOWN ("writer error").
WriterState FailedAt(WriterEvent event) {
  switch (event) {
    case WriterEvent::kIdentify:
      return WriterState::kFailedAtIdentify;
    case WriterEvent::kPrepareForBackup:
      return WriterState::kFailedAtPrepareBackup;
    case WriterEvent::kPrepareForSnapshot:
      return WriterState::kFailedAtPrepareSnapshot;
    case WriterEvent::kFreeze:
      return WriterState::kFailedAtFreeze;
    case WriterEvent::kThaw:
      return WriterState::kFailedAtThaw;
    case WriterEvent::kPostSnapshot:
      return WriterState::kFailedAtPostSnapshot;
    case WriterEvent::kBackupComplete:
      return WriterState::kFailedAtBackupComplete;
    case WriterEvent::kBackupShutdown:
      return WriterState::kFailedAtBackupShutdown;
    case WriterEvent::kPreRestore:
      return WriterState::kFailedAtPreRestore;
    case WriterEvent::kPostRestore:
      return WriterState::kFailedAtPostRestore;
    case WriterEvent::kAbort:
      break;
  }
  return WriterState::kUnknown;
}

bool IsFailed(WriterState state) {
  return state == WriterState::kUnknown ||
         static_cast<uint32_t>(state) >=
             static_cast<uint32_t>(WriterState::kFailedAtIdentify);
}

std::string Millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

std::string_view WriterStateName(WriterState state) {
  switch (state) {
    case WriterState::kUnknown:
      return "VSS_WS_UNKNOWN";
    case WriterState::kStable:
      return "VSS_WS_STABLE";
    case WriterState::kWaitingForFreeze:
      return "VSS_WS_WAITING_FOR_FREEZE";
    case WriterState::kWaitingForThaw:
      return "VSS_WS_WAITING_FOR_THAW";
    case WriterState::kWaitingForPostSnapshot:
      return "VSS_WS_WAITING_FOR_POST_SNAPSHOT";
    case WriterState::kWaitingForBackupComplete:
      return "VSS_WS_WAITING_FOR_BACKUP_COMPLETE";
    case WriterState::kFailedAtIdentify:
      return "VSS_WS_FAILED_AT_IDENTIFY";
    case WriterState::kFailedAtPrepareBackup:
      return "VSS_WS_FAILED_AT_PREPARE_BACKUP";
    case WriterState::kFailedAtPrepareSnapshot:
      return "VSS_WS_FAILED_AT_PREPARE_SNAPSHOT";
    case WriterState::kFailedAtFreeze:
      return "VSS_WS_FAILED_AT_FREEZE";
    case WriterState::kFailedAtThaw:
      return "VSS_WS_FAILED_AT_THAW";
    case WriterState::kFailedAtPostSnapshot:
      return "VSS_WS_FAILED_AT_POST_SNAPSHOT";
    case WriterState::kFailedAtBackupComplete:
      return "VSS_WS_FAILED_AT_BACKUP_COMPLETE";
    case WriterState::kFailedAtPreRestore:
      return "VSS_WS_FAILED_AT_PRE_RESTORE";
    case WriterState::kFailedAtPostRestore:
      return "VSS_WS_FAILED_AT_POST_RESTORE";
    case WriterState::kFailedAtBackupShutdown:
      return "VSS_WS_FAILED_AT_BACKUPSHUTDOWN";
  }
  return "VSS_WS_UNKNOWN";
}

std::unique_ptr<WriterManager> WriterManager::Create(
    const WriterManagerOptions& options) {
  return std::make_unique<WriterManagerImpl>(options);
}

std::string Describe(const WriterStatus& status) {
  return "writer \"" + status.writer_name + "\" " +
         status.instance_id.ToString();
}

std::vector<WriterStatus> WriterManagerImpl::ListWriters() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WriterStatus> list;
  list.reserve(writers_.size());
  for (const auto& [id, conn] : writers_) list.push_back(conn->status);
  return list;
}

uint64_t WriterManagerImpl::EnqueueLocked(WriterConnection& conn,
                                          WriterEvent event,
                                          const EventInput& input,
                                          Clock::time_point deadline,
                                          bool waited) {
  // Automatic Aborts nobody answered are forgotten once expired.
  const Clock::time_point now = Clock::now();
  std::erase_if(conn.pending, [&](const auto& entry) {
    return !entry.second.waited && entry.second.deadline < now;
  });
  const uint64_t id = next_event_id_++;
  wpb::WriterEvent message;
  message.set_event_id(id);
  message.set_kind(KindOf(event));
  message.set_session_id(input.session_id.ToString());
  message.set_snapshot_set_id(input.snapshot_set_id.ToString());
  message.set_context(input.context);
  message.set_bcd_xml(input.bcd_xml);
  for (const std::string& volume : input.volumes) message.add_volumes(volume);
  conn.outbox.emplace_back(std::move(message), deadline);
  PendingEvent& pending = conn.pending[id];
  pending.event = event;
  pending.deadline = deadline;
  pending.waited = waited;
  return id;
}

void WriterManagerImpl::ApplyLocked(WriterConnection& conn, WriterEvent event,
                                    const Status& status,
                                    const std::string& app_message) {
  WriterStatus& s = conn.status;
  if (!status.ok()) {
    s.state = FailedAt(event);
    s.failure = status;
    s.app_message = app_message;
    return;
  }
  switch (event) {
    case WriterEvent::kIdentify:
    case WriterEvent::kPrepareForBackup:
      // A new backup starts: the last one's failure is history now.
      s.state = WriterState::kStable;
      s.failure = Status::Ok();
      s.app_message.clear();
      break;
    case WriterEvent::kPrepareForSnapshot:
      s.state = WriterState::kWaitingForFreeze;
      break;
    case WriterEvent::kFreeze:
      s.state = WriterState::kWaitingForThaw;
      break;
    case WriterEvent::kThaw:
      s.state = WriterState::kWaitingForPostSnapshot;
      break;
    case WriterEvent::kPostSnapshot:
      s.state = WriterState::kWaitingForBackupComplete;
      break;
    case WriterEvent::kAbort:
    case WriterEvent::kBackupShutdown:
      // As VSS shows it: a writer that failed stays FAILED_AT_* (with its
      // code) until the next backup's Identify / PrepareForBackup.
      if (!IsFailed(s.state)) s.state = WriterState::kStable;
      break;
    case WriterEvent::kBackupComplete:
    case WriterEvent::kPreRestore:
    case WriterEvent::kPostRestore:
      s.state = WriterState::kStable;
      break;
  }
}

EventOutcome WriterManagerImpl::FailLocked(WriterConnection& conn,
                                           WriterEvent event, Code code,
                                           const std::string& why) {
  EventOutcome outcome;
  outcome.instance_id = conn.status.instance_id;
  outcome.status = Status(code, Describe(conn.status) + " " + why + " at " +
                                    std::string(WriterEventName(event)));
  if (!conn.closed) ApplyLocked(conn, event, outcome.status, "");
  return outcome;
}

std::vector<EventOutcome> WriterManagerImpl::SendEvent(
    WriterEvent event, const EventInput& input,
    const std::vector<Guid>& instances) {
  struct Slot {
    Guid instance_id;
    std::shared_ptr<WriterConnection> conn;
    uint64_t event_id = 0;
    std::optional<EventOutcome> outcome;
  };
  std::vector<Slot> slots;

  std::unique_lock<std::mutex> lock(mu_);
  std::vector<Guid> targets = instances;
  if (targets.empty()) {
    for (const auto& [id, conn] : writers_) targets.push_back(id);
  }
  const Clock::time_point now = Clock::now();
  for (const Guid& id : targets) {
    Slot& slot = slots.emplace_back();
    slot.instance_id = id;
    auto it = writers_.find(id);
    if (it == writers_.end() || it->second->closed) {
      EventOutcome gone;
      gone.instance_id = id;
      gone.status =
          Status(Code::kWriterRetryable,
                 "writer instance " + id.ToString() + " is not connected (at " +
                     std::string(WriterEventName(event)) + ")");
      slot.outcome = std::move(gone);
      continue;
    }
    WriterConnection& conn = *it->second;
    slot.conn = it->second;
    Clock::time_point deadline = now + options_.event_timeout;
    // The freeze-to-thaw window as the writer is told it (FREEZE's
    // deadline_ms): the writer thaws on its own when it ends, so a THAW
    // after it is late whichever of the two limits is the smaller.
    const auto freeze_window =
        std::min(options_.event_timeout, options_.freeze_to_thaw);
    if (event == WriterEvent::kFreeze) {
      // The freeze-to-thaw window starts now; Freeze itself must be
      // answered within it.
      conn.frozen_since = now;
      deadline = now + freeze_window;
    } else if (event == WriterEvent::kThaw && conn.frozen_since &&
               now >= *conn.frozen_since + freeze_window) {
      // Thaw comes too late: as VSS's writer-side timer does, the writer
      // failed at Freeze with a timeout and gets Abort instead of Thaw.
      conn.frozen_since.reset();
      slot.outcome =
          FailLocked(conn, WriterEvent::kFreeze, Code::kWriterTimeout,
                     "was not thawed within the freeze window of " +
                         Millis(freeze_window));
      EnqueueLocked(conn, WriterEvent::kAbort, input,
                    now + options_.event_timeout, /*waited=*/false);
      continue;
    }
    if (event == WriterEvent::kThaw || event == WriterEvent::kAbort) {
      conn.frozen_since.reset();
    }
    slot.event_id = EnqueueLocked(conn, event, input, deadline,
                                  /*waited=*/true);
  }
  cv_.notify_all();

  // Wait for every answer or deadline; cv_ releases mu_ while waiting.
  while (true) {
    const Clock::time_point t = Clock::now();
    std::optional<Clock::time_point> next;
    for (Slot& slot : slots) {
      if (slot.outcome) continue;
      WriterConnection& conn = *slot.conn;
      auto it = conn.pending.find(slot.event_id);
      if (it == conn.pending.end()) {  // cannot happen: we erase our own
        slot.outcome =
            FailLocked(conn, event, Code::kWriterRetryable, "lost its event");
        continue;
      }
      PendingEvent& pending = it->second;
      if (pending.done) {
        slot.outcome = std::move(pending.outcome);
        conn.pending.erase(it);
        continue;
      }
      if (t >= pending.deadline) {
        const auto allowed =
            std::chrono::duration_cast<std::chrono::milliseconds>(
                pending.deadline - now);
        conn.pending.erase(it);  // `pending` dangles from here on
        slot.outcome = FailLocked(conn, event, Code::kWriterTimeout,
                                  "did not answer within " + Millis(allowed));
        if (event == WriterEvent::kFreeze && !conn.closed) {
          // VSS calls OnAbort when the freeze window ends unthawed.
          conn.frozen_since.reset();
          EnqueueLocked(conn, WriterEvent::kAbort, input,
                        t + options_.event_timeout, /*waited=*/false);
          cv_.notify_all();
        }
        continue;
      }
      if (!next || pending.deadline < *next) next = pending.deadline;
    }
    if (!next) break;
    cv_.wait_until(lock, *next);
  }

  std::vector<EventOutcome> outcomes;
  outcomes.reserve(slots.size());
  for (Slot& slot : slots) outcomes.push_back(std::move(*slot.outcome));
  return outcomes;
}

void WriterManagerImpl::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutting_down_ = true;
  for (grpc::ServerContext* context : handlers_) context->TryCancel();
  cv_.notify_all();
  // Each handler sees its stream end at once and returns.
  cv_.wait(lock, [&] { return handlers_.empty(); });
}

}  // namespace sp::service
