// Choosing the I/O backend at run time. Asio fixes its reactor at compile time, so asofd
// is built twice (asofd: epoll, asofd-io_uring: io_uring) and the configured backend
// decides which binary serves: the other one is exec'ed in place, with the same
// arguments, keeping the PID (so supervisors and tests see one process).
#pragma once

#include <string>

#include "engine/status.h"

namespace asof::server {

// The backend this binary was built for: "epoll" or "io_uring".
const char* BuiltBackend();

// True when the kernel lets this process create an io_uring (containers and seccomp
// profiles often forbid it).
bool IoUringAvailable();

// Replaces this process with the sibling binary built for `backend`, passing argv plus
// `--io-backend <backend>`. Returns only on failure.
Status ExecBackend(const std::string& backend, char** argv);

}  // namespace asof::server
