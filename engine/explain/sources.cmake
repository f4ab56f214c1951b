# Explanations: attributions (gradients, SmoothGrad, Integrated Gradients, Grad-CAM, occlusion,
# KernelSHAP, GradientSHAP, LIME), superpixels, faithfulness, the explainer registry.
# OpenCV (imgproc, ximgproc for SLIC, imgcodecs for overlays) and Eigen (least squares).
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs ximgproc)
find_package(Eigen3 REQUIRED)
target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/baselines.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faithfulness.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gradient_methods.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job.cpp
  ${CMAKE_CURRENT_LIST_DIR}/perturbation_methods.cpp
  ${CMAKE_CURRENT_LIST_DIR}/probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/superpixels.cpp)
target_include_directories(loom_engine SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
target_link_libraries(loom_engine PRIVATE opencv_core opencv_imgproc opencv_imgcodecs
  opencv_ximgproc Eigen3::Eigen nlohmann_json::nlohmann_json)
