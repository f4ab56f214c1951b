# engine/events: TensorBoard event files (TFRecord framing, writer thread, incremental
# readers of files and log directories). docs/events.md.
# TensorBoard's messages, compiled like loom.proto; the header lands at
# <build>/engine/events/proto/tensorboard.pb.h.
add_library(loom_event_proto STATIC
  ${CMAKE_CURRENT_LIST_DIR}/proto/tensorboard.proto
  ${CMAKE_CURRENT_LIST_DIR}/proto/hparams.proto)
# From this directory protobuf_generate names the outputs relative to engine/, so they go to
# <build>/engine and the generated sources include "events/proto/...".
protobuf_generate(TARGET loom_event_proto LANGUAGE cpp IMPORT_DIRS ${PROJECT_SOURCE_DIR}/engine
                  PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/engine)
target_include_directories(loom_event_proto PUBLIC ${PROJECT_BINARY_DIR} ${PROJECT_BINARY_DIR}/engine)
target_link_libraries(loom_event_proto PUBLIC protobuf::libprotobuf)

find_package(OpenCV REQUIRED COMPONENTS core imgcodecs)
target_include_directories(loom_engine SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
add_dependencies(loom_engine loom_event_proto)
target_link_libraries(loom_engine PUBLIC loom_event_proto PRIVATE opencv_core opencv_imgcodecs)
target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/confusion.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_decode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_file_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_types.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_dir_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prefault.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scalar_decode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tfrecord.cpp)
