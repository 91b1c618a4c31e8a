#include "server/backend_switch.h"

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace asof::server {

const char* BuiltBackend() { return ASOF_IO_BACKEND; }

bool IoUringAvailable() {
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  long fd = syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) return false;
  close(static_cast<int>(fd));
  return true;
}

Status ExecBackend(const std::string& backend, char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return Internal("cannot find the asofd binary: " + ec.message());
  auto target = self.parent_path() / (backend == "io_uring" ? "asofd-io_uring" : "asofd");
  std::vector<char*> args;
  for (char** a = argv; *a != nullptr; ++a) args.push_back(*a);
  std::string flag = "--io-backend", value = backend;
  args.push_back(flag.data());
  args.push_back(value.data());
  args.push_back(nullptr);
  execv(target.c_str(), args.data());
  return Unavailable("cannot run " + target.string() + " for io_backend \"" + backend +
                     "\": " + std::strerror(errno));
}

}  // namespace asof::server
