// The metadata bundle: one file that carries a backup's Backup Components
// Document and every Writer Metadata Document from systemOne to systemTwo,
// like the metadata .cab of Windows diskshadow. `shadowport create
// --metadata BUNDLE` writes it; `shadowport import BUNDLE` reads it.
//
// Format (docs/formats/bundle.md): a gzip-compressed POSIX pax tar holding
// manifest.json (format, version, and the size and SHA-256 of every other
// entry), bcd.xml, and wmd/NNN-<writer name>.xml per writer in order.
//
// Bundles come from other hosts and are treated as hostile: the reader
// bounds entry count and sizes, refuses anything that is not a plain file
// with an expected relative name, checks every digest, and loads each
// document with LoadBcd / LoadWmd (documents.h). It never writes to disk.
//
// Thread safety: the functions may be called from any thread concurrently
// (for different paths).
#ifndef SHADOWPORT_METADATA_BUNDLE_H_
#define SHADOWPORT_METADATA_BUNDLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp {

// Limits the reader enforces (the writer refuses what the reader would).
inline constexpr size_t kMaxBundleEntries = 1024;
inline constexpr size_t kMaxBundleEntryBytes = 32u << 20;  // uncompressed
inline constexpr size_t kMaxBundleBytes = 256u << 20;      // all entries
// WMD entries are numbered with three digits.
inline constexpr size_t kMaxBundleWmds = 1000;

// The documents as their XML text (the canonical form SaveBcd / SaveWmd
// produce; the bundle stores the bytes as given).
struct MetadataBundle {
  std::string bcd_xml;
  std::vector<std::string> wmd_xmls;  // in writer order
};

// Writes `bundle` to `path` atomically: into a temporary file in the same
// directory (mode 0600: writer metadata may be private), fsync, rename over
// `path`, fsync of the directory. A crash leaves either the old file or the
// complete new one, and at worst a stray "<path>.tmp.XXXXXX"; on failure the
// temporary file is removed. Each document is loaded first (LoadBcd /
// LoadWmd): an invalid one is VSS_E_INVALID_XML_DOCUMENT and nothing is
// written. More than kMaxBundleWmds WMDs or a document over
// kMaxBundleEntryBytes: E_INVALIDARG. OS failures as FromErrno.
Status WriteMetadataBundle(const std::string& path,
                           const MetadataBundle& bundle);

// Reads and checks a bundle. A missing file: VSS_E_OBJECT_NOT_FOUND.
// E_INVALIDARG, with a message naming the bundle and the entry, for: not a
// (gzip-compressed or plain) tar; truncated or damaged data; an absolute
// name or one with a ".." component; a symlink, hard link, device, FIFO or
// anything but a plain file (a "wmd" directory entry is tolerated); an
// unexpected or duplicate name; more than kMaxBundleEntries entries; an
// entry over kMaxBundleEntryBytes or all over kMaxBundleBytes; a missing
// bcd.xml or manifest.json; a manifest of another format or version, or
// that does not list exactly the entries present; a size or SHA-256
// mismatch. A document that does not load: VSS_E_INVALID_XML_DOCUMENT.
Result<MetadataBundle> ReadMetadataBundle(const std::string& path);

}  // namespace sp

#endif  // SHADOWPORT_METADATA_BUNDLE_H_
