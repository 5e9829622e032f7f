#include "shadowport/status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace sp {
namespace {

constexpr CodeInfo kTable[] = {
#define SP_CODE(sym, name, hr, retry, exit, grpc, what) \
  {Code::sym, name, hr, Retry::retry, exit, grpc, what},
#include "shadowport/code_list.inc"
#undef SP_CODE
};

}  // namespace

std::span<const CodeInfo> AllCodes() { return kTable; }

const CodeInfo& InfoOf(Code code) { return kTable[static_cast<size_t>(code)]; }

std::optional<Code> CodeFromName(std::string_view name) {
  for (const CodeInfo& info : kTable) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

std::optional<Code> CodeFromHresult(uint32_t hresult) {
  for (const CodeInfo& info : kTable) {
    if (info.hresult == hresult) return info.code;
  }
  return std::nullopt;
}

Status& Status::WithContext(std::string_view context) & {
  message_ = message_.empty() ? std::string(context)
                              : std::string(context) + ": " + message_;
  return *this;
}

Status&& Status::WithContext(std::string_view context) && {
  WithContext(context);
  return std::move(*this);
}

std::string Status::ToString() const {
  const CodeInfo& i = info();
  char hr[16];
  std::snprintf(hr, sizeof hr, "0x%08X", i.hresult);
  std::string out = std::string(i.name) + " (" + hr + "): ";
  out += message_.empty() ? std::string(i.what) : message_;
  return out;
}

Status FromErrno(int err, std::string_view what) {
  Code code;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENXIO:
    case ENODEV:
      code = Code::kObjectNotFound;
      break;
    case EEXIST:
      code = Code::kObjectAlreadyExists;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = Code::kAccessDeniedLocal;
      break;
    case EXDEV:
    case ELOOP:
      code = Code::kPathEscape;
      break;
    case ENOMEM:
      code = Code::kOutOfMemory;
      break;
    case ENOSPC:
    case EDQUOT:
      code = Code::kInsufficientStorage;
      break;
    case EBUSY:
      code = Code::kVolumeInUse;
      break;
    case EINVAL:
      code = Code::kInvalidArg;
      break;
    case EOPNOTSUPP:
    case ENOSYS:
      code = Code::kNotSupported;
      break;
    case ETIMEDOUT:
      code = Code::kDeadlineExceeded;
      break;
    default:
      code = Code::kIoError;
  }
  return Status(code, std::string(what) + ": " + std::strerror(err));
}

}  // namespace sp
