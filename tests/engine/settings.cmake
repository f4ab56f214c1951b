# The training-settings schema (engine/train/settings.h): coverage of the proto, PyTorch's
# defaults, the validator's messages, same verdict before/after defaults, command-line overrides.
loom_add_test(settings_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/settings_test.cpp
              LIBS nlohmann_json::nlohmann_json LABELS engine)
