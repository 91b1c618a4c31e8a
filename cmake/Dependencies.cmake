# System libraries from Debian 12 packages (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)

find_path(ROCKSDB_INCLUDE_DIR rocksdb/db.h REQUIRED)
find_library(ROCKSDB_LIBRARY rocksdb REQUIRED)
add_library(asof_rocksdb INTERFACE)
target_include_directories(asof_rocksdb SYSTEM INTERFACE ${ROCKSDB_INCLUDE_DIR})
target_link_libraries(asof_rocksdb INTERFACE ${ROCKSDB_LIBRARY} Threads::Threads)

find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(XXHASH_LIBRARY xxhash REQUIRED)
add_library(asof_xxhash INTERFACE)
target_include_directories(asof_xxhash SYSTEM INTERFACE ${XXHASH_INCLUDE_DIR})
target_link_libraries(asof_xxhash INTERFACE ${XXHASH_LIBRARY})

# jemalloc replaces malloc process-wide; it is linked into executables only.
add_library(asof_malloc INTERFACE)
if(ASOF_USE_JEMALLOC)
  find_library(JEMALLOC_LIBRARY jemalloc REQUIRED)
  target_link_libraries(asof_malloc INTERFACE ${JEMALLOC_LIBRARY})
endif()

find_package(FlatBuffers REQUIRED)
# fmt: Dragonbox for shortest double text (engine/number_text.h).
find_package(fmt REQUIRED)

if(ASOF_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# Boost 1.81: Asio and Beast (header-only) and JSON (a library), for the server and the
# HTTP test client.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json)
