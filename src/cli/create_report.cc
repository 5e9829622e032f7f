#include "create_report.h"

#include <nlohmann/json.hpp>

#include "doc_names.h"
#include "shadowport/context.h"
#include "shadowport/encoding.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

std::string Naa(const SnapshotDescription& snapshot) {
  std::string out;
  for (const LunMapping& lun : snapshot.luns) {
    if (!out.empty()) out += ' ';
    out += lun.destination.unique_id;
  }
  return out;
}

bool Failed(const WriterStatusInfo& w) { return !w.failure.ok(); }

void Field(std::string& out, int indent, std::string_view label,
           std::string_view value) {
  constexpr size_t kWidth = 22;
  out.append(static_cast<size_t>(indent), ' ');
  out.append(label);
  const size_t used = static_cast<size_t>(indent) + label.size();
  out.append(used < kWidth ? kWidth - used : 1, ' ');
  out.append(value);
  out += '\n';
}

std::string Volume(const OriginalVolume& v) {
  std::string out = Printable(v.mount_point) + " (" + Printable(v.device);
  if (!v.fs_type.empty()) out += ", " + Printable(v.fs_type);
  return out + ")";
}

}  // namespace

std::string LifetimeName(Lifetime lifetime) {
  switch (lifetime) {
    case Lifetime::kAutoRelease:
      return "auto-release";
    case Lifetime::kUntilServiceRestart:
      return "until the service restarts";
    case Lifetime::kPersistent:
      return "persistent";
  }
  return "unknown";
}

std::vector<std::string> NextSteps(const CreateReport& r) {
  std::vector<std::string> steps;
  const CreateOptions& o = r.options;
  const std::string set_id = r.created.set.snapshot_set_id.ToString();
  if ((r.created.set.context & attr::kTransportable) != 0) {
    if (!r.files.metadata.empty()) {
      steps.push_back("copy " + r.files.metadata +
                      " to the importing host and run: shadowport import " +
                      r.files.metadata);
    } else if (!r.files.bcd.empty()) {
      std::string what = r.files.bcd;
      if (!r.files.wmds.empty()) what += " (and the WMDs in " + o.wmd_dir + ")";
      steps.push_back("copy " + what +
                      " to the importing host and run: shadowport import " +
                      r.files.bcd);
    } else {
      steps.push_back(
          "no BCD was saved (--bcd or --metadata): the set cannot be "
          "imported on another host");
    }
    if (r.choice.lifetime == Lifetime::kAutoRelease && !o.wait_done) {
      steps.push_back(
          "the set is auto-release: it is deleted when this command ends; "
          "import it from --exec, keep it with --wait-done, or create it "
          "with --persistent");
    }
  }
  if (r.choice.lifetime != Lifetime::kAutoRelease) {
    steps.push_back("the set remains until: shadowport delete " + set_id +
                    " --set");
  }
  return steps;
}

std::string CreateSummaryText(const CreateReport& r) {
  const SnapshotSetDescription& set = r.created.set;
  std::string out =
      "created snapshot set " + set.snapshot_set_id.ToString() + "\n";
  Field(out, 2, "context", ContextValueToString(set.context));
  Field(out, 2, "lifetime", LifetimeName(r.choice.lifetime));
  if (!set.creating_host.empty()) {
    Field(out, 2, "creating host", Printable(set.creating_host));
  }
  for (const SnapshotDescription& s : set.snapshots) {
    out += "  snapshot " + s.snapshot_id.ToString() + "\n";
    Field(out, 4, "volume", Volume(s.original));
    Field(out, 4, "attributes", AttributesToString(s.attributes));
    if (s.creation_time_us != 0) {
      Field(out, 4, "created", FormatUtcTimestamp(s.creation_time_us));
    }
    Field(out, 4, "snapshot LUNs",
          s.luns.empty() ? "(none)" : Printable(Naa(s)));
  }
  if (r.choice.involves_writers) {
    size_t failed = 0;
    for (const WriterStatusInfo& w : r.created.writer_status) {
      if (Failed(w)) ++failed;
    }
    Field(out, 2, "writers",
          std::to_string(r.created.writer_status.size()) + " (" +
              std::to_string(failed) + " failed)");
    for (const WriterStatusInfo& w : r.created.writer_status) {
      if (!Failed(w)) continue;
      std::string line = "FAILED \"" + Printable(w.writer_name) + "\" " +
                         w.instance_id.ToString() + ": " + Printable(w.state) +
                         ", " + Printable(w.failure.ToString());
      if (!w.app_message.empty()) line += " (" + Printable(w.app_message) + ")";
      out += "    " + line + "\n";
      out += "      its data in this set may not be consistent\n";
    }
    for (const SelectedWriter& w : r.created.selection) {
      std::string line = "\"" + Printable(w.writer_name) + "\": ";
      for (size_t i = 0; i < w.explicit_components.size(); ++i) {
        line += (i == 0 ? "" : ", ") + Printable(w.explicit_components[i]);
      }
      if (w.explicit_components.empty()) line += "(none)";
      if (!w.implicit_components.empty()) {
        line += " (+" + std::to_string(w.implicit_components.size()) +
                " implicitly)";
      }
      Field(out, 4, "selected", line);
    }
    for (const std::string& excluded : r.created.excluded_writers) {
      Field(out, 4, "left out", Printable(excluded));
    }
  } else {
    Field(out, 2, "writers", "not involved (no-writers context)");
  }
  if (!r.files.bcd.empty()) Field(out, 2, "BCD", Printable(r.files.bcd));
  if (!r.options.wmd_dir.empty()) {
    Field(out, 2, "WMDs",
          std::to_string(r.files.wmds.size()) + " in " +
              Printable(r.options.wmd_dir));
  }
  if (!r.files.metadata.empty()) {
    Field(out, 2, "metadata bundle", Printable(r.files.metadata));
  }
  const std::vector<std::string> steps = NextSteps(r);
  if (!steps.empty()) {
    out += "next steps:\n";
    for (const std::string& step : steps) out += "  " + Printable(step) + "\n";
  }
  return out;
}

json CreateSummaryJson(const CreateReport& r) {
  const SnapshotSetDescription& set = r.created.set;
  json snapshots = json::array();
  for (const SnapshotDescription& s : set.snapshots) {
    json naa = json::array();
    for (const LunMapping& lun : s.luns)
      naa.push_back(lun.destination.unique_id);
    snapshots.push_back(json{
        {"snapshot_id", s.snapshot_id.ToString()},
        {"volume", json{{"device", s.original.device},
                        {"mount_point", s.original.mount_point},
                        {"fs_type", s.original.fs_type},
                        {"fs_uuid", s.original.fs_uuid}}},
        {"attributes", AttributesToString(s.attributes)},
        {"created",
         s.creation_time_us == 0 ? "" : FormatUtcTimestamp(s.creation_time_us)},
        {"luns", std::move(naa)},
    });
  }
  json writers = json::array();
  for (const WriterStatusInfo& w : r.created.writer_status) {
    writers.push_back(json{
        {"writer_name", w.writer_name},
        {"writer_id", w.writer_id.ToString()},
        {"instance_id", w.instance_id.ToString()},
        {"state", w.state},
        {"failure", Failed(w) ? json(w.failure.info().name) : json(nullptr)},
        {"failure_message", w.failure.message()},
        {"app_message", w.app_message},
    });
  }
  json selection = json::array();
  for (const SelectedWriter& w : r.created.selection) {
    selection.push_back(json{{"writer_name", w.writer_name},
                             {"instance_id", w.instance_id.ToString()},
                             {"components", w.explicit_components},
                             {"implicit_components", w.implicit_components}});
  }
  json wmds = json::array();
  for (const std::string& path : r.files.wmds) wmds.push_back(path);
  return json{
      {"snapshot_set_id", set.snapshot_set_id.ToString()},
      {"context", json{{"value", Hex(set.context)},
                       {"name", ContextValueToString(set.context)}}},
      {"lifetime", LifetimeName(r.choice.lifetime)},
      {"creating_host", set.creating_host},
      {"snapshots", std::move(snapshots)},
      {"writers_involved", r.choice.involves_writers},
      {"writers", std::move(writers)},
      {"selection", std::move(selection)},
      {"excluded_writers", r.created.excluded_writers},
      {"files",
       json{{"bcd", r.files.bcd.empty() ? json(nullptr) : json(r.files.bcd)},
            {"wmds", std::move(wmds)},
            {"metadata", r.files.metadata.empty() ? json(nullptr)
                                                  : json(r.files.metadata)}}},
      {"next_steps", NextSteps(r)},
  };
}

}  // namespace sp::cli
