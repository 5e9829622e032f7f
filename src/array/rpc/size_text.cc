#include "array/rpc/size_text.h"

#include <cstdint>
#include <cstdio>
#include <iterator>

namespace sp::array::rpc {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB << 10;
constexpr uint64_t kGiB = kMiB << 10;
constexpr uint64_t kTiB = kGiB << 10;
constexpr uint64_t kPiB = kTiB << 10;
constexpr uint64_t kKB = 1000;
constexpr uint64_t kMB = kKB * kKB;
constexpr uint64_t kGB = kMB * kKB;
constexpr uint64_t kTB = kGB * kKB;
constexpr uint64_t kPB = kTB * kKB;

constexpr Unit kUnits[] = {
    {"", 1},       {"B", 1},      {"K", kKiB},   {"KiB", kKiB}, {"KB", kKB},
    {"M", kMiB},   {"MiB", kMiB}, {"MB", kMB},   {"G", kGiB},   {"GiB", kGiB},
    {"GB", kGB},   {"T", kTiB},   {"TiB", kTiB}, {"TB", kTB},   {"P", kPiB},
    {"PiB", kPiB}, {"PB", kPB},
};

Status Bad(std::string_view text, std::string_view why) {
  return Status(Code::kInvalidArg, "size \"" + std::string(text.substr(0, 40)) +
                                       "\": " + std::string(why));
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  std::string_view rest = text;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);

  // Whole part, then an optional fraction.
  uint64_t whole = 0;
  size_t i = 0;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
    if (whole > (UINT64_MAX - 9) / 10) return Bad(text, "too large");
    whole = whole * 10 + static_cast<uint64_t>(rest[i] - '0');
  }
  if (i == 0) return Bad(text, "expected a number, e.g. 10G");
  uint64_t frac = 0;
  uint64_t frac_scale = 1;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    const size_t start = i;
    for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
      if (frac_scale >= 1000) return Bad(text, "more than three decimals");
      frac = frac * 10 + static_cast<uint64_t>(rest[i] - '0');
      frac_scale *= 10;
    }
    if (i == start) return Bad(text, "expected digits after the point");
  }
  std::string_view suffix = rest.substr(i);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);

  for (const Unit& unit : kUnits) {
    if (unit.suffix != suffix) continue;
    if (frac_scale > 1 && unit.factor == 1) {
      return Bad(text, "a fraction of a byte");
    }
    if (whole > UINT64_MAX / unit.factor) return Bad(text, "too large");
    uint64_t bytes = whole * unit.factor;
    // frac / frac_scale of the unit: frac < 1000 and factor <= 2^50, so the
    // product fits.
    const uint64_t part = frac * unit.factor;
    if (part % frac_scale != 0) return Bad(text, "not a whole number of bytes");
    const uint64_t extra = part / frac_scale;
    if (bytes > UINT64_MAX - extra) return Bad(text, "too large");
    return bytes + extra;
  }
  return Bad(text, "unknown unit (use K, M, G, T, P, KiB..., KB...)");
}

std::string FormatSize(uint64_t bytes) {
  static constexpr const char* kNames[] = {"B",   "KiB", "MiB", "GiB",
                                           "TiB", "PiB", "EiB"};
  size_t unit = 0;
  uint64_t scale = 1;
  while (unit + 1 < std::size(kNames) && bytes / scale >= 1024) {
    scale *= 1024;
    ++unit;
  }
  if (bytes % scale == 0) {
    return std::to_string(bytes / scale) + " " + kNames[unit];
  }
  char text[48];
  std::snprintf(text, sizeof text, "%.2f %s",
                static_cast<double>(bytes) / static_cast<double>(scale),
                kNames[unit]);
  return text;
}

}  // namespace sp::array::rpc
