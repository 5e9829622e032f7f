// LUN identity: what the array derives from a LUN id, and the LUN file names.
//
// For LUN id N on an array whose id is A:
//   name    "lun-%06d"                    e.g. "lun-000007"
//   file    name + ".img"                 in <pool_dir>/luns/
//   serial  "SP" + T + N as 10 digits     T = 8 upper-case hex digits of
//                                         SHA-256(A), the array tag
//   naa     "naa.6" + 15 hex digits of SHA-256(A) + N as 16 hex digits
//           (NAA 6, IEEE registered extended: the OUI and vendor-specific
//           fields carry the array's digest, the 64-bit extension the id)
//   vendor "SHADOWPT", product "EMBEDDED LUN", revision "0001".
// Ids are never reused (SQLite AUTOINCREMENT), so neither are these. The
// catalogue stores what was issued, so a later change of this derivation does
// not change existing LUNs.
//
// Thread safety: free functions.
#ifndef SHADOWPORT_ARRAY_IDENTITY_H_
#define SHADOWPORT_ARRAY_IDENTITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::array {

inline constexpr std::string_view kVendorId = "SHADOWPT";
inline constexpr std::string_view kProductId = "EMBEDDED LUN";
inline constexpr std::string_view kProductRevision = "0001";

struct LunIdentity {
  std::string name;
  std::string serial;
  std::string naa;
};

// REQUIRES: lun_id > 0.
Result<LunIdentity> DeriveIdentity(const Guid& array_id, uint64_t lun_id);

// "lun-000007.img".
std::string LunFileName(uint64_t lun_id);
// The id in a LUN file name, or nullopt for any other name.
std::optional<uint64_t> ParseLunFileName(std::string_view file_name);

// True for "naa.6" followed by 31 hex digits (any case).
bool IsWellFormedNaa(std::string_view naa);
// Lower-cases ASCII letters, so lookups match whatever case a BCD carries.
std::string CanonicalNaa(std::string_view naa);

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_IDENTITY_H_
