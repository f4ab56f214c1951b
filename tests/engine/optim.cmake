# Optimizers, schedules and clipping against torch.optim (tests/python/torch_optim_reference.py).
loom_add_test(optim_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/optim/optim_test.cpp
              LIBS loom_torch_exchange LABELS engine)
