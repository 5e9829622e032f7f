// PostgreSQL WAL file names, as src/include/access/xlog_internal.h of
// PostgreSQL 15 defines them, and the rule pg_archivecleanup uses to decide
// which archived files are older than a given segment.
//
// A segment file name is 24 upper-case hex digits: timeline (8), then the
// segment number split in "log" (8) and "seg" (8) parts. The archive also
// holds "<segment>.partial", "<segment>.<offset>.backup" (backup history)
// and "<timeline>.history" files.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_WRITERS_POSTGRES_WAL_NAMES_H_
#define SHADOWPORT_WRITERS_POSTGRES_WAL_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sp::postgres {

inline constexpr size_t kWalFileNameLength = 24;

// IsXLogFileName: exactly 24 characters of [0-9A-F].
bool IsWalSegmentName(std::string_view name);
// IsPartialXLogFileName: a segment name followed by ".partial".
bool IsPartialWalSegmentName(std::string_view name);
// IsBackupHistoryFileName: segment name, '.', 8 hex digits, ".backup".
bool IsBackupHistoryName(std::string_view name);
// IsTLHistoryFileName: 8 hex digits followed by ".history".
bool IsTimelineHistoryName(std::string_view name);

// pg_archivecleanup's rule: `name` (a segment or partial segment name; any
// other file is never removed) is older than `oldest_kept` (a segment name)
// when its log+seg part (the last 16 digits) sorts before oldest_kept's.
// The timeline is ignored on purpose, as pg_archivecleanup does: a segment
// of a parent timeline with a lower number may still be needed by a child
// timeline's recovery only if its number is >= the kept one.
// REQUIRES: IsWalSegmentName(oldest_kept).
bool IsOlderWalFile(std::string_view name, std::string_view oldest_kept);

// A segment name taken apart.
struct WalSegment {
  uint32_t timeline = 0;
  uint64_t segment_number = 0;  // log * segments_per_id + seg
};

// The segments of `segment_size` bytes (a power of two from 1 MiB to 1 GiB)
// in one 4 GiB "log id": 256 for the default 16 MiB.
uint64_t SegmentsPerLogId(uint64_t segment_size);
bool IsValidSegmentSize(uint64_t segment_size);

// Parses a segment name; nullopt if it is not one, or if its seg part is
// out of range for `segment_size`.
std::optional<WalSegment> ParseWalSegmentName(std::string_view name,
                                              uint64_t segment_size);
// XLogFileName: the name of `segment`.
std::string WalSegmentName(const WalSegment& segment, uint64_t segment_size);

// An LSN as PostgreSQL prints it ("0/3000028": two hex numbers).
std::optional<uint64_t> ParseLsn(std::string_view text);

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_WAL_NAMES_H_
