# One training step of every example model compared with PyTorch (float64) through
# tests/python/loom_to_torch.py; Fashion-MNIST and PyTorch are required (a failure without them).
loom_add_test(model_step_test SOURCES model_step_test.cpp
              LIBS loom_torch_exchange LABELS engine)
