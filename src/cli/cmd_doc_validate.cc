// `shadowport doc validate FILE [--type bcd|wmd]`: loads a document, which
// parses it and validates it against its schema and the model's rules, and
// says which document it is. The failure (with its line) is printed by main.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <variant>

#include "commands.h"
#include "document_file.h"

namespace sp::cli {
namespace {

struct ValidateOptions {
  std::string file;
  DocumentKind kind = DocumentKind::kAny;
};

Status RunDocValidate(const ValidateOptions& options, std::ostream& out) {
  SP_ASSIGN_OR_RETURN(AnyDocument doc,
                      LoadDocumentFile(options.file, options.kind));
  if (const auto* bcd = std::get_if<BackupComponentsDocument>(&doc)) {
    size_t components = 0;
    for (const WriterComponents& w : bcd->writers) {
      components += w.components.size();
    }
    out << options.file << ": valid BCD (" << bcd->writers.size()
        << " writers, " << components << " components, "
        << (bcd->snapshot_set ? bcd->snapshot_set->snapshots.size() : 0)
        << " snapshots)\n";
  } else {
    const auto& wmd = std::get<WriterMetadata>(doc);
    out << options.file << ": valid WMD (" << wmd.components.size()
        << " components)\n";
  }
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the result failed");
  return Status::Ok();
}

}  // namespace

void RegisterDocValidate(CLI::App& doc, Invocation& invocation) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* validate =
      doc.add_subcommand("validate", "Check that a file is a valid BCD or WMD");
  validate->add_option("FILE", options->file, "the document (XML)")->required();
  const std::map<std::string, DocumentKind> kinds = {
      {"any", DocumentKind::kAny},
      {"bcd", DocumentKind::kBcd},
      {"wmd", DocumentKind::kWmd}};
  validate
      ->add_option("--type", options->kind,
                   "require this document type (default: any)")
      ->transform(CLI::CheckedTransformer(kinds, CLI::ignore_case));
  validate->callback([options, &invocation] {
    invocation.status = RunDocValidate(*options, invocation.out);
  });
}

}  // namespace sp::cli
