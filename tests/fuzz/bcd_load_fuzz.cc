// libFuzzer target: sp::LoadBcd on hostile bytes, and the save/reload round
// trip of whatever it accepts (round_trip.h). Seeds: corpus/bcd.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "round_trip.h"
#include "shadowport/documents.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sp::fuzz::CheckLoadAndRoundTrip(
      std::string_view(reinterpret_cast<const char*>(data), size),
      [](std::string_view xml) { return sp::LoadBcd(xml); },
      [](const sp::BackupComponentsDocument& bcd) { return sp::SaveBcd(bcd); });
  return 0;
}
