target_sources(loom_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp)
