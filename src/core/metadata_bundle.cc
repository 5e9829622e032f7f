// The metadata bundle (metadata_bundle.h; format in docs/formats/bundle.md).
#include "shadowport/metadata_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowport/documents.h"

namespace sp {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormatName = "shadowport-metadata-bundle";
constexpr int kFormatVersion = 1;
constexpr std::string_view kManifestName = "manifest.json";
constexpr std::string_view kBcdName = "bcd.xml";
constexpr size_t kMaxNameChars = 64;  // of the writer name part

struct ArchiveReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Closes an fd; unlinks the temporary file unless released.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (!path_.empty()) unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  // Closes the fd, reporting the error close(2) may report.
  Status Close() {
    int fd = std::exchange(fd_, -1);
    if (close(fd) != 0) return FromErrno(errno, "closing " + path_);
    return Status::Ok();
  }
  void Keep() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) !=
      1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xF]);
  }
  return hex;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// "wmd/007-PostgreSQL_Writer.xml": [A-Za-z0-9._-], others become '_'.
std::string WmdEntryName(size_t index, std::string_view writer_name) {
  std::string name;
  for (char c : writer_name.substr(0, kMaxNameChars)) {
    name.push_back(IsNameChar(c) ? c : '_');
  }
  if (name.empty() || name.find_first_not_of('.') == std::string::npos) {
    name = "writer";
  }
  char number[24];  // room for any size_t; WMDs are at most 999
  snprintf(number, sizeof number, "%03zu", index);
  return "wmd/" + std::string(number) + "-" + name + ".xml";
}

bool IsWmdEntryName(std::string_view name) {
  constexpr std::string_view kPrefix = "wmd/";
  constexpr std::string_view kSuffix = ".xml";
  if (name.size() < kPrefix.size() + 5 + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return false;
  }
  std::string_view rest = name.substr(kPrefix.size());
  rest.remove_suffix(kSuffix.size());
  for (int i = 0; i < 3; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
  }
  if (rest[3] != '-') return false;
  rest.remove_prefix(4);
  return !rest.empty() && rest.size() <= kMaxNameChars &&
         std::all_of(rest.begin(), rest.end(), IsNameChar);
}

// `what` followed by libarchive's own text of its last error.
Status ArchiveError(Code code, archive* a, std::string what) {
  const char* detail = archive_error_string(a);
  what += ": ";
  what += detail != nullptr ? detail : "archive error";
  return Status(code, std::move(what));
}

Status WriteEntry(archive* a, const std::string& name, std::string_view data,
                  const std::string& path) {
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_mtime(entry.get(), 0, 0);  // same input, same bytes
  std::string what = "metadata bundle: writing " + path + ": " + name;
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
    return ArchiveError(Code::kIoError, a, std::move(what));
  }
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a, data.data(), data.size());
    if (n <= 0) return ArchiveError(Code::kIoError, a, std::move(what));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncDirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "opening " + dir);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return FromErrno(err, "syncing " + dir);
  return Status::Ok();
}

}  // namespace

Status WriteMetadataBundle(const std::string& path,
                           const MetadataBundle& bundle) {
  // Entries in archive order; manifest.json goes first.
  std::vector<std::pair<std::string, std::string_view>> entries;
  if (bundle.wmd_xmls.size() > kMaxBundleWmds) {
    return Status(Code::kInvalidArg,
                  "a metadata bundle holds at most " +
                      std::to_string(kMaxBundleWmds) + " WMDs, not " +
                      std::to_string(bundle.wmd_xmls.size()));
  }
  SP_RETURN_IF_ERROR(
      LoadBcd(bundle.bcd_xml).status().WithContext("metadata bundle: BCD"));
  entries.emplace_back(std::string(kBcdName), bundle.bcd_xml);
  for (size_t i = 0; i < bundle.wmd_xmls.size(); ++i) {
    Result<WriterMetadata> wmd = LoadWmd(bundle.wmd_xmls[i]);
    if (!wmd.ok()) {
      return std::move(wmd).status().WithContext("metadata bundle: WMD " +
                                                 std::to_string(i));
    }
    entries.emplace_back(WmdEntryName(i, wmd->identity.writer_name),
                         bundle.wmd_xmls[i]);
  }
  Json listed = Json::array();
  for (const auto& [name, data] : entries) {
    if (data.size() > kMaxBundleEntryBytes) {
      return Status(Code::kInvalidArg,
                    "metadata bundle: " + name +
                        " is over the entry limit of " +
                        std::to_string(kMaxBundleEntryBytes) + " bytes");
    }
    listed.push_back(Json{
        {"name", name}, {"size", data.size()}, {"sha256", Sha256Hex(data)}});
  }
  std::string manifest = Json{{"format", kFormatName},
                              {"version", kFormatVersion},
                              {"entries", std::move(listed)}}
                             .dump(2) +
                         "\n";
  entries.insert(entries.begin(), {std::string(kManifestName), manifest});

  std::string temp_path = path + ".tmp.XXXXXX";
  int fd = mkostemp(temp_path.data(), O_CLOEXEC);
  if (fd < 0) return FromErrno(errno, "creating " + temp_path);
  TempFile temp(fd, temp_path);

  std::unique_ptr<archive, ArchiveWriteCloser> a(archive_write_new());
  if (a == nullptr) return Status(Code::kOutOfMemory, "archive_write_new");
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_fd(a.get(), temp.fd()) != ARCHIVE_OK) {
    return ArchiveError(Code::kIoError, a.get(),
                        "metadata bundle: opening " + temp_path);
  }
  for (const auto& [name, data] : entries) {
    SP_RETURN_IF_ERROR(WriteEntry(a.get(), name, data, temp_path));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return ArchiveError(Code::kIoError, a.get(),
                        "metadata bundle: finishing " + temp_path);
  }
  if (fsync(temp.fd()) != 0) return FromErrno(errno, "syncing " + temp_path);
  SP_RETURN_IF_ERROR(temp.Close());
  if (rename(temp_path.c_str(), path.c_str()) != 0) {
    return FromErrno(errno, "renaming " + temp_path + " to " + path);
  }
  temp.Keep();
  return SyncDirectoryOf(path);
}

// ---- reading ----

namespace {

// One bundle being read: everything is kept in memory, bounded by the
// limits, and nothing is written anywhere.
class BundleReader {
 public:
  explicit BundleReader(std::string path) : path_(std::move(path)) {}

  Result<MetadataBundle> Read() {
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return FromErrno(errno, "opening " + path_);
    TempFile file(fd, "");  // closes fd; nothing to unlink
    struct stat st;
    if (fstat(fd, &st) != 0) return FromErrno(errno, "stat " + path_);
    if (!S_ISREG(st.st_mode)) return Refuse("not a regular file");

    std::unique_ptr<archive, ArchiveReadCloser> a(archive_read_new());
    if (a == nullptr) return Status(Code::kOutOfMemory, "archive_read_new");
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_fd(a.get(), fd, 64 << 10) != ARCHIVE_OK) {
      return Damaged(a.get());
    }
    size_t count = 0;
    while (true) {
      archive_entry* entry = nullptr;
      int rc = archive_read_next_header(a.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK) return Damaged(a.get());
      if (++count > kMaxBundleEntries) {
        return Refuse("more than " + std::to_string(kMaxBundleEntries) +
                      " entries");
      }
      SP_RETURN_IF_ERROR(ReadEntry(a.get(), entry));
    }
    return Finish();
  }

 private:
  Status Refuse(const std::string& why) const {
    return Status(Code::kInvalidArg, "metadata bundle " + path_ + ": " + why);
  }
  Status Damaged(archive* a) const {
    return ArchiveError(Code::kInvalidArg, a,
                        "metadata bundle " + path_ +
                            ": not a readable bundle (truncated, damaged or "
                            "not a gzip tar)");
  }

  Status ReadEntry(archive* a, archive_entry* entry) {
    const char* raw = archive_entry_pathname(entry);
    if (raw == nullptr || *raw == '\0') return Refuse("an entry has no name");
    std::string name = raw;
    std::string quoted = "entry '" + name + "'";
    if (name.front() == '/') return Refuse(quoted + ": absolute name");
    size_t start = 0;
    while (start <= name.size()) {
      size_t end = name.find('/', start);
      if (end == std::string::npos) end = name.size();
      if (name.compare(start, end - start, "..") == 0) {
        return Refuse(quoted + ": name with a '..' component");
      }
      start = end + 1;
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      return Refuse(quoted + ": hard link");
    }
    mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFLNK) return Refuse(quoted + ": symbolic link");
    if (type == AE_IFCHR || type == AE_IFBLK) {
      return Refuse(quoted + ": device node");
    }
    if (type == AE_IFDIR && (name == "wmd" || name == "wmd/")) {
      return Status::Ok();
    }
    if (type != AE_IFREG) return Refuse(quoted + ": not a plain file");
    if (name != kManifestName && name != kBcdName && !IsWmdEntryName(name)) {
      return Refuse(quoted + ": unexpected name");
    }
    if (files_.count(name) != 0) return Refuse(quoted + ": duplicate name");
    if (!archive_entry_size_is_set(entry)) {
      return Refuse(quoted + ": no size");
    }
    la_int64_t size = archive_entry_size(entry);
    if (size < 0 || static_cast<uint64_t>(size) > kMaxBundleEntryBytes) {
      return Refuse(quoted + ": " + std::to_string(size) +
                    " bytes, over the entry limit of " +
                    std::to_string(kMaxBundleEntryBytes));
    }
    total_ += static_cast<size_t>(size);
    if (total_ > kMaxBundleBytes) {
      return Refuse("entries over the total limit of " +
                    std::to_string(kMaxBundleBytes) + " bytes");
    }
    std::string data;
    data.reserve(static_cast<size_t>(size));
    buffer_.resize(64 << 10);
    while (true) {
      la_ssize_t n = archive_read_data(a, buffer_.data(), buffer_.size());
      if (n < 0) return Damaged(a);
      if (n == 0) break;
      if (data.size() + static_cast<size_t>(n) > static_cast<size_t>(size)) {
        return Refuse(quoted + ": more data than its size");
      }
      data.append(buffer_.data(), static_cast<size_t>(n));
    }
    if (data.size() != static_cast<size_t>(size)) {
      return Refuse(quoted + ": truncated");
    }
    files_.emplace(std::move(name), std::move(data));
    return Status::Ok();
  }

  // The manifest's own checks, then the documents'.
  Result<MetadataBundle> Finish() {
    if (files_.count(std::string(kBcdName)) == 0) {
      return Refuse("no bcd.xml");
    }
    auto manifest_it = files_.find(std::string(kManifestName));
    if (manifest_it == files_.end()) return Refuse("no manifest.json");
    Json manifest =
        Json::parse(manifest_it->second, nullptr, /*allow_exceptions=*/false);
    if (!manifest.is_object()) return Refuse("manifest.json is not JSON");
    auto format = manifest.find("format");
    auto version = manifest.find("version");
    auto listed = manifest.find("entries");
    if (format == manifest.end() || *format != kFormatName) {
      return Refuse("manifest.json: not a shadowport metadata bundle");
    }
    if (version == manifest.end() || !version->is_number_integer() ||
        *version != kFormatVersion) {
      return Refuse("manifest.json: unsupported format version");
    }
    if (listed == manifest.end() || !listed->is_array()) {
      return Refuse("manifest.json: no entry list");
    }
    std::map<std::string, bool> seen;
    for (const Json& item : *listed) {
      if (!item.is_object() || !item.contains("name") ||
          !item["name"].is_string() || !item.contains("size") ||
          !item["size"].is_number_unsigned() || !item.contains("sha256") ||
          !item["sha256"].is_string()) {
        return Refuse("manifest.json: malformed entry");
      }
      const std::string& name = item["name"].get_ref<const std::string&>();
      if (name == kManifestName || !seen.emplace(name, true).second) {
        return Refuse("manifest.json: lists '" + name + "' twice or itself");
      }
      auto file = files_.find(name);
      if (file == files_.end()) {
        return Refuse("manifest.json lists '" + name +
                      "', which the bundle lacks");
      }
      if (item["size"].get<uint64_t>() != file->second.size() ||
          item["sha256"].get_ref<const std::string&>() !=
              Sha256Hex(file->second)) {
        return Refuse("entry '" + name +
                      "': size or SHA-256 digest mismatch with manifest.json");
      }
    }
    for (const auto& [name, data] : files_) {
      if (name != kManifestName && seen.count(name) == 0) {
        return Refuse("entry '" + name + "' is not in manifest.json");
      }
    }

    MetadataBundle bundle;
    for (auto& [name, data] : files_) {  // ordered: wmd/000-, wmd/001-, ...
      if (name == kBcdName) {
        SP_RETURN_IF_ERROR(LoadBcd(data).status().WithContext(
            "metadata bundle " + path_ + ": bcd.xml"));
        bundle.bcd_xml = std::move(data);
      } else if (name != kManifestName) {
        SP_RETURN_IF_ERROR(LoadWmd(data).status().WithContext(
            "metadata bundle " + path_ + ": " + name));
        bundle.wmd_xmls.push_back(std::move(data));
      }
    }
    return bundle;
  }

  std::string path_;
  std::map<std::string, std::string> files_;  // by name: WMDs in order
  size_t total_ = 0;
  std::vector<char> buffer_;
};

}  // namespace

Result<MetadataBundle> ReadMetadataBundle(const std::string& path) {
  return BundleReader(path).Read();
}

}  // namespace sp
