#include "writers/postgres/wal_names.h"

#include <cstdio>

namespace sp::postgres {
namespace {

bool IsUpperHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// Case-insensitive hex, as PostgreSQL prints LSNs ("0/16B3D48").
std::optional<uint64_t> ParseHex32(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<uint64_t>(digit);
  }
  return value;
}

}  // namespace

bool IsWalSegmentName(std::string_view name) {
  return name.size() == kWalFileNameLength && IsUpperHex(name);
}

bool IsPartialWalSegmentName(std::string_view name) {
  constexpr std::string_view kSuffix = ".partial";
  return name.size() == kWalFileNameLength + kSuffix.size() &&
         IsUpperHex(name.substr(0, kWalFileNameLength)) &&
         name.substr(kWalFileNameLength) == kSuffix;
}

bool IsBackupHistoryName(std::string_view name) {
  constexpr std::string_view kSuffix = ".backup";
  return name.size() == kWalFileNameLength + 1 + 8 + kSuffix.size() &&
         IsUpperHex(name.substr(0, kWalFileNameLength)) &&
         name[kWalFileNameLength] == '.' &&
         IsUpperHex(name.substr(kWalFileNameLength + 1, 8)) &&
         name.substr(kWalFileNameLength + 9) == kSuffix;
}

bool IsTimelineHistoryName(std::string_view name) {
  constexpr std::string_view kSuffix = ".history";
  return name.size() == 8 + kSuffix.size() && IsUpperHex(name.substr(0, 8)) &&
         name.substr(8) == kSuffix;
}

bool IsOlderWalFile(std::string_view name, std::string_view oldest_kept) {
  if (!IsWalSegmentName(name) && !IsPartialWalSegmentName(name)) return false;
  // strcmp(walfile + 8, exclusiveCleanupFileName + 8) < 0, with the
  // ".partial" suffix trimmed first: compare the 16 digits of log and seg.
  return name.substr(8, 16) < oldest_kept.substr(8, 16);
}

bool IsValidSegmentSize(uint64_t segment_size) {
  return segment_size >= (uint64_t{1} << 20) &&
         segment_size <= (uint64_t{1} << 30) &&
         (segment_size & (segment_size - 1)) == 0;
}

uint64_t SegmentsPerLogId(uint64_t segment_size) {
  return (uint64_t{1} << 32) / segment_size;
}

std::optional<WalSegment> ParseWalSegmentName(std::string_view name,
                                              uint64_t segment_size) {
  if (!IsWalSegmentName(name) || !IsValidSegmentSize(segment_size)) {
    return std::nullopt;
  }
  const auto tli = ParseHex32(name.substr(0, 8));
  const auto log = ParseHex32(name.substr(8, 8));
  const auto seg = ParseHex32(name.substr(16, 8));
  const uint64_t per_id = SegmentsPerLogId(segment_size);
  if (!tli || !log || !seg || *seg >= per_id) return std::nullopt;
  return WalSegment{static_cast<uint32_t>(*tli), *log * per_id + *seg};
}

std::string WalSegmentName(const WalSegment& segment, uint64_t segment_size) {
  const uint64_t per_id = SegmentsPerLogId(segment_size);
  char buf[kWalFileNameLength + 1];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X",
                static_cast<unsigned>(segment.timeline),
                static_cast<unsigned>(segment.segment_number / per_id),
                static_cast<unsigned>(segment.segment_number % per_id));
  return buf;
}

std::optional<uint64_t> ParseLsn(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto hi = ParseHex32(text.substr(0, slash));
  const auto lo = ParseHex32(text.substr(slash + 1));
  if (!hi || !lo) return std::nullopt;
  return (*hi << 32) | *lo;
}

}  // namespace sp::postgres
