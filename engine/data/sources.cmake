target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/batch_loader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset_registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/idx.cpp
  ${CMAKE_CURRENT_LIST_DIR}/transforms.cpp)

# libdeflate inflates a sound gzip IDX file in one call (idx.cpp); zlib streams the rest.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
target_link_libraries(loom_engine PRIVATE PkgConfig::LIBDEFLATE)
