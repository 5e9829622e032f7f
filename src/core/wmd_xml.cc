// WMD <-> XML (docs/formats/wmd.xsd).
#include <libxml/tree.h>

#include "shadowport/documents.h"
#include "src/core/xml_enums.h"
#include "src/core/xml_parse.h"
#include "src/core/xml_read.h"
#include "src/core/xml_write.h"

namespace sp {
namespace {

using xml::Children;
using xml::NameOf;

constexpr uint64_t kU32 = 0xFFFFFFFFu;

Result<FileDescriptor> ReadFileSpec(const xmlNode* n) {
  FileDescriptor f;
  SP_ASSIGN_OR_RETURN(f.path, xml::RequiredAttr(n, "path"));
  SP_ASSIGN_OR_RETURN(f.filespec, xml::RequiredAttr(n, "filespec"));
  SP_ASSIGN_OR_RETURN(f.recursive, xml::YesNoAttr(n, "recursive"));
  f.alternate_location = xml::Attr(n, "alternatePath");
  SP_ASSIGN_OR_RETURN(uint64_t mask,
                      xml::UnsignedAttr(n, "filespecBackupType", kU32));
  f.backup_type_mask = static_cast<uint32_t>(mask);
  return f;
}

void WriteFileSpec(xml::XmlWriter& w, std::string_view element,
                   const FileDescriptor& f) {
  w.Start(element);
  w.Attr("path", f.path);
  w.Attr("filespec", f.filespec);
  w.AttrYesNo("recursive", f.recursive);
  w.AttrIfNotEmpty("alternatePath", f.alternate_location);
  w.AttrUnsigned("filespecBackupType", f.backup_type_mask);
  w.End();
}

Result<Dependency> ReadDependency(const xmlNode* n) {
  Dependency d;
  SP_ASSIGN_OR_RETURN(d.writer_id, xml::GuidAttr(n, "writerId"));
  SP_ASSIGN_OR_RETURN(d.logical_path, xml::RequiredAttr(n, "logicalPath"));
  SP_ASSIGN_OR_RETURN(d.component_name, xml::RequiredAttr(n, "componentName"));
  return d;
}

Result<WmdComponent> ReadComponent(const xmlNode* n) {
  WmdComponent c;
  c.type = NameOf(n) == "DATABASE" ? ComponentType::kDatabase
                                   : ComponentType::kFileGroup;
  SP_ASSIGN_OR_RETURN(c.logical_path, xml::RequiredAttr(n, "logicalPath"));
  SP_ASSIGN_OR_RETURN(c.name, xml::RequiredAttr(n, "componentName"));
  SP_ASSIGN_OR_RETURN(c.caption, xml::RequiredAttr(n, "caption"));
  SP_ASSIGN_OR_RETURN(c.restore_metadata, xml::YesNoAttr(n, "restoreMetadata"));
  SP_ASSIGN_OR_RETURN(c.notify_on_backup_complete,
                      xml::YesNoAttr(n, "notifyOnBackupComplete"));
  SP_ASSIGN_OR_RETURN(c.selectable, xml::YesNoAttr(n, "selectable"));
  SP_ASSIGN_OR_RETURN(c.selectable_for_restore,
                      xml::YesNoAttr(n, "selectableForRestore"));
  SP_ASSIGN_OR_RETURN(uint64_t flags,
                      xml::UnsignedAttr(n, "componentFlags", kU32));
  c.flags = static_cast<uint32_t>(flags);
  for (const xmlNode* child : Children(n)) {
    const std::string_view name = NameOf(child);
    if (name == "DEPENDENCY") {
      SP_ASSIGN_OR_RETURN(Dependency d, ReadDependency(child));
      c.dependencies.push_back(std::move(d));
      continue;
    }
    SP_ASSIGN_OR_RETURN(FileDescriptor f, ReadFileSpec(child));
    if (name == "FILE_LIST") {
      c.files.push_back(std::move(f));
    } else if (name == "DATABASE_FILES") {
      c.database_files.push_back(std::move(f));
    } else if (name == "DATABASE_LOGFILES") {
      c.log_files.push_back(std::move(f));
    } else {
      return xml::InvalidAt(child, "unexpected element " + std::string(name));
    }
  }
  return c;
}

Status WriteComponent(xml::XmlWriter& w, const WmdComponent& c) {
  if (c.type == ComponentType::kUndefined) {
    return Status(Code::kInvalidArg, "component '" + c.FullPath() +
                                         "' has no type (database or "
                                         "filegroup)");
  }
  const bool database = c.type == ComponentType::kDatabase;
  if (!database && (!c.database_files.empty() || !c.log_files.empty())) {
    return Status(Code::kInvalidArg, "file group '" + c.FullPath() +
                                         "' cannot have database or log "
                                         "files");
  }
  if (database && !c.files.empty()) {
    return Status(Code::kInvalidArg,
                  "database '" + c.FullPath() +
                      "' lists its files as database and log files");
  }
  w.Start(database ? "DATABASE" : "FILE_GROUP");
  w.Attr("logicalPath", c.logical_path);
  w.Attr("componentName", c.name);
  w.Attr("caption", c.caption);
  w.AttrYesNo("restoreMetadata", c.restore_metadata);
  w.AttrYesNo("notifyOnBackupComplete", c.notify_on_backup_complete);
  w.AttrYesNo("selectable", c.selectable);
  w.AttrYesNo("selectableForRestore", c.selectable_for_restore);
  w.AttrUnsigned("componentFlags", c.flags);
  for (const FileDescriptor& f : c.files) WriteFileSpec(w, "FILE_LIST", f);
  for (const FileDescriptor& f : c.database_files) {
    WriteFileSpec(w, "DATABASE_FILES", f);
  }
  for (const FileDescriptor& f : c.log_files) {
    WriteFileSpec(w, "DATABASE_LOGFILES", f);
  }
  for (const Dependency& d : c.dependencies) {
    w.Start("DEPENDENCY");
    w.Attr("writerId", d.writer_id);
    w.Attr("logicalPath", d.logical_path);
    w.Attr("componentName", d.component_name);
    w.End();
  }
  w.End();
  return Status::Ok();
}

Status ReadIdentity(const xmlNode* n, WriterIdentity* id) {
  SP_ASSIGN_OR_RETURN(id->writer_id, xml::GuidAttr(n, "writerId"));
  SP_ASSIGN_OR_RETURN(id->instance_id, xml::GuidAttr(n, "instanceId"));
  id->instance_name = xml::Attr(n, "instanceName");
  SP_ASSIGN_OR_RETURN(id->writer_name, xml::RequiredAttr(n, "friendlyName"));
  SP_ASSIGN_OR_RETURN(id->usage, xml::EnumAttr(n, "usage", xml::kUsageTypes));
  SP_ASSIGN_OR_RETURN(id->source,
                      xml::EnumAttr(n, "dataSource", xml::kSourceTypes));
  SP_ASSIGN_OR_RETURN(uint64_t major,
                      xml::UnsignedAttr(n, "majorVersion", kU32));
  SP_ASSIGN_OR_RETURN(uint64_t minor,
                      xml::UnsignedAttr(n, "minorVersion", kU32));
  id->version_major = static_cast<uint32_t>(major);
  id->version_minor = static_cast<uint32_t>(minor);
  return Status::Ok();
}

Result<RestoreMethodInfo> ReadRestoreMethod(const xmlNode* n) {
  RestoreMethodInfo r;
  SP_ASSIGN_OR_RETURN(r.method,
                      xml::EnumAttr(n, "method", xml::kRestoreMethods));
  r.service = xml::Attr(n, "service");
  r.user_procedure = xml::Attr(n, "userProcedure");
  SP_ASSIGN_OR_RETURN(r.writer_restore,
                      xml::EnumAttr(n, "writerRestore", xml::kWriterRestores));
  SP_ASSIGN_OR_RETURN(r.reboot_required, xml::YesNoAttr(n, "rebootRequired"));
  return r;
}

Result<AlternateLocationMapping> ReadMapping(const xmlNode* n) {
  AlternateLocationMapping m;
  SP_ASSIGN_OR_RETURN(m.path, xml::RequiredAttr(n, "path"));
  SP_ASSIGN_OR_RETURN(m.filespec, xml::RequiredAttr(n, "filespec"));
  SP_ASSIGN_OR_RETURN(m.recursive, xml::YesNoAttr(n, "recursive"));
  SP_ASSIGN_OR_RETURN(m.destination, xml::RequiredAttr(n, "alternatePath"));
  return m;
}

}  // namespace

namespace internal {

Result<WriterMetadata> WmdFromTree(const xmlNode* root) {
  WriterMetadata wmd;
  SP_ASSIGN_OR_RETURN(uint64_t schema,
                      xml::UnsignedAttr(root, "backupSchema", kU32));
  wmd.backup_schema = static_cast<uint32_t>(schema);
  for (const xmlNode* n : Children(root)) {
    const std::string_view name = NameOf(n);
    if (name == "IDENTIFICATION") {
      SP_RETURN_IF_ERROR(ReadIdentity(n, &wmd.identity));
    } else if (name == "INCLUDE_FILES" || name == "EXCLUDE_FILES" ||
               name == "EXCLUDE_FILES_FROM_SNAPSHOT") {
      SP_ASSIGN_OR_RETURN(FileDescriptor f, ReadFileSpec(n));
      auto& list = name == "INCLUDE_FILES"   ? wmd.include_files
                   : name == "EXCLUDE_FILES" ? wmd.exclude_files
                                             : wmd.exclude_from_snapshot;
      list.push_back(std::move(f));
    } else if (name == "RESTORE_METHOD") {
      SP_ASSIGN_OR_RETURN(wmd.restore_method, ReadRestoreMethod(n));
    } else if (name == "ALTERNATE_LOCATION_MAPPING") {
      SP_ASSIGN_OR_RETURN(AlternateLocationMapping m, ReadMapping(n));
      wmd.alternate_location_mappings.push_back(std::move(m));
    } else if (name == "BACKUP_LOCATIONS") {
      for (const xmlNode* c : Children(n)) {
        SP_ASSIGN_OR_RETURN(WmdComponent component, ReadComponent(c));
        wmd.components.push_back(std::move(component));
      }
    } else {
      return xml::InvalidAt(n, "unexpected element " + std::string(name));
    }
  }
  return wmd;
}

}  // namespace internal

Result<WriterMetadata> LoadWmd(std::string_view text) {
  SP_ASSIGN_OR_RETURN(xml::DocPtr doc, xml::ParseUntrusted(text));
  SP_RETURN_IF_ERROR(xml::Validate(doc.get(), xml::Schema::kWmd));
  return internal::WmdFromTree(xmlDocGetRootElement(doc.get()));
}

Result<std::string> SaveWmd(const WriterMetadata& wmd) {
  xml::XmlWriter w;
  w.Start("WRITER_METADATA");
  w.Attr("xmlns", kWmdNamespace);
  w.Attr("version", "1.0");
  w.AttrUnsigned("backupSchema", wmd.backup_schema);

  const WriterIdentity& id = wmd.identity;
  w.Start("IDENTIFICATION");
  w.Attr("writerId", id.writer_id);
  w.Attr("instanceId", id.instance_id);
  w.AttrIfNotEmpty("instanceName", id.instance_name);
  w.Attr("friendlyName", id.writer_name);
  w.Attr("usage", xml::EnumText(id.usage, xml::kUsageTypes));
  w.Attr("dataSource", xml::EnumText(id.source, xml::kSourceTypes));
  w.AttrUnsigned("majorVersion", id.version_major);
  w.AttrUnsigned("minorVersion", id.version_minor);
  w.End();

  for (const FileDescriptor& f : wmd.include_files) {
    WriteFileSpec(w, "INCLUDE_FILES", f);
  }
  for (const FileDescriptor& f : wmd.exclude_files) {
    WriteFileSpec(w, "EXCLUDE_FILES", f);
  }
  for (const FileDescriptor& f : wmd.exclude_from_snapshot) {
    WriteFileSpec(w, "EXCLUDE_FILES_FROM_SNAPSHOT", f);
  }
  if (const auto& r = wmd.restore_method) {
    w.Start("RESTORE_METHOD");
    w.Attr("method", xml::EnumText(r->method, xml::kRestoreMethods));
    w.AttrIfNotEmpty("service", r->service);
    w.AttrIfNotEmpty("userProcedure", r->user_procedure);
    w.Attr("writerRestore",
           xml::EnumText(r->writer_restore, xml::kWriterRestores));
    w.AttrYesNo("rebootRequired", r->reboot_required);
    w.End();
  }
  for (const AlternateLocationMapping& m : wmd.alternate_location_mappings) {
    w.Start("ALTERNATE_LOCATION_MAPPING");
    w.Attr("path", m.path);
    w.Attr("filespec", m.filespec);
    w.AttrYesNo("recursive", m.recursive);
    w.Attr("alternatePath", m.destination);
    w.End();
  }
  w.Start("BACKUP_LOCATIONS");
  for (const WmdComponent& c : wmd.components) {
    SP_RETURN_IF_ERROR(WriteComponent(w, c));
  }
  w.End();
  w.End();
  std::string out = std::move(w).Finish();
  // Nothing invalid leaves a host: check the bytes as a receiver would.
  Result<WriterMetadata> check = LoadWmd(out);
  if (!check.ok()) {
    return Status(Code::kInvalidArg,
                  "the writer metadata breaks the WMD format: " +
                      check.status().message());
  }
  return out;
}

}  // namespace sp
