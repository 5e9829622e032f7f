#include "shadowport/documents.h"

#include <libxml/tree.h>

#include "src/core/xml_parse.h"

namespace sp {
namespace internal {
// Defined in bcd_xml.cc and wmd_xml.cc: the model from a validated tree.
Result<BackupComponentsDocument> BcdFromTree(const xmlNode* root);
Result<WriterMetadata> WmdFromTree(const xmlNode* root);
}  // namespace internal

Result<AnyDocument> LoadDocument(std::string_view text) {
  SP_ASSIGN_OR_RETURN(xml::DocPtr doc, xml::ParseUntrusted(text));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const bool is_wmd =
      std::string_view(reinterpret_cast<const char*>(root->name)) ==
      "WRITER_METADATA";
  if (is_wmd) {
    SP_RETURN_IF_ERROR(xml::Validate(doc.get(), xml::Schema::kWmd));
    SP_ASSIGN_OR_RETURN(WriterMetadata wmd, internal::WmdFromTree(root));
    return AnyDocument(std::move(wmd));
  }
  // Anything else is judged as a BCD: the error then names what was expected.
  SP_RETURN_IF_ERROR(xml::Validate(doc.get(), xml::Schema::kBcd));
  SP_ASSIGN_OR_RETURN(BackupComponentsDocument bcd,
                      internal::BcdFromTree(root));
  return AnyDocument(std::move(bcd));
}

}  // namespace sp
