// What every document fuzz target checks: loading hostile bytes either fails
// with VSS_E_INVALID_XML_DOCUMENT or yields a model that saves, reloads to
// the same model and saves again to the very same bytes (documents.h: "save
// -> load -> save is byte-identical"). Any other outcome aborts, which
// libFuzzer reports as a crash with the input that caused it.
#ifndef SHADOWPORT_TESTS_FUZZ_ROUND_TRIP_H_
#define SHADOWPORT_TESTS_FUZZ_ROUND_TRIP_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::fuzz {

[[noreturn]] inline void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "round trip: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

// Load: Result<Doc>(std::string_view); Save: Result<std::string>(const Doc&).
template <typename Load, typename Save>
void CheckLoadAndRoundTrip(std::string_view input, Load load, Save save) {
  auto first = load(input);
  if (!first.ok()) {
    if (first.status().code() != Code::kInvalidXmlDocument) {
      Fail("load failed with a code other than VSS_E_INVALID_XML_DOCUMENT",
           first.status());
    }
    return;
  }
  Result<std::string> saved = save(*first);
  if (!saved.ok()) Fail("saving a loaded document failed", saved.status());
  auto second = load(*saved);
  if (!second.ok()) Fail("reloading a saved document failed", second.status());
  if (!(*second == *first)) {
    Fail("the reloaded model differs from the loaded one", Status::Ok());
  }
  Result<std::string> resaved = save(*second);
  if (!resaved.ok())
    Fail("saving a reloaded document failed", resaved.status());
  if (*resaved != *saved) {
    Fail("save -> load -> save is not byte-identical", Status::Ok());
  }
}

}  // namespace sp::fuzz

#endif  // SHADOWPORT_TESTS_FUZZ_ROUND_TRIP_H_
