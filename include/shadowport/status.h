// Status and Result<T>: how every shadowport call reports failure.
//
// A Status is a cheap value: a Code from the one code table
// (code_list.inc) plus a human message that each layer may prefix with its
// context ("loading bcd.xml: line 3: ..."). The code carries everything a
// caller may act on: the VSS name and HRESULT, what to retry, the CLI exit code
// and the gRPC status. errno becomes a Status only in FromErrno().
//
// Thread safety: values; no shared state.
#ifndef SHADOWPORT_STATUS_H_
#define SHADOWPORT_STATUS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sp {

enum class Code : uint16_t {
#define SP_CODE(sym, name, hr, retry, exit, grpc, what) sym,
#include "shadowport/code_list.inc"
#undef SP_CODE
};

// What the caller should do about a failure.
enum class Retry : uint8_t {
  kNone,       // success: nothing to do
  kPermanent,  // the same call will fail again; fix the input or the setup
  kTransient,  // retry soon (busy, unreachable, in progress)
  kBackoff,    // VSS: wait ten minutes and retry, up to three times
};

struct CodeInfo {
  Code code;
  std::string_view name;  // "VSS_E_INVALID_XML_DOCUMENT"
  uint32_t hresult;
  Retry retry;
  int exit_code;  // shadowport CLI exit code
  int grpc_code;  // grpc::StatusCode value
  std::string_view what;
};

// The whole table, in declaration order.
std::span<const CodeInfo> AllCodes();
const CodeInfo& InfoOf(Code code);
std::optional<Code> CodeFromName(std::string_view name);
std::optional<Code> CodeFromHresult(uint32_t hresult);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  // True for success codes, including "success with information" such as
  // VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED (HRESULT SUCCEEDED semantics).
  bool ok() const { return (InfoOf(code_).hresult & 0x80000000u) == 0; }
  Code code() const { return code_; }
  const CodeInfo& info() const { return InfoOf(code_); }
  const std::string& message() const { return message_; }

  // Prefixes the message with a layer's context: "ctx: message".
  Status&& WithContext(std::string_view context) &&;
  Status& WithContext(std::string_view context) &;

  // "VSS_E_INVALID_XML_DOCUMENT (0x80042311): line 3: ..."
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// The one place errno becomes a Status: ENOENT/ENOTDIR/ENXIO/ENODEV ->
// VSS_E_OBJECT_NOT_FOUND, EEXIST -> VSS_E_OBJECT_ALREADY_EXISTS,
// EACCES/EPERM -> E_ACCESSDENIED, EXDEV/ELOOP (escaping resolution) ->
// SP_E_PATH_ESCAPE, ENOMEM -> E_OUTOFMEMORY, ENOSPC ->
// VSS_E_INSUFFICIENT_STORAGE, EBUSY -> VSS_E_VOLUME_IN_USE, others -> SP_E_IO.
// The message names `what` and strerror(err).
Status FromErrno(int err, std::string_view what);

// Result<T>: a T or a failed Status. REQUIRES: a Status given to it is not ok.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const& {
    static const Status kOkStatus;
    return ok() ? kOkStatus : *Checked(std::get_if<Status>(&v_));
  }
  Status status() && {
    return ok() ? Status() : std::move(*Checked(std::get_if<Status>(&v_)));
  }

  // REQUIRES: ok(). Never throws (a violated REQUIRES is a bug: it traps).
  T& value() & { return *Checked(std::get_if<T>(&v_)); }
  const T& value() const& { return *Checked(std::get_if<T>(&v_)); }
  T&& value() && { return std::move(*Checked(std::get_if<T>(&v_))); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  template <typename P>
  static P* Checked(P* p) noexcept {
    if (p == nullptr) __builtin_trap();
    return p;
  }

  std::variant<T, Status> v_;
};

}  // namespace sp

// Returns early from the enclosing function with a failed Status.
#define SP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::sp::Status sp_status_ = (expr);        \
    if (!sp_status_.ok()) return sp_status_; \
  } while (0)

#define SP_CONCAT_INNER_(a, b) a##b
#define SP_CONCAT_(a, b) SP_CONCAT_INNER_(a, b)
// SP_ASSIGN_OR_RETURN(auto x, Fn()); assigns the value or returns the Status.
#define SP_ASSIGN_OR_RETURN(lhs, expr) \
  SP_ASSIGN_OR_RETURN_IMPL_(SP_CONCAT_(sp_result_, __LINE__), lhs, expr)
#define SP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

#endif  // SHADOWPORT_STATUS_H_
