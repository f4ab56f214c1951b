loom_add_test(checkpoint_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/checkpoint_test.cpp LABELS engine)
# The Trainer's lifecycle on Fashion-MNIST (fails without it: the README installs it).
loom_add_test(trainer_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/train/trainer_test.cpp
              LIBS nlohmann_json::nlohmann_json LABELS engine)
# Transfer learning: cut, append a head, freeze (frozen tensors byte-identical on Fashion-MNIST).
loom_add_test(transfer_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/train/transfer_test.cpp
              LIBS nlohmann_json::nlohmann_json LABELS engine)
# The graph editor's node statistics (engine/train/node_stats.h) against NumPy.
loom_add_test(node_stats_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/train/node_stats_test.cpp
              LIBS nlohmann_json::nlohmann_json LABELS engine)
