#include "doc_summary.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>
#include <variant>

#include "doc_names.h"
#include "shadowport/context.h"
#include "shadowport/encoding.h"

namespace sp::cli {
namespace {

using json = nlohmann::ordered_json;

// Aligned "label  value" lines.
class TextOut {
 public:
  void Line(int indent, std::string_view text) {
    out_.append(static_cast<size_t>(indent), ' ');
    out_.append(text);
    out_ += '\n';
  }
  void Field(int indent, std::string_view label, std::string_view value) {
    constexpr size_t kLabelWidth = 28;
    out_.append(static_cast<size_t>(indent), ' ');
    out_.append(label);
    const size_t used = static_cast<size_t>(indent) + label.size();
    out_.append(used < kLabelWidth ? kLabelWidth - used : 1, ' ');
    out_.append(value);
    out_ += '\n';
  }
  // A field whose value is document text; omitted when empty.
  void TextField(int indent, std::string_view label, std::string_view value) {
    if (!value.empty()) Field(indent, label, Printable(value));
  }
  void Blank() { out_ += '\n'; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string_view YesNo(bool b) { return b ? "yes" : "no"; }

std::string Quoted(std::string_view text) {
  return "\"" + Printable(text) + "\"";
}

std::string Bytes(size_t n) { return std::to_string(n) + " bytes"; }

// "/var/lib/db (*.db, recursive, alternate /alt, backup types 0xF)".
std::string DescribeFile(const FileDescriptor& f) {
  std::string out = Printable(f.path) + " (" + Printable(f.filespec);
  if (f.recursive) out += ", recursive";
  if (!f.alternate_location.empty()) {
    out += ", alternate " + Printable(f.alternate_location);
  }
  if (f.backup_type_mask != backup_type_mask::kDefault) {
    out += ", backup types " + Hex(f.backup_type_mask);
  }
  return out + ")";
}

void FileList(TextOut& t, int indent, std::string_view label,
              const std::vector<FileDescriptor>& files) {
  if (files.empty()) return;
  t.Field(indent, label, std::to_string(files.size()));
  for (const FileDescriptor& f : files) t.Line(indent + 2, DescribeFile(f));
}

// "lun 7 on array A: naa.6..., serial S, VENDOR PRODUCT REV, N bytes".
std::string DescribeLun(const LunInformation& lun) {
  std::string out = "lun " + Printable(lun.lun_id) + " on array " +
                    Printable(lun.array_id) + ": " + Printable(lun.unique_id);
  if (!lun.serial_number.empty()) {
    out += ", serial " + Printable(lun.serial_number);
  }
  std::string inquiry = lun.vendor_id;
  for (const std::string* s : {&lun.product_id, &lun.product_revision}) {
    if (s->empty()) continue;
    if (!inquiry.empty()) inquiry += ' ';
    inquiry += *s;
  }
  if (!inquiry.empty()) out += ", " + Printable(inquiry);
  return out + ", " + Bytes(lun.size_bytes);
}

std::string DescribeAttributes(uint32_t attributes) {
  if (attributes == 0) return "none (0x0)";
  return AttributesToString(attributes) + " (" + Hex(attributes) + ")";
}

void SnapshotSetText(TextOut& t, const SnapshotSetDescription& set) {
  t.Line(0, "Snapshot set " + set.snapshot_set_id.ToString());
  t.Field(2, "context",
          ContextValueToString(set.context) + " (" + Hex(set.context) + ")");
  t.TextField(2, "creating host", set.creating_host);
  t.Field(2, "snapshots", std::to_string(set.snapshots.size()));
  for (const SnapshotDescription& s : set.snapshots) {
    t.Line(2, "Snapshot " + s.snapshot_id.ToString());
    t.Field(4, "provider", s.provider_id.ToString());
    t.Field(4, "attributes", DescribeAttributes(s.attributes));
    t.Field(4, "created", FormatUtcTimestamp(s.creation_time_us));
    const OriginalVolume& o = s.original;
    std::string original = Printable(o.device);
    if (!o.mount_point.empty()) original += " on " + Printable(o.mount_point);
    if (!o.fs_type.empty()) original += ", " + Printable(o.fs_type);
    if (!o.fs_uuid.empty()) original += ", uuid " + Printable(o.fs_uuid);
    t.Field(4, "original volume", original);
    for (size_t i = 0; i < s.luns.size(); ++i) {
      t.Line(4, "LUN " + std::to_string(i + 1));
      t.Field(6, "source", DescribeLun(s.luns[i].source));
      t.Field(6, "snapshot", DescribeLun(s.luns[i].destination));
    }
  }
}

json FileJson(const FileDescriptor& f) {
  return {{"path", f.path},
          {"filespec", f.filespec},
          {"recursive", f.recursive},
          {"alternate_location", f.alternate_location},
          {"backup_type_mask", f.backup_type_mask}};
}

json FilesJson(const std::vector<FileDescriptor>& files) {
  json out = json::array();
  for (const FileDescriptor& f : files) out.push_back(FileJson(f));
  return out;
}

json LunJson(const LunInformation& lun) {
  return {{"array_id", lun.array_id},
          {"lun_id", lun.lun_id},
          {"vendor_id", lun.vendor_id},
          {"product_id", lun.product_id},
          {"product_revision", lun.product_revision},
          {"serial_number", lun.serial_number},
          {"unique_id", lun.unique_id},
          {"size_bytes", lun.size_bytes}};
}

json ContextJson(uint32_t value) {
  json out = {{"value", value}};
  Result<ContextSpec> spec = ValidateContext(value, ContextUse::kCreate);
  if (spec.ok()) {
    out["name"] = ContextName(spec->base);
    out["modifiers"] = AttributesToString(spec->modifiers);
  }
  return out;
}

json SnapshotSetJson(const SnapshotSetDescription& set) {
  json snapshots = json::array();
  for (const SnapshotDescription& s : set.snapshots) {
    json luns = json::array();
    for (const LunMapping& m : s.luns) {
      luns.push_back({{"source", LunJson(m.source)},
                      {"destination", LunJson(m.destination)}});
    }
    snapshots.push_back(
        {{"snapshot_id", s.snapshot_id.ToString()},
         {"provider_id", s.provider_id.ToString()},
         {"attributes", AttributesToString(s.attributes)},
         {"attributes_value", s.attributes},
         {"creation_time", FormatUtcTimestamp(s.creation_time_us)},
         {"creation_time_us", s.creation_time_us},
         {"original_volume",
          {{"device", s.original.device},
           {"mount_point", s.original.mount_point},
           {"fs_type", s.original.fs_type},
           {"fs_uuid", s.original.fs_uuid}}},
         {"luns", std::move(luns)}});
  }
  return {{"snapshot_set_id", set.snapshot_set_id.ToString()},
          {"context", ContextJson(set.context)},
          {"creating_host", set.creating_host},
          {"snapshots", std::move(snapshots)}};
}

}  // namespace

std::string SummaryText(const BackupComponentsDocument& bcd) {
  size_t components = 0;
  for (const WriterComponents& w : bcd.writers) {
    components += w.components.size();
  }
  TextOut t;
  t.Line(0, "Backup Components Document");
  t.Field(2, "backup type", BackupTypeName(bcd.backup_type));
  t.Field(2, "select components", YesNo(bcd.select_components));
  t.Field(2, "bootable system state", YesNo(bcd.bootable_system_state));
  t.Field(2, "partial file support", YesNo(bcd.partial_file_support));
  t.Field(2, "writers",
          std::to_string(bcd.writers.size()) + ", " +
              std::to_string(components) + " components");
  t.Field(
      2, "snapshot set",
      bcd.snapshot_set
          ? std::to_string(bcd.snapshot_set->snapshots.size()) + " snapshots"
          : std::string("none (not yet created)"));
  for (const WriterComponents& w : bcd.writers) {
    t.Blank();
    std::string head = "Writer " + w.writer_id.ToString() + " instance " +
                       w.instance_id.ToString();
    if (!w.instance_name.empty()) head += " " + Quoted(w.instance_name);
    t.Line(0, head);
    t.Field(2, "backup schema", Hex(w.backup_schema));
    for (const BcdComponent& c : w.components) {
      t.Line(2, "Component " + Quoted(c.FullPath()) + " (" +
                    std::string(ComponentTypeName(c.type)) + ")");
      t.Field(4, "backup succeeded",
              c.backup_succeeded ? YesNo(*c.backup_succeeded) : "unknown");
      t.TextField(4, "backup stamp", c.backup_stamp);
      t.TextField(4, "previous backup stamp", c.previous_backup_stamp);
      t.TextField(4, "backup options", c.backup_options);
      if (!c.backup_metadata.empty()) {
        t.Field(4, "backup metadata", Bytes(c.backup_metadata.size()));
      }
      if (!c.restore_metadata.empty()) {
        t.Field(4, "restore metadata", Bytes(c.restore_metadata.size()));
      }
    }
  }
  if (bcd.snapshot_set) {
    t.Blank();
    SnapshotSetText(t, *bcd.snapshot_set);
  }
  return t.Take();
}

std::string SummaryText(const WriterMetadata& wmd) {
  const WriterIdentity& id = wmd.identity;
  TextOut t;
  t.Line(0, "Writer Metadata Document");
  t.Field(2, "writer", Quoted(id.writer_name));
  t.Field(2, "writer id", id.writer_id.ToString());
  t.Field(2, "instance id", id.instance_id.ToString());
  t.TextField(2, "instance name", id.instance_name);
  t.Field(2, "usage", UsageTypeName(id.usage));
  t.Field(2, "source", SourceTypeName(id.source));
  t.Field(2, "version",
          std::to_string(id.version_major) + "." +
              std::to_string(id.version_minor));
  t.Field(2, "backup schema", Hex(wmd.backup_schema));
  FileList(t, 2, "include files", wmd.include_files);
  FileList(t, 2, "exclude files", wmd.exclude_files);
  FileList(t, 2, "exclude from snapshot", wmd.exclude_from_snapshot);
  if (wmd.restore_method) {
    const RestoreMethodInfo& r = *wmd.restore_method;
    t.Field(2, "restore method", RestoreMethodName(r.method));
    t.TextField(4, "service", r.service);
    t.Field(4, "writer restore", WriterRestoreName(r.writer_restore));
    t.Field(4, "reboot required", YesNo(r.reboot_required));
    t.TextField(4, "user procedure", r.user_procedure);
  }
  if (!wmd.alternate_location_mappings.empty()) {
    t.Field(2, "alternate locations",
            std::to_string(wmd.alternate_location_mappings.size()));
    for (const AlternateLocationMapping& m : wmd.alternate_location_mappings) {
      t.Line(4, Printable(m.path) + " (" + Printable(m.filespec) +
                    (m.recursive ? ", recursive" : "") + ") -> " +
                    Printable(m.destination));
    }
  }
  t.Field(2, "components", std::to_string(wmd.components.size()));
  for (const WmdComponent& c : wmd.components) {
    t.Blank();
    t.Line(0, "Component " + Quoted(c.FullPath()) + " (" +
                  std::string(ComponentTypeName(c.type)) + ")");
    t.TextField(2, "caption", c.caption);
    t.Field(2, "selectable", YesNo(c.selectable));
    t.Field(2, "selectable for restore", YesNo(c.selectable_for_restore));
    t.Field(2, "restore metadata", YesNo(c.restore_metadata));
    t.Field(2, "notify on completion", YesNo(c.notify_on_backup_complete));
    if (c.flags != 0) t.Field(2, "flags", ComponentFlagsToString(c.flags));
    FileList(t, 2, "files", c.files);
    FileList(t, 2, "database files", c.database_files);
    FileList(t, 2, "log files", c.log_files);
    for (const Dependency& d : c.dependencies) {
      std::string target = d.logical_path.empty()
                               ? d.component_name
                               : d.logical_path + "\\" + d.component_name;
      t.Field(2, "depends on",
              Quoted(target) + " of writer " + d.writer_id.ToString());
    }
  }
  return t.Take();
}

std::string SummaryText(const AnyDocument& doc) {
  return std::visit([](const auto& d) { return SummaryText(d); }, doc);
}

json SummaryJson(const BackupComponentsDocument& bcd) {
  json writers = json::array();
  size_t components = 0;
  for (const WriterComponents& w : bcd.writers) {
    json list = json::array();
    for (const BcdComponent& c : w.components) {
      json succeeded = nullptr;
      if (c.backup_succeeded) succeeded = *c.backup_succeeded;
      list.push_back(
          {{"type", ComponentTypeName(c.type)},
           {"logical_path", c.logical_path},
           {"name", c.name},
           {"full_path", c.FullPath()},
           {"backup_succeeded", std::move(succeeded)},
           {"backup_stamp", c.backup_stamp},
           {"previous_backup_stamp", c.previous_backup_stamp},
           {"backup_options", c.backup_options},
           {"backup_metadata_base64", Base64Encode(c.backup_metadata)},
           {"restore_metadata_base64", Base64Encode(c.restore_metadata)}});
    }
    components += w.components.size();
    writers.push_back({{"writer_id", w.writer_id.ToString()},
                       {"instance_id", w.instance_id.ToString()},
                       {"instance_name", w.instance_name},
                       {"backup_schema", w.backup_schema},
                       {"components", std::move(list)}});
  }
  size_t snapshots = 0;
  size_t luns = 0;
  json set = nullptr;
  if (bcd.snapshot_set) {
    snapshots = bcd.snapshot_set->snapshots.size();
    for (const SnapshotDescription& s : bcd.snapshot_set->snapshots) {
      luns += s.luns.size();
    }
    set = SnapshotSetJson(*bcd.snapshot_set);
  }
  return {{"document", "bcd"},
          {"backup_type", BackupTypeName(bcd.backup_type)},
          {"select_components", bcd.select_components},
          {"bootable_system_state", bcd.bootable_system_state},
          {"partial_file_support", bcd.partial_file_support},
          {"counts",
           {{"writers", bcd.writers.size()},
            {"components", components},
            {"snapshots", snapshots},
            {"luns", luns}}},
          {"writers", std::move(writers)},
          {"snapshot_set", std::move(set)}};
}

json SummaryJson(const WriterMetadata& wmd) {
  const WriterIdentity& id = wmd.identity;
  json restore = nullptr;
  if (wmd.restore_method) {
    const RestoreMethodInfo& r = *wmd.restore_method;
    restore = {{"method", RestoreMethodName(r.method)},
               {"service", r.service},
               {"user_procedure", r.user_procedure},
               {"writer_restore", WriterRestoreName(r.writer_restore)},
               {"reboot_required", r.reboot_required}};
  }
  json mappings = json::array();
  for (const AlternateLocationMapping& m : wmd.alternate_location_mappings) {
    mappings.push_back({{"path", m.path},
                        {"filespec", m.filespec},
                        {"recursive", m.recursive},
                        {"destination", m.destination}});
  }
  json components = json::array();
  for (const WmdComponent& c : wmd.components) {
    json deps = json::array();
    for (const Dependency& d : c.dependencies) {
      deps.push_back({{"writer_id", d.writer_id.ToString()},
                      {"logical_path", d.logical_path},
                      {"component_name", d.component_name}});
    }
    components.push_back(
        {{"type", ComponentTypeName(c.type)},
         {"logical_path", c.logical_path},
         {"name", c.name},
         {"full_path", c.FullPath()},
         {"caption", c.caption},
         {"restore_metadata", c.restore_metadata},
         {"notify_on_backup_complete", c.notify_on_backup_complete},
         {"selectable", c.selectable},
         {"selectable_for_restore", c.selectable_for_restore},
         {"flags", ComponentFlagsToString(c.flags)},
         {"flags_value", c.flags},
         {"files", FilesJson(c.files)},
         {"database_files", FilesJson(c.database_files)},
         {"log_files", FilesJson(c.log_files)},
         {"dependencies", std::move(deps)}});
  }
  return {{"document", "wmd"},
          {"identity",
           {{"writer_id", id.writer_id.ToString()},
            {"instance_id", id.instance_id.ToString()},
            {"writer_name", id.writer_name},
            {"instance_name", id.instance_name},
            {"usage", UsageTypeName(id.usage)},
            {"source", SourceTypeName(id.source)},
            {"version_major", id.version_major},
            {"version_minor", id.version_minor}}},
          {"backup_schema", wmd.backup_schema},
          {"include_files", FilesJson(wmd.include_files)},
          {"exclude_files", FilesJson(wmd.exclude_files)},
          {"exclude_from_snapshot", FilesJson(wmd.exclude_from_snapshot)},
          {"restore_method", std::move(restore)},
          {"alternate_location_mappings", std::move(mappings)},
          {"components", std::move(components)}};
}

json SummaryJson(const AnyDocument& doc) {
  return std::visit([](const auto& d) { return SummaryJson(d); }, doc);
}

}  // namespace sp::cli
