// Guid: the 128-bit identifiers of shadowport (snapshot, snapshot set, writer
// class and instance, provider, LUN unique id), in VSS's text form
// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (lowercase hex).
//
// New ids come from the kernel CSPRNG (getrandom), as RFC 9562 version-4
// UUIDs. Thread safety: values.
#ifndef SHADOWPORT_GUID_H_
#define SHADOWPORT_GUID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp {

class Guid {
 public:
  constexpr Guid() = default;  // GUID_NULL
  explicit constexpr Guid(const std::array<uint8_t, 16>& bytes)
      : bytes_(bytes) {}

  // A fresh random version-4 id. Fails only if the kernel CSPRNG fails.
  static Result<Guid> Random();

  // The name-based version-5 id of `name` in `name_space` (RFC 9562 5.5:
  // SHA-1 of the namespace's bytes and the name): the same inputs give the
  // same id on every host and run, e.g. a writer instance id derived from
  // its data directory.
  static Guid FromName(const Guid& name_space, std::string_view name);

  // Accepts the braced form, and the bare form ("xxxxxxxx-...") that VSS's
  // own XML uses; hex digits in either case. Anything else is E_INVALIDARG.
  static Result<Guid> Parse(std::string_view text);

  bool IsNull() const { return *this == Guid(); }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  std::string ToString() const;      // "{...}"
  std::string ToBareString() const;  // without braces

  friend constexpr auto operator<=>(const Guid&, const Guid&) = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace sp

template <>
struct std::hash<sp::Guid> {
  size_t operator()(const sp::Guid& g) const noexcept {
    size_t h = 0;
    for (uint8_t b : g.bytes()) h = h * 131 + b;
    return h;
  }
};

#endif  // SHADOWPORT_GUID_H_
