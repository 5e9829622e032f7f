// Document benchmark: how long loading (parse + schema validation + model)
// and saving a large BCD and WMD take, next to a plain libxml2 parse of the
// same bytes measured in the same run. Target: BCD load+validate < 50 ms for
// 1,000 components and 64 snapshots. Not a test: run it by hand
// (bench/README.md); it exits 1 only if a document fails to save or load.
#include <libxml/parser.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "shadowport/context.h"
#include "shadowport/documents.h"

namespace {

constexpr int kWriters = 10;
constexpr int kComponentsPerWriter = 100;  // 1,000 components
constexpr int kSnapshots = 64;
constexpr int kWmdComponents = 100;
constexpr int kFilesPerWmdComponent = 180;  // about 2 MB of FILE_LIST
constexpr double kBcdTargetMs = 50.0;

sp::Guid MakeGuid(uint32_t kind, uint32_t n) {
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 4; ++i) {
    b[i] = static_cast<uint8_t>(kind >> (24 - 8 * i));
    b[12 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  }
  b[6] = 0x40;
  b[8] = 0x80;
  return sp::Guid(b);
}

std::string NaaId(uint32_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "naa.6%031x", n);
  return buf;
}

sp::LunInformation Lun(uint32_t n) {
  sp::LunInformation lun;
  lun.array_id = "{5a0e1f00-0000-4000-8000-00000000a11a}";
  lun.lun_id = std::to_string(n);
  lun.vendor_id = "SHADOWPT";
  lun.product_id = "ARRAYD LUN";
  lun.product_revision = "0001";
  lun.serial_number = "SP" + std::to_string(100000 + n);
  lun.unique_id = NaaId(n);
  lun.size_bytes = 64ull << 30;
  return lun;
}

sp::BackupComponentsDocument MakeBcd() {
  sp::BackupComponentsDocument bcd;
  for (int w = 0; w < kWriters; ++w) {
    sp::WriterComponents writer;
    writer.writer_id = MakeGuid(1, w);
    writer.instance_id = MakeGuid(2, w);
    writer.instance_name = "instance " + std::to_string(w);
    for (int c = 0; c < kComponentsPerWriter; ++c) {
      sp::BcdComponent component;
      component.type =
          c % 2 ? sp::ComponentType::kDatabase : sp::ComponentType::kFileGroup;
      component.logical_path = "Writer" + std::to_string(w) + "\\Group";
      component.name = "component-" + std::to_string(c);
      component.backup_stamp = "lsn 0/" + std::to_string(3000000 + c);
      component.backup_metadata = std::string(48, static_cast<char>(c));
      component.backup_succeeded = true;
      writer.components.push_back(std::move(component));
    }
    bcd.writers.push_back(std::move(writer));
  }
  sp::SnapshotSetDescription set;
  set.snapshot_set_id = MakeGuid(3, 0);
  set.context =
      static_cast<uint32_t>(sp::Context::kBackup) | sp::attr::kTransportable;
  set.creating_host = "systemone.example";
  for (int s = 0; s < kSnapshots; ++s) {
    sp::SnapshotDescription snapshot;
    snapshot.snapshot_id = MakeGuid(4, s);
    snapshot.provider_id = MakeGuid(5, 0);
    snapshot.attributes = sp::attr::kTransportable |
                          sp::attr::kHardwareAssisted | sp::attr::kNotSurfaced;
    snapshot.creation_time_us = 1714557600000000 + s;
    snapshot.original = {"/dev/loop" + std::to_string(s),
                         "/srv/vol" + std::to_string(s), "xfs",
                         MakeGuid(6, s).ToBareString()};
    snapshot.luns.push_back({Lun(s), Lun(1000 + s)});
    set.snapshots.push_back(std::move(snapshot));
  }
  bcd.snapshot_set = std::move(set);
  return bcd;
}

sp::WriterMetadata MakeWmd() {
  sp::WriterMetadata wmd;
  wmd.identity.writer_id = MakeGuid(7, 0);
  wmd.identity.instance_id = MakeGuid(8, 0);
  wmd.identity.writer_name = "bench writer";
  for (int c = 0; c < kWmdComponents; ++c) {
    sp::WmdComponent component;
    component.logical_path = "Bench";
    component.name = "group-" + std::to_string(c);
    component.caption = "file group " + std::to_string(c);
    component.selectable = true;
    for (int f = 0; f < kFilesPerWmdComponent; ++f) {
      sp::FileDescriptor file;
      file.path =
          "/srv/data/group-" + std::to_string(c) + "/dir-" + std::to_string(f);
      file.filespec = "*.db";
      file.recursive = f % 2 == 0;
      component.files.push_back(std::move(file));
    }
    wmd.components.push_back(std::move(component));
  }
  return wmd;
}

struct Timing {
  double median_ms;
  double min_ms;
  int runs;
};

// Runs `fn` at least 5 times and for at least half a second (at most 200
// runs), after one warm-up run.
Timing Measure(const std::function<bool()>& fn) {
  using Clock = std::chrono::steady_clock;
  if (!fn()) return {-1, -1, 0};
  std::vector<double> ms;
  const auto start = Clock::now();
  while (ms.size() < 5 ||
         (Clock::now() - start < std::chrono::milliseconds(500) &&
          ms.size() < 200)) {
    const auto t0 = Clock::now();
    if (!fn()) return {-1, -1, 0};
    ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), static_cast<int>(ms.size())};
}

bool PlainParse(const std::string& xml) {
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()),
                                "bench.xml", nullptr, XML_PARSE_NONET);
  if (doc == nullptr) return false;
  xmlFreeDoc(doc);
  return true;
}

void Row(const char* document, const char* operation, const Timing& t,
         double plain_ms) {
  std::printf("%-4s %-22s %9.2f %9.2f %6d %9.1fx\n", document, operation,
              t.median_ms, t.min_ms, t.runs, t.median_ms / plain_ms);
}

}  // namespace

int main() {
  xmlInitParser();
  const sp::BackupComponentsDocument bcd = MakeBcd();
  const sp::WriterMetadata wmd = MakeWmd();
  sp::Result<std::string> bcd_xml = sp::SaveBcd(bcd);
  sp::Result<std::string> wmd_xml = sp::SaveWmd(wmd);
  for (const auto* r : {&bcd_xml, &wmd_xml}) {
    if (!r->ok()) {
      std::fprintf(stderr, "doc_bench: save: %s\n",
                   r->status().ToString().c_str());
      return 1;
    }
  }
  for (const auto& [name, status] :
       {std::pair{"BCD", sp::LoadBcd(*bcd_xml).status()},
        std::pair{"WMD", sp::LoadWmd(*wmd_xml).status()}}) {
    if (!status.ok()) {
      std::fprintf(stderr, "doc_bench: load %s: %s\n", name,
                   status.ToString().c_str());
      return 1;
    }
  }

  std::printf(
      "BCD: %d writers, %d components, %d snapshots (1 LUN each), "
      "%zu bytes\n",
      kWriters, kWriters * kComponentsPerWriter, kSnapshots, bcd_xml->size());
  std::printf("WMD: %d components, %d FILE_LIST descriptors, %zu bytes\n\n",
              kWmdComponents, kWmdComponents * kFilesPerWmdComponent,
              wmd_xml->size());
  std::printf("%-4s %-22s %9s %9s %6s %10s\n", "doc", "operation", "median ms",
              "min ms", "runs", "vs parse");

  const Timing bcd_parse = Measure([&] { return PlainParse(*bcd_xml); });
  const Timing bcd_load = Measure([&] { return sp::LoadBcd(*bcd_xml).ok(); });
  const Timing bcd_save = Measure([&] { return sp::SaveBcd(bcd).ok(); });
  Row("BCD", "libxml2 parse (plain)", bcd_parse, bcd_parse.median_ms);
  Row("BCD", "LoadBcd (+validate)", bcd_load, bcd_parse.median_ms);
  Row("BCD", "SaveBcd (+validate)", bcd_save, bcd_parse.median_ms);

  const Timing wmd_parse = Measure([&] { return PlainParse(*wmd_xml); });
  const Timing wmd_load = Measure([&] { return sp::LoadWmd(*wmd_xml).ok(); });
  const Timing wmd_save = Measure([&] { return sp::SaveWmd(wmd).ok(); });
  Row("WMD", "libxml2 parse (plain)", wmd_parse, wmd_parse.median_ms);
  Row("WMD", "LoadWmd (+validate)", wmd_load, wmd_parse.median_ms);
  Row("WMD", "SaveWmd (+validate)", wmd_save, wmd_parse.median_ms);

  const bool pass = bcd_load.median_ms < kBcdTargetMs;
  std::printf("\ntarget: BCD load+validate < %.0f ms: %s (median %.2f ms)\n",
              kBcdTargetMs, pass ? "PASS" : "MISS", bcd_load.median_ms);
  xmlCleanupParser();
  return 0;
}
