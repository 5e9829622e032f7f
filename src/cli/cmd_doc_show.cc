// `shadowport doc show FILE [--json]`: loads a BCD or WMD (chosen by its root
// element), or a metadata bundle (its BCD and every WMD), and prints the
// summary (doc_summary.h).
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "bcd_source.h"
#include "commands.h"
#include "doc_summary.h"
#include "document_file.h"
#include "shadowport/documents.h"
#include "shadowport/metadata_bundle.h"

namespace sp::cli {
namespace {

struct ShowOptions {
  std::string file;
  bool json = false;
};

// A metadata bundle (docs/formats/bundle.md): its BCD, then each WMD.
Status ShowBundle(const ShowOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(MetadataBundle bundle, ReadMetadataBundle(options.file));
  Result<BackupComponentsDocument> bcd = LoadBcd(bundle.bcd_xml);
  if (!bcd.ok()) {
    return std::move(bcd).status().WithContext(options.file + ": bcd.xml");
  }
  std::vector<WriterMetadata> wmds;
  for (size_t i = 0; i < bundle.wmd_xmls.size(); ++i) {
    Result<WriterMetadata> wmd = LoadWmd(bundle.wmd_xmls[i]);
    if (!wmd.ok()) {
      return std::move(wmd).status().WithContext(options.file + ": WMD " +
                                                 std::to_string(i + 1));
    }
    wmds.push_back(std::move(*wmd));
  }
  if (options.json) {
    nlohmann::ordered_json all;
    all["bundle"] = options.file;
    all["bcd"] = SummaryJson(*bcd);
    all["wmds"] = nlohmann::ordered_json::array();
    for (const WriterMetadata& wmd : wmds) {
      all["wmds"].push_back(SummaryJson(wmd));
    }
    out << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
    return Status::Ok();
  }
  out << "metadata bundle " << options.file << ": the BCD and " << wmds.size()
      << " writer metadata document(s)\n\n"
      << SummaryText(*bcd);
  for (const WriterMetadata& wmd : wmds) out << '\n' << SummaryText(wmd);
  return Status::Ok();
}

Status RunDocShow(const ShowOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(const std::string bytes, ReadDocumentFile(options.file));
  if (LooksLikeBundle(bytes)) {
    SP_RETURN_IF_ERROR(ShowBundle(options, out));
  } else {
    SP_ASSIGN_OR_RETURN(AnyDocument doc, LoadDocumentFile(options.file));
    if (options.json) {
      // Replace rather than throw on bytes that are not UTF-8; the loader
      // only hands out UTF-8, this is a second fence.
      out << SummaryJson(doc).dump(2, ' ', false,
                                   nlohmann::json::error_handler_t::replace)
          << '\n';
    } else {
      out << SummaryText(doc);
    }
  }
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the summary failed");
  return Status::Ok();
}

}  // namespace

void RegisterDocShow(CLI::App& doc, Invocation& invocation) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* show = doc.add_subcommand(
      "show",
      "Print a summary of a BCD or WMD (or of a metadata bundle's BCD and "
      "WMDs): writers, components, files, the snapshot set and its LUNs");
  show->add_option("FILE", options->file,
                   "the document (XML) or metadata bundle")
      ->required();
  show->add_flag("--json", options->json, "print the summary as JSON");
  show->callback([options, &invocation] {
    invocation.status = RunDocShow(*options, invocation.out);
  });
}

}  // namespace sp::cli
