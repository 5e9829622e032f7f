// `shadowport doc show FILE [--json]`: loads a BCD or WMD (chosen by its root
// element) and prints its summary (doc_summary.h).
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "commands.h"
#include "doc_summary.h"
#include "document_file.h"

namespace sp::cli {
namespace {

struct ShowOptions {
  std::string file;
  bool json = false;
};

Status RunDocShow(const ShowOptions& options, std::ostream& out) {
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
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the summary failed");
  return Status::Ok();
}

}  // namespace

void RegisterDocShow(CLI::App& doc, Invocation& invocation) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* show = doc.add_subcommand(
      "show",
      "Print a summary of a BCD or WMD: writers, components, files, "
      "the snapshot set and its LUNs");
  show->add_option("FILE", options->file, "the document (XML)")->required();
  show->add_flag("--json", options->json, "print the summary as JSON");
  show->callback([options, &invocation] {
    invocation.status = RunDocShow(*options, invocation.out);
  });
}

}  // namespace sp::cli
