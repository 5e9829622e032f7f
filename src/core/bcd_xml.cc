// BCD <-> XML (docs/formats/bcd.xsd).
#include <libxml/tree.h>

#include <cstdio>
#include <set>

#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "shadowport/encoding.h"
#include "src/core/xml_enums.h"
#include "src/core/xml_parse.h"
#include "src/core/xml_read.h"
#include "src/core/xml_write.h"

namespace sp {
namespace {

using xml::Children;
using xml::NameOf;

constexpr uint64_t kU32 = 0xFFFFFFFFu;
constexpr size_t kMaxSnapshotsPerSet = 64;

Result<BcdComponent> ReadComponent(const xmlNode* n) {
  BcdComponent c;
  SP_ASSIGN_OR_RETURN(c.type,
                      xml::EnumAttr(n, "componentType", xml::kComponentTypes));
  SP_ASSIGN_OR_RETURN(c.logical_path, xml::RequiredAttr(n, "logicalPath"));
  SP_ASSIGN_OR_RETURN(c.name, xml::RequiredAttr(n, "componentName"));
  c.backup_stamp = xml::Attr(n, "backupStamp");
  c.previous_backup_stamp = xml::Attr(n, "previousBackupStamp");
  c.backup_options = xml::Attr(n, "backupOptions");
  if (xml::HasAttr(n, "backupSucceeded")) {
    SP_ASSIGN_OR_RETURN(c.backup_succeeded,
                        xml::YesNoAttr(n, "backupSucceeded"));
  }
  for (const xmlNode* child : Children(n)) {
    if (NameOf(child) == "BACKUP_METADATA") {
      SP_ASSIGN_OR_RETURN(c.backup_metadata,
                          xml::Base64Attr(child, "metadata"));
    } else if (NameOf(child) == "RESTORE_METADATA") {
      SP_ASSIGN_OR_RETURN(c.restore_metadata,
                          xml::Base64Attr(child, "metadata"));
    }
  }
  return c;
}

Result<WriterComponents> ReadWriter(const xmlNode* n) {
  WriterComponents w;
  SP_ASSIGN_OR_RETURN(w.writer_id, xml::GuidAttr(n, "writerId"));
  SP_ASSIGN_OR_RETURN(w.instance_id, xml::GuidAttr(n, "instanceId"));
  w.instance_name = xml::Attr(n, "instanceName");
  SP_ASSIGN_OR_RETURN(uint64_t schema,
                      xml::UnsignedAttr(n, "backupSchema", kU32));
  w.backup_schema = static_cast<uint32_t>(schema);
  for (const xmlNode* c : Children(n)) {
    SP_ASSIGN_OR_RETURN(BcdComponent component, ReadComponent(c));
    w.components.push_back(std::move(component));
  }
  return w;
}

Result<LunInformation> ReadLun(const xmlNode* lun) {
  std::vector<const xmlNode*> children = Children(lun);
  if (children.size() != 1) {
    return xml::InvalidAt(lun, "expected one LUN_INFORMATION");
  }
  const xmlNode* n = children[0];
  LunInformation l;
  SP_ASSIGN_OR_RETURN(l.array_id, xml::RequiredAttr(n, "arrayId"));
  SP_ASSIGN_OR_RETURN(l.lun_id, xml::RequiredAttr(n, "lunId"));
  SP_ASSIGN_OR_RETURN(l.vendor_id, xml::RequiredAttr(n, "vendorId"));
  SP_ASSIGN_OR_RETURN(l.product_id, xml::RequiredAttr(n, "productId"));
  SP_ASSIGN_OR_RETURN(l.product_revision,
                      xml::RequiredAttr(n, "productRevision"));
  SP_ASSIGN_OR_RETURN(l.serial_number, xml::RequiredAttr(n, "serialNumber"));
  SP_ASSIGN_OR_RETURN(l.unique_id, xml::RequiredAttr(n, "uniqueId"));
  SP_ASSIGN_OR_RETURN(l.size_bytes,
                      xml::UnsignedAttr(n, "sizeBytes", UINT64_MAX));
  return l;
}

Result<SnapshotDescription> ReadSnapshot(const xmlNode* n) {
  SnapshotDescription s;
  SP_ASSIGN_OR_RETURN(s.snapshot_id, xml::GuidAttr(n, "snapshotId"));
  SP_ASSIGN_OR_RETURN(s.provider_id, xml::GuidAttr(n, "providerId"));
  SP_ASSIGN_OR_RETURN(std::string attributes,
                      xml::RequiredAttr(n, "attributes"));
  Result<uint32_t> bits = ParseAttributes(attributes);
  if (!bits.ok()) {
    return xml::InvalidAttr(n, "attributes", bits.status().message());
  }
  s.attributes = *bits;
  SP_ASSIGN_OR_RETURN(s.creation_time_us,
                      xml::TimestampAttr(n, "creationTime"));
  for (const xmlNode* child : Children(n)) {
    if (NameOf(child) == "ORIGINAL_VOLUME") {
      OriginalVolume& v = s.original;
      SP_ASSIGN_OR_RETURN(v.device, xml::RequiredAttr(child, "device"));
      SP_ASSIGN_OR_RETURN(v.mount_point,
                          xml::RequiredAttr(child, "mountPoint"));
      SP_ASSIGN_OR_RETURN(v.fs_type, xml::RequiredAttr(child, "fsType"));
      SP_ASSIGN_OR_RETURN(v.fs_uuid, xml::RequiredAttr(child, "fsUuid"));
    } else if (NameOf(child) == "LUN_MAPPING") {
      std::vector<const xmlNode*> sides = Children(child);
      if (sides.size() != 2) {
        return xml::InvalidAt(child, "expected SOURCE_LUN and DESTINATION_LUN");
      }
      LunMapping m;
      SP_ASSIGN_OR_RETURN(m.source, ReadLun(sides[0]));
      SP_ASSIGN_OR_RETURN(m.destination, ReadLun(sides[1]));
      s.luns.push_back(std::move(m));
    }
  }
  return s;
}

// Rules the schema cannot state exactly: ids compared as values (case-
// insensitive), a context a set can be created in, attribute consistency.
Status CheckSnapshotSet(const xmlNode* n, const SnapshotSetDescription& set) {
  Result<ContextSpec> context =
      ValidateContext(set.context, ContextUse::kCreate);
  if (!context.ok()) {
    return xml::InvalidAttr(n, "context", context.status().message());
  }
  std::set<Guid> ids;
  std::vector<const xmlNode*> nodes = Children(n);
  for (size_t i = 0; i < set.snapshots.size(); ++i) {
    const SnapshotDescription& s = set.snapshots[i];
    if (!ids.insert(s.snapshot_id).second) {
      return xml::InvalidAttr(
          nodes[i], "snapshotId",
          "duplicate snapshot id " + s.snapshot_id.ToString());
    }
    const uint32_t want = context->SnapshotAttributes();
    if ((s.attributes & want) != want) {
      return xml::InvalidAttr(nodes[i], "attributes",
                              "'" + AttributesToString(s.attributes) +
                                  "' lacks '" +
                                  AttributesToString(want & ~s.attributes) +
                                  "' implied by the set's context");
    }
  }
  return Status::Ok();
}

Result<SnapshotSetDescription> ReadSnapshotSet(const xmlNode* n) {
  SnapshotSetDescription set;
  SP_ASSIGN_OR_RETURN(set.snapshot_set_id, xml::GuidAttr(n, "snapshotSetId"));
  SP_ASSIGN_OR_RETURN(uint64_t context, xml::UnsignedAttr(n, "context", kU32));
  set.context = static_cast<uint32_t>(context);
  SP_ASSIGN_OR_RETURN(set.creating_host, xml::RequiredAttr(n, "creatingHost"));
  for (const xmlNode* s : Children(n)) {
    SP_ASSIGN_OR_RETURN(SnapshotDescription snapshot, ReadSnapshot(s));
    set.snapshots.push_back(std::move(snapshot));
  }
  if (set.snapshots.empty() || set.snapshots.size() > kMaxSnapshotsPerSet) {
    return xml::InvalidAt(n, "a snapshot set holds 1 to 64 snapshots");
  }
  SP_RETURN_IF_ERROR(CheckSnapshotSet(n, set));
  return set;
}

void WriteLun(xml::XmlWriter& w, std::string_view side,
              const LunInformation& l) {
  w.Start(side);
  w.Start("LUN_INFORMATION");
  w.Attr("arrayId", l.array_id);
  w.Attr("lunId", l.lun_id);
  w.Attr("vendorId", l.vendor_id);
  w.Attr("productId", l.product_id);
  w.Attr("productRevision", l.product_revision);
  w.Attr("serialNumber", l.serial_number);
  w.Attr("uniqueId", l.unique_id);
  w.AttrUnsigned("sizeBytes", l.size_bytes);
  w.End();
  w.End();
}

void WriteSnapshotSet(xml::XmlWriter& w, const SnapshotSetDescription& set) {
  char context[16];
  std::snprintf(context, sizeof context, "0x%08X", set.context);
  w.Start("SNAPSHOT_SET_DESCRIPTION");
  w.Attr("snapshotSetId", set.snapshot_set_id);
  w.Attr("context", context);
  w.Attr("creatingHost", set.creating_host);
  for (const SnapshotDescription& s : set.snapshots) {
    w.Start("SNAPSHOT_DESCRIPTION");
    w.Attr("snapshotId", s.snapshot_id);
    w.Attr("providerId", s.provider_id);
    w.Attr("attributes", AttributesToString(s.attributes));
    w.Attr("creationTime", FormatUtcTimestamp(s.creation_time_us));
    w.Start("ORIGINAL_VOLUME");
    w.Attr("device", s.original.device);
    w.Attr("mountPoint", s.original.mount_point);
    w.Attr("fsType", s.original.fs_type);
    w.Attr("fsUuid", s.original.fs_uuid);
    w.End();
    for (const LunMapping& m : s.luns) {
      w.Start("LUN_MAPPING");
      WriteLun(w, "SOURCE_LUN", m.source);
      WriteLun(w, "DESTINATION_LUN", m.destination);
      w.End();
    }
    w.End();
  }
  w.End();
}

void WriteComponent(xml::XmlWriter& w, const BcdComponent& c) {
  w.Start("COMPONENT");
  w.Attr("componentType", xml::EnumText(c.type, xml::kComponentTypes));
  w.Attr("logicalPath", c.logical_path);
  w.Attr("componentName", c.name);
  w.AttrIfNotEmpty("backupStamp", c.backup_stamp);
  w.AttrIfNotEmpty("previousBackupStamp", c.previous_backup_stamp);
  w.AttrIfNotEmpty("backupOptions", c.backup_options);
  if (c.backup_succeeded.has_value()) {
    w.AttrYesNo("backupSucceeded", *c.backup_succeeded);
  }
  if (!c.backup_metadata.empty()) {
    w.Start("BACKUP_METADATA");
    w.Attr("metadata", Base64Encode(c.backup_metadata));
    w.End();
  }
  if (!c.restore_metadata.empty()) {
    w.Start("RESTORE_METADATA");
    w.Attr("metadata", Base64Encode(c.restore_metadata));
    w.End();
  }
  w.End();
}

}  // namespace

namespace internal {

Result<BackupComponentsDocument> BcdFromTree(const xmlNode* root) {
  BackupComponentsDocument bcd;
  SP_ASSIGN_OR_RETURN(bcd.backup_type,
                      xml::EnumAttr(root, "backupType", xml::kBackupTypes));
  SP_ASSIGN_OR_RETURN(bcd.select_components,
                      xml::YesNoAttr(root, "selectComponents"));
  SP_ASSIGN_OR_RETURN(bcd.bootable_system_state,
                      xml::YesNoAttr(root, "bootableSystemStateBackup"));
  SP_ASSIGN_OR_RETURN(bcd.partial_file_support,
                      xml::YesNoAttr(root, "partialFileSupport"));
  std::set<Guid> instances;
  for (const xmlNode* n : Children(root)) {
    if (NameOf(n) == "WRITER_COMPONENTS") {
      SP_ASSIGN_OR_RETURN(WriterComponents w, ReadWriter(n));
      if (!instances.insert(w.instance_id).second) {
        return xml::InvalidAttr(
            n, "instanceId",
            "duplicate writer instance " + w.instance_id.ToString());
      }
      bcd.writers.push_back(std::move(w));
    } else if (NameOf(n) == "SNAPSHOT_SET_DESCRIPTION") {
      SP_ASSIGN_OR_RETURN(bcd.snapshot_set, ReadSnapshotSet(n));
    }
  }
  return bcd;
}

}  // namespace internal

Result<BackupComponentsDocument> LoadBcd(std::string_view text) {
  SP_ASSIGN_OR_RETURN(xml::DocPtr doc, xml::ParseUntrusted(text));
  SP_RETURN_IF_ERROR(xml::Validate(doc.get(), xml::Schema::kBcd));
  return internal::BcdFromTree(xmlDocGetRootElement(doc.get()));
}

Result<std::string> SaveBcd(const BackupComponentsDocument& bcd) {
  xml::XmlWriter w;
  w.Start("BACKUP_COMPONENTS");
  w.Attr("xmlns", kBcdNamespace);
  w.Attr("version", "1.0");
  w.Attr("backupType", xml::EnumText(bcd.backup_type, xml::kBackupTypes));
  w.AttrYesNo("selectComponents", bcd.select_components);
  w.AttrYesNo("bootableSystemStateBackup", bcd.bootable_system_state);
  w.AttrYesNo("partialFileSupport", bcd.partial_file_support);
  for (const WriterComponents& writer : bcd.writers) {
    w.Start("WRITER_COMPONENTS");
    w.Attr("writerId", writer.writer_id);
    w.Attr("instanceId", writer.instance_id);
    w.AttrIfNotEmpty("instanceName", writer.instance_name);
    w.AttrUnsigned("backupSchema", writer.backup_schema);
    for (const BcdComponent& c : writer.components) WriteComponent(w, c);
    w.End();
  }
  if (bcd.snapshot_set.has_value()) WriteSnapshotSet(w, *bcd.snapshot_set);
  w.End();
  std::string out = std::move(w).Finish();
  Result<BackupComponentsDocument> check = LoadBcd(out);
  if (!check.ok()) {
    return Status(Code::kInvalidArg,
                  "the backup components break the BCD format: " +
                      check.status().message());
  }
  return out;
}

}  // namespace sp
