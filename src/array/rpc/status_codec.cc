#include "array/rpc/status_codec.h"

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "array/rpc/metadata.h"

namespace sp::array::rpc {
namespace {

std::string HresultText(uint32_t hresult) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", hresult);
  return text;
}

std::optional<std::string> Find(const Trailers& trailers, const char* key) {
  auto it = trailers.find(key);
  if (it == trailers.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

// The code the trailers name, by name first (exact), else by HRESULT.
std::optional<Code> CodeFromTrailers(const Trailers& trailers) {
  if (std::optional<std::string> name = Find(trailers, kCodeKey)) {
    if (std::optional<Code> code = CodeFromName(*name)) return code;
  }
  if (std::optional<std::string> hr = Find(trailers, kHresultKey)) {
    std::string_view text = *hr;
    if (text.starts_with("0x")) text.remove_prefix(2);
    uint32_t value = 0;
    auto [end, err] =
        std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (err == std::errc() && end == text.data() + text.size()) {
      return CodeFromHresult(value);
    }
  }
  return std::nullopt;
}

// A status the transport made (no trailers from the array).
Status FromTransport(const grpc::Status& status) {
  Code code = Code::kUnexpected;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      code = Code::kUnavailable;
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      code = Code::kDeadlineExceeded;
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      code = Code::kUnauthenticated;
      break;
    case grpc::StatusCode::CANCELLED:
      code = Code::kCancelled;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      code = Code::kNotImplemented;
      break;
    default:
      break;
  }
  std::string message = "gRPC " + GrpcCodeName(status.error_code());
  if (!status.error_message().empty()) {
    message += ": " + status.error_message();
  }
  return Status(code, std::move(message));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> StatusTrailers(
    const Status& status) {
  std::vector<std::pair<std::string, std::string>> trailers;
  if (status.code() == Code::kOk) return trailers;
  trailers.emplace_back(kCodeKey, std::string(status.info().name));
  trailers.emplace_back(kHresultKey, HresultText(status.info().hresult));
  // A success with information has no gRPC message to travel in.
  if (status.ok()) trailers.emplace_back(kMessageKey, status.message());
  return trailers;
}

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::string message = status.message().empty()
                                  ? std::string(status.info().what)
                                  : status.message();
  return grpc::Status(static_cast<grpc::StatusCode>(status.info().grpc_code),
                      message);
}

grpc::Status ReplyStatus(const Status& status, grpc::ServerContext* context) {
  for (const auto& [key, value] : StatusTrailers(status)) {
    context->AddTrailingMetadata(key, value);
  }
  return ToGrpcStatus(status);
}

Status FromGrpcStatus(const grpc::Status& status, const Trailers& trailers) {
  std::optional<Code> code = CodeFromTrailers(trailers);
  if (status.ok()) {
    // OK, or OK with information (a VSS_S_ code); a failure code in the
    // trailers of an OK call is not ours to invent.
    if (!code || !Status(*code, "").ok()) return Status::Ok();
    return Status(*code, Find(trailers, kMessageKey).value_or(""));
  }
  if (!code || Status(*code, "").ok()) return FromTransport(status);
  return Status(*code, status.error_message());
}

std::string GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

}  // namespace sp::array::rpc
