// `shadowport status [--json]`: what shadowportd is doing (GetServiceStatus):
// its version and host, providers, writers, open sessions and the snapshot
// set creation in flight.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "commands.h"
#include "doc_names.h"
#include "service_options.h"
#include "shadowport/backup_components.h"
#include "shadowport/encoding.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct StatusOptions {
  std::string socket;
  bool json = false;
};

std::string Time(int64_t us) { return us == 0 ? "" : FormatUtcTimestamp(us); }

std::string IdOrNone(const Guid& id) {
  return id.IsNull() ? "none" : id.ToString();
}

json StatusJson(const ServiceStatus& s) {
  json sessions = json::array();
  for (const ServiceStatus::Session& session : s.sessions) {
    sessions.push_back(json{
        {"session_id", session.session_id.ToString()},
        {"requester_name", session.requester_name},
        {"opened", Time(session.opened_us)},
        {"state", session.state},
        {"snapshot_set_id", session.snapshot_set_id.IsNull()
                                ? json(nullptr)
                                : json(session.snapshot_set_id.ToString())},
        {"context", ContextValueToString(session.context)},
    });
  }
  return json{
      {"version", s.version},
      {"host", s.host},
      {"cluster", s.cluster},
      {"state_dir", s.state_dir},
      {"started", Time(s.started_us)},
      {"providers", s.providers},
      {"writer_count", s.writer_count},
      {"snapshot_set_count", s.snapshot_set_count},
      {"snapshot_count", s.snapshot_count},
      {"creation_in_flight", s.creation_in_flight.IsNull()
                                 ? json(nullptr)
                                 : json(s.creation_in_flight.ToString())},
      {"sessions", std::move(sessions)},
  };
}

void StatusText(const ServiceStatus& s, std::ostream& out) {
  auto field = [&](std::string_view label, const std::string& value) {
    out << "  " << label
        << std::string(label.size() < 20 ? 20 - label.size() : 1, ' ')
        << Printable(value) << '\n';
  };
  out << "shadowportd " << Printable(s.version) << " on " << Printable(s.host)
      << '\n';
  if (!s.cluster.empty()) field("cluster", s.cluster);
  field("state directory", s.state_dir);
  if (s.started_us != 0) field("started", Time(s.started_us));
  field("providers", std::to_string(s.providers.size()));
  for (const std::string& p : s.providers)
    out << "    " << Printable(p) << '\n';
  field("writers", std::to_string(s.writer_count));
  field("snapshot sets", std::to_string(s.snapshot_set_count));
  field("snapshots", std::to_string(s.snapshot_count));
  field("creation in flight", IdOrNone(s.creation_in_flight));
  field("sessions", std::to_string(s.sessions.size()));
  for (const ServiceStatus::Session& session : s.sessions) {
    out << "    " << session.session_id.ToString() << "  "
        << Printable(session.requester_name.empty() ? "(unnamed)"
                                                    : session.requester_name)
        << "  " << Printable(session.state);
    if (!session.snapshot_set_id.IsNull()) {
      out << "  set " << session.snapshot_set_id.ToString() << " ("
          << ContextValueToString(session.context) << ")";
    }
    if (session.opened_us != 0) out << "  since " << Time(session.opened_us);
    out << '\n';
  }
}

Status RunStatus(const StatusOptions& options, std::ostream& out) {
  Result<ServiceStatus> status =
      BackupComponents::GetServiceStatus(options.socket);
  if (!status.ok()) return std::move(status).status();
  if (options.json) return PrintJson(out, StatusJson(*status));
  StatusText(*status, out);
  return FlushOut(out);
}

}  // namespace

void RegisterStatus(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* verb = app.add_subcommand(
      "status", "Show shadowportd's state: providers, writers, sessions");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->callback([options, &invocation] {
    invocation.status = RunStatus(*options, invocation.out);
  });
}

}  // namespace sp::cli
