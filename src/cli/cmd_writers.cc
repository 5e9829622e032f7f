// `shadowport writers [--metadata] [--json]`: the writers registered with
// shadowportd and their state (ListWriters, like `vshadow -ws`); with
// --metadata also each writer's metadata document summarized: components
// and files (`vshadow -wm`).
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "doc_names.h"
#include "doc_summary.h"
#include "service_options.h"
#include "shadowport/backup_components.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

struct WritersOptions {
  std::string socket;
  bool json = false;
  bool metadata = false;
};

json StatusJson(const WriterStatusInfo* s) {
  if (s == nullptr) return json(nullptr);
  return json{{"state", s->state},
              {"state_value", s->state_value},
              {"failure",
               s->failure.ok() ? json(nullptr) : json(s->failure.info().name)},
              {"failure_message", s->failure.message()},
              {"app_message", s->app_message}};
}

void WriterText(const WriterMetadataInfo& w, const WriterStatusInfo* s,
                bool metadata, std::ostream& out) {
  out << "writer \"" << Printable(w.writer_name) << "\"\n";
  auto field = [&](std::string_view label, const std::string& value) {
    out << "  " << label
        << std::string(label.size() < 18 ? 18 - label.size() : 1, ' ') << value
        << '\n';
  };
  field("writer id", w.writer_id.ToString());
  field("instance id", w.instance_id.ToString());
  if (!w.instance_name.empty())
    field("instance name", Printable(w.instance_name));
  if (s != nullptr) {
    field("state", Printable(s->state));
    field("failure",
          s->failure.ok() ? "none" : Printable(s->failure.ToString()));
    if (!s->app_message.empty())
      field("app message", Printable(s->app_message));
  }
  if (!metadata) return;
  std::istringstream summary(SummaryText(w.wmd));
  for (std::string line; std::getline(summary, line);) {
    out << "    " << line << '\n';
  }
}

Status RunWriters(const WritersOptions& options, std::ostream& out) {
  std::vector<WriterStatusInfo> statuses;
  Result<std::vector<WriterMetadataInfo>> writers =
      BackupComponents::ListWriterMetadata(options.socket, &statuses);
  if (!writers.ok()) return std::move(writers).status();
  std::map<Guid, const WriterStatusInfo*> status_of;
  for (const WriterStatusInfo& s : statuses) status_of[s.instance_id] = &s;
  auto find = [&](const Guid& instance) -> const WriterStatusInfo* {
    auto it = status_of.find(instance);
    return it == status_of.end() ? nullptr : it->second;
  };
  if (options.json) {
    json list = json::array();
    for (const WriterMetadataInfo& w : *writers) {
      json entry{{"writer_name", w.writer_name},
                 {"writer_id", w.writer_id.ToString()},
                 {"instance_id", w.instance_id.ToString()},
                 {"instance_name", w.instance_name},
                 {"status", StatusJson(find(w.instance_id))}};
      if (options.metadata) entry["metadata"] = SummaryJson(w.wmd);
      list.push_back(std::move(entry));
    }
    return PrintJson(out, json{{"writers", std::move(list)}});
  }
  if (writers->empty()) out << "no writers registered\n";
  for (const WriterMetadataInfo& w : *writers) {
    WriterText(w, find(w.instance_id), options.metadata, out);
  }
  return FlushOut(out);
}

}  // namespace

void RegisterWriters(CLI::App& app, Invocation& invocation) {
  auto options = std::make_shared<WritersOptions>();
  CLI::App* verb = app.add_subcommand(
      "writers", "List the registered writers and their state");
  AddServiceOptions(*verb, options->socket, options->json);
  verb->add_flag("--metadata", options->metadata,
                 "also summarize each writer's metadata (components, files)");
  verb->callback([options, &invocation] {
    invocation.status = RunWriters(*options, invocation.out);
  });
}

}  // namespace sp::cli
