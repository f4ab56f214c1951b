# One training step of every example model compared with PyTorch (float64) through
# tests/python/loom_to_torch.py; needs Fashion-MNIST (skipped without it).
loom_add_test(model_step_test SOURCES model_step_test.cpp
              LIBS nlohmann_json::nlohmann_json LABELS engine)
