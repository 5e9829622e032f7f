// Text encodings shared by the documents, the CLI and the service: base64
// for opaque bytes, and UTC timestamps with microseconds in the one form the
// BCD uses ("2026-11-24T23:53:45.123456Z").
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_ENCODING_H_
#define SHADOWPORT_ENCODING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sp {

// RFC 4648 base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Whitespace inside the text is ignored; nullopt on any other character
// outside the alphabet or on bad padding.
std::optional<std::string> Base64Decode(std::string_view text);

// The wall clock now, in microseconds since the Unix epoch (UTC).
int64_t NowUtcMicros();

// Microseconds since the Unix epoch -> "YYYY-MM-DDThh:mm:ss.uuuuuuZ".
// Years outside 0..9999 have no such form: "<N> us since the epoch".
std::string FormatUtcTimestamp(int64_t unix_us);
// Exactly the form above (a real calendar date); nullopt otherwise.
std::optional<int64_t> ParseUtcTimestamp(std::string_view text);

}  // namespace sp

#endif  // SHADOWPORT_ENCODING_H_
