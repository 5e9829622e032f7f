#include "service/proto_convert.h"

#include <cstdio>

namespace sp::service {

void ToProtoError(const Status& status, pb::Error* error) {
  char hresult[16];
  std::snprintf(hresult, sizeof(hresult), "0x%08X", status.info().hresult);
  error->set_code(std::string(status.info().name));
  error->set_hresult(hresult);
  error->set_message(status.message());
}

Status FromProtoError(const pb::Error& error) {
  if (error.code().empty()) return Status::Ok();
  std::optional<Code> code = CodeFromName(error.code());
  if (!code) {
    return Status(Code::kInternal,
                  "the service answered with an unknown code " + error.code() +
                      ": " + error.message());
  }
  return Status(*code, error.message());
}

void ToProtoLun(const LunInformation& lun, pb::LunIdentity* out) {
  out->set_array_id(lun.array_id);
  out->set_lun_id(lun.lun_id);
  out->set_vendor_id(lun.vendor_id);
  out->set_product_id(lun.product_id);
  out->set_product_revision(lun.product_revision);
  out->set_serial_number(lun.serial_number);
  out->set_unique_id(lun.unique_id);
  out->set_size_bytes(lun.size_bytes);
}

LunInformation FromProtoLun(const pb::LunIdentity& lun) {
  LunInformation out;
  out.array_id = lun.array_id();
  out.lun_id = lun.lun_id();
  out.vendor_id = lun.vendor_id();
  out.product_id = lun.product_id();
  out.product_revision = lun.product_revision();
  out.serial_number = lun.serial_number();
  out.unique_id = lun.unique_id();
  out.size_bytes = lun.size_bytes();
  return out;
}

namespace {
struct TypeName {
  BackupType type;
  const char* name;
};
constexpr TypeName kTypes[] = {
    {BackupType::kFull, "full"},
    {BackupType::kIncremental, "incremental"},
    {BackupType::kDifferential, "differential"},
    {BackupType::kLog, "log"},
    {BackupType::kCopy, "copy"},
    {BackupType::kOther, "other"},
    {BackupType::kUndefined, "undefined"},
};
}  // namespace

std::string BackupTypeName(BackupType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "undefined";
}

Result<BackupType> ParseBackupType(const std::string& name) {
  for (const TypeName& t : kTypes) {
    if (name == t.name) return t.type;
  }
  return Status(Code::kInvalidArg,
                "backup type \"" + name +
                    "\" is not one of full, incremental, differential, log, "
                    "copy, other");
}

}  // namespace sp::service
