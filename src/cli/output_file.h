// Files `shadowport create` writes: documents that may hold private writer
// metadata, so mode 0600, and written atomically (a temporary file in the
// same directory, fsync, rename, fsync of the directory), so a reader sees
// the old file or the whole new one.
//
// Thread safety: free functions and a single-owner class.
#ifndef SHADOWPORT_CLI_OUTPUT_FILE_H_
#define SHADOWPORT_CLI_OUTPUT_FILE_H_

#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::cli {

// Writes `data` to `path` atomically, mode 0600. On failure the temporary
// file is removed and `path` is untouched. Errors as FromErrno maps them,
// naming the path.
Status WriteFileAtomically(const std::string& path, std::string_view data);

// Creates `dir` (mode 0700) unless it is already a directory.
Status EnsureDirectory(const std::string& dir);

// A private temporary file ($TMPDIR or /tmp, mode 0600) holding `data`,
// removed when the object dies.
class TempDocument {
 public:
  static Result<TempDocument> Create(std::string_view prefix,
                                     std::string_view data);
  TempDocument(TempDocument&& other) noexcept;
  TempDocument& operator=(TempDocument&&) = delete;
  ~TempDocument();

  const std::string& path() const { return path_; }

 private:
  explicit TempDocument(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_OUTPUT_FILE_H_
