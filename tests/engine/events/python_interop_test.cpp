// Interoperability with an independent implementation (issue 7, acceptance 2):
// tests/python/tb_events.py, Python's protobuf with TensorBoard's field numbers written out,
// its own CRC-32C and PIL for PNGs, reads the files Loom writes, and writes files Loom reads.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/events/event_writer.h"
#include "engine/events/log_dir_reader.h"
#include "tests/engine/events/events_test_util.h"
#include "tests/support/run_command.h"

namespace loom::events {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string script() {
  return std::string(LOOM_SOURCE_DIR) + "/tests/python/tb_events.py";
}

json pythonRead(const std::string& path) {
  const auto result = loom::test::runCommand(std::string(LOOM_PYTHON) + " " + script() + " read '" +
                                             path + "' 2>&1");
  EXPECT_EQ(result.rc, 0) << result.out;
  if (result.rc != 0) return json::object();
  return json::parse(result.out);
}

/// The values of the file's records with tag `tag`, in order.
std::vector<json> valuesOf(const json& file, const std::string& tag) {
  std::vector<json> out;
  for (const auto& e : file["events"]) {
    if (!e.contains("values")) continue;
    for (const auto& v : e["values"]) {
      if (v["tag"] == tag) {
        json with = v;
        with["step"] = e["step"];
        out.push_back(with);
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> pattern(int width, int height, int channels) {
  std::vector<std::uint8_t> p(static_cast<std::size_t>(width * height * channels));
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
  return p;
}

TEST(EventsPython, PythonReadsWhatLoomWrites) {
  const fs::path dir = test::scratch("py_reads");
  auto writer = EventWriter::open(dir.string());
  ASSERT_TRUE(writer.hasValue());
  EventWriter& w = **writer;
  for (int step = 0; step < 5; ++step) w.scalar("loss/train", step, 1.0 / (step + 1));
  w.tensorScalar("lr", 7, 0.125);
  std::vector<float> values;
  for (int i = 0; i < 1000; ++i) values.push_back(std::sin(0.37f * static_cast<float>(i)) * 3.0f);
  w.histogram("fc1/weights", 9, values);
  w.image("probe/rgb", 2, 5, 4, 3, pattern(5, 4, 3));
  w.image("probe/gray", 2, 3, 2, 1, pattern(3, 2, 1));
  w.image("probe/rgba", 2, 2, 2, 4, pattern(2, 2, 4));
  w.text("model/summary", 0, "| node | op |\n|---|---|");
  w.sessionStart({{"learning_rate", 0.01}, {"optimizer", std::string("adam")}, {"augment", true}});
  w.sessionEnd(SessionStatus::Failure);
  ASSERT_TRUE(w.close().isOk());

  const json all = pythonRead(w.path());
  ASSERT_EQ(all["files"].size(), 1u);
  const json& file = all["files"][0];
  EXPECT_EQ(file["events"][0]["file_version"], "brain.Event:2");
  EXPECT_EQ(file["events"][0]["writer"], "loom");

  const auto loss = valuesOf(file, "loss/train");
  ASSERT_EQ(loss.size(), 5u);
  for (int step = 0; step < 5; ++step) {
    EXPECT_EQ(loss[step]["step"], step);
    EXPECT_EQ(loss[step]["simple_value"].get<double>(),
              static_cast<double>(static_cast<float>(1.0 / (step + 1))));
  }
  const auto lr = valuesOf(file, "lr");
  ASSERT_EQ(lr.size(), 1u);
  EXPECT_EQ(lr[0]["plugin"], "scalars");
  EXPECT_EQ(lr[0]["tensor"]["dtype"], 1);  // DT_FLOAT
  EXPECT_EQ(lr[0]["tensor"]["dims"].size(), 0u);
  EXPECT_EQ(lr[0]["tensor"]["float_val"][0].get<double>(), 0.125);

  const auto hist = valuesOf(file, "fc1/weights");
  ASSERT_EQ(hist.size(), 1u);
  const json& h = hist[0]["histo"];
  double lo = 1e9, hi = -1e9, sum = 0, squares = 0;
  for (float f : values) {
    lo = std::min<double>(lo, f);
    hi = std::max<double>(hi, f);
    sum += f;
    squares += static_cast<double>(f) * f;
  }
  EXPECT_EQ(h["num"].get<double>(), 1000);
  EXPECT_EQ(h["min"].get<double>(), lo);
  EXPECT_EQ(h["max"].get<double>(), hi);
  EXPECT_NEAR(h["sum"].get<double>(), sum, 1e-9);
  EXPECT_NEAR(h["sum_squares"].get<double>(), squares, 1e-6);
  const auto limits = h["bucket_limit"].get<std::vector<double>>();
  const auto counts = h["bucket"].get<std::vector<double>>();
  ASSERT_EQ(limits.size(), counts.size());
  EXPECT_EQ(limits.back(), hi);
  // Each bucket holds exactly the values in (previous limit, limit].
  for (std::size_t b = 0; b < limits.size(); ++b) {
    const double left = b == 0 ? -1e300 : limits[b - 1];
    double n = 0;
    for (float f : values) n += (f > left && f <= limits[b]) ? 1 : 0;
    EXPECT_EQ(counts[b], n) << "bucket " << b;
  }

  struct Case {
    const char* tag;
    int width, height, channels;
    const char* mode;
  };
  for (const Case& c : {Case{"probe/rgb", 5, 4, 3, "RGB"}, Case{"probe/gray", 3, 2, 1, "L"},
                        Case{"probe/rgba", 2, 2, 4, "RGBA"}}) {
    const auto image = valuesOf(file, c.tag);
    ASSERT_EQ(image.size(), 1u) << c.tag;
    const json& img = image[0]["image"];
    EXPECT_EQ(img["width"], c.width);
    EXPECT_EQ(img["height"], c.height);
    EXPECT_EQ(img["colorspace"], c.channels);
    EXPECT_EQ(img["png"]["format"], "PNG");
    EXPECT_EQ(img["png"]["mode"], c.mode) << c.tag;
    EXPECT_EQ(img["png"]["width"], c.width);
    const auto pixels = img["png"]["pixels"].get<std::vector<int>>();
    const auto expected = pattern(c.width, c.height, c.channels);
    ASSERT_EQ(pixels.size(), expected.size());
    for (std::size_t i = 0; i < pixels.size(); ++i) ASSERT_EQ(pixels[i], expected[i]) << c.tag << i;
  }

  const auto text = valuesOf(file, "model/summary");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0]["plugin"], "text");
  EXPECT_EQ(text[0]["tensor"]["dtype"], 7);  // DT_STRING
  EXPECT_EQ(text[0]["tensor"]["string_val"][0], "| node | op |\n|---|---|");

  const auto start = valuesOf(file, "_hparams_/session_start_info");
  ASSERT_EQ(start.size(), 1u);
  EXPECT_EQ(start[0]["plugin"], "hparams");
  const json& hp = start[0]["hparams"]["start"]["hparams"];
  EXPECT_EQ(hp["learning_rate"].get<double>(), 0.01);
  EXPECT_EQ(hp["optimizer"], "adam");
  EXPECT_EQ(hp["augment"], true);
  EXPECT_GT(start[0]["hparams"]["start"]["start_time_secs"].get<double>(), 1.6e9);
  const auto end = valuesOf(file, "_hparams_/session_end_info");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0]["hparams"]["end"]["status"], 2);  // STATUS_FAILURE
}

TEST(EventsPython, LoomReadsWhatPythonWrites) {
  const fs::path root = test::scratch("py_writes");
  fs::create_directories(root / "pyrun");
  const auto result = loom::test::runCommand(std::string(LOOM_PYTHON) + " " + script() +
                                             " write '" + (root / "pyrun").string() + "' 2>&1");
  ASSERT_EQ(result.rc, 0) << result.out;
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("pyrun");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->problems.empty()) << run->problems[0].message;
  // The formulas of tb_events.py's write().
  const ScalarSeries& loss = run->scalars.at("py/loss");
  const ScalarSeries& tensor = run->scalars.at("py/tensor");
  ASSERT_EQ(loss.size(), 10u);
  ASSERT_EQ(tensor.size(), 10u);
  for (int step = 0; step < 10; ++step) {
    EXPECT_EQ(loss.steps[step], step);
    EXPECT_EQ(loss.values[step], static_cast<double>(static_cast<float>(1.0 / (step + 1))));
    EXPECT_EQ(tensor.values[step], 0.5 * step);
  }
  const auto& hist = run->histograms.at("py/hist");
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].step, 5);
  EXPECT_EQ(hist[0].value.min, -1);
  EXPECT_EQ(hist[0].value.max, 2);
  EXPECT_EQ(hist[0].value.num, 6);
  EXPECT_EQ(hist[0].value.sum, 3);
  EXPECT_EQ(hist[0].value.sumSquares, 9);
  EXPECT_EQ(hist[0].value.limits, (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(hist[0].value.counts, (std::vector<double>{1, 2, 3}));
  const auto& image = run->images.at("py/image");
  ASSERT_EQ(image.size(), 1u);
  EXPECT_EQ(image[0].step, 3);
  EXPECT_EQ(image[0].value.at(0).width, 4);
  EXPECT_EQ(image[0].value.at(0).height, 3);
  EXPECT_EQ(image[0].value.at(0).encoded.substr(1, 3), "PNG");
  EXPECT_EQ(run->texts.at("py/text").at(0).value, "hello *loom*");
  ASSERT_TRUE(run->hparams);
  EXPECT_EQ(std::get<double>(run->hparams->values.at("lr")), 0.01);
  EXPECT_EQ(std::get<std::string>(run->hparams->values.at("optimizer")), "adam");
  EXPECT_TRUE(std::get<bool>(run->hparams->values.at("augment")));
  EXPECT_EQ(run->hparams->endStatus, "success");
}

}  // namespace
}  // namespace loom::events
