// `shadowport-array pool init`: prepares a pool on this machine, without the
// daemon. Either
//   --dir DIR                           checks that DIR can reflink, or
//   --image FILE --size SIZE --mount DIR
//                                       creates an XFS (reflink=1) image
//                                       file, attaches and mounts it at DIR
//                                       (src/os/pool_image.h).
// It writes nothing else (no config): the output says which pool_dir to put
// in arrayd.toml. Run as root for --image.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "array/cli/commands.h"
#include "array/cli/output.h"
#include "array/rpc/size_text.h"
#include "os/pool_filesystem.h"
#include "os/pool_image.h"

namespace sp::array::cli {
namespace {

struct PoolInitOptions {
  std::string dir;
  std::string image;
  std::string size;
  std::string mount;
  bool json = false;
};

Status RunPoolInit(const PoolInitOptions& o, std::ostream& out) {
  std::unique_ptr<os::PoolFilesystem> fs = os::MakePoolFilesystem();
  if (!o.dir.empty()) {
    SP_RETURN_IF_ERROR(fs->CheckReflink(o.dir));
    if (o.json) {
      return PrintJson(out, {{"pool_dir", o.dir}, {"reflink", true}});
    }
    out << o.dir << " can reflink: set pool_dir = \"" << o.dir
        << "\" in arrayd.toml\n";
    return Finish(out);
  }
  if (o.image.empty() || o.size.empty() || o.mount.empty()) {
    return Status(Code::kInvalidArg,
                  "pool init needs --dir DIR, or --image FILE --size SIZE "
                  "--mount DIR");
  }
  os::PoolImageOptions options;
  options.image = o.image;
  SP_ASSIGN_OR_RETURN(options.size_bytes, rpc::ParseSize(o.size));
  options.mount_dir = o.mount;
  SP_ASSIGN_OR_RETURN(os::PoolImage pool, os::CreatePoolImage(options, *fs));
  if (o.json) {
    return PrintJson(out, {{"pool_dir", pool.mount_dir},
                           {"image", pool.image},
                           {"loop_device", pool.loop_device},
                           {"size_bytes", options.size_bytes},
                           {"reflink", true}});
  }
  out << "created " << rpc::FormatSize(options.size_bytes) << " pool image "
      << pool.image << " on " << pool.loop_device << ", mounted at "
      << pool.mount_dir << "\nset pool_dir = \"" << pool.mount_dir
      << "\" in arrayd.toml (the mount does not survive a reboot: see "
         "docs/array.md)\n";
  return Finish(out);
}

}  // namespace

void RegisterPoolInit(CLI::App& pool, Invocation& invocation) {
  auto o = std::make_shared<PoolInitOptions>();
  CLI::App* cmd = pool.add_subcommand(
      "init",
      "Prepare a pool on this machine: check a directory (--dir) or create "
      "a reflink-capable XFS image and mount it (--image/--size/--mount)");
  CLI::Option* dir = cmd->add_option(
      "--dir", o->dir, "an existing directory on XFS (reflink=1) or btrfs");
  CLI::Option* image =
      cmd->add_option("--image", o->image, "the image file to create");
  CLI::Option* size = cmd->add_option(
      "--size", o->size, "the image's size, e.g. 100G (300M at least)");
  CLI::Option* mount =
      cmd->add_option("--mount", o->mount, "where to mount the image");
  dir->excludes(image)->excludes(size)->excludes(mount);
  image->needs(size)->needs(mount);
  cmd->add_flag("--json", o->json, kJsonHelp);
  cmd->callback([o, &invocation] {
    invocation.status = RunPoolInit(*o, invocation.out);
  });
}

}  // namespace sp::array::cli
