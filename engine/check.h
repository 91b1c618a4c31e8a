// ASOF_CHECK(cond) << "context": aborts the process when a programmer error is found.
// Never used for bad input or I/O failures; those are Status values.
#pragma once

#include <sstream>

namespace asof::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & CheckFailure(...).stream() << x` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace asof::internal

#define ASOF_CHECK(cond)                 \
  (cond) ? (void)0                       \
         : ::asof::internal::Voidify() & \
               ::asof::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()
