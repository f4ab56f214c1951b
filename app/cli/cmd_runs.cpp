// `loom runs LOGDIR`: every run under a log directory, as the dashboard reads it
// (engine/events/log_dir_reader.h): run.json's status, tags by kind with point counts, step
// ranges and last values, and every problem with its file and byte offset. TensorBoard's
// `--inspect`, for Loom's and anyone's logs. Exit 0, or 4 when there are no runs or any run
// has a problem (the runs are still listed).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/events/log_dir_reader.h"

namespace loom::cli {
namespace {

using namespace loom::events;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string steps(std::int64_t first, std::int64_t last) {
  return first == last ? "step " + std::to_string(first)
                       : "steps " + std::to_string(first) + ".." + std::to_string(last);
}

std::string hparamText(const HParamValue& v) {
  if (const double* d = std::get_if<double>(&v)) return number(*d);
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "\"" + std::get<std::string>(v) + "\"";
}

void heading(const char* kind, std::size_t n) {
  std::printf("  %s (%zu):\n", kind, n);
}

void printScalars(const RunData& run) {
  if (run.scalars.empty()) return;
  heading("scalars", run.scalars.size());
  for (const auto& [tag, s] : run.scalars) {
    std::printf("    %-36s %7zu points  %-16s last %s\n", tag.c_str(), s.size(),
                steps(s.steps.front(), s.steps.back()).c_str(), number(s.values.back()).c_str());
  }
}

void printHistograms(const RunData& run) {
  if (run.histograms.empty()) return;
  heading("histograms", run.histograms.size());
  for (const auto& [tag, h] : run.histograms) {
    const Histogram& last = h.back().value;
    const double mean = last.num > 0 ? last.sum / last.num : 0;
    std::printf("    %-36s %7zu steps   %-16s last %zu buckets, n %s, min %s, max %s, mean %s\n",
                tag.c_str(), h.size(), steps(h.front().step, h.back().step).c_str(),
                last.limits.size(), number(last.num).c_str(), number(last.min).c_str(),
                number(last.max).c_str(), number(mean).c_str());
  }
}

void printImages(const RunData& run) {
  if (run.images.empty()) return;
  heading("images", run.images.size());
  for (const auto& [tag, steps_] : run.images) {
    const auto& last = steps_.back().value;
    std::string size = last.empty()
                           ? "none"
                           : std::to_string(last.size()) + " × " + std::to_string(last[0].width) +
                                 "x" + std::to_string(last[0].height);
    std::printf("    %-36s %7zu steps   %-16s last %s\n", tag.c_str(), steps_.size(),
                steps(steps_.front().step, steps_.back().step).c_str(), size.c_str());
  }
}

void printTexts(const RunData& run) {
  if (run.texts.empty()) return;
  heading("text", run.texts.size());
  for (const auto& [tag, t] : run.texts) {
    std::string first = t.back().value.substr(0, t.back().value.find('\n'));
    if (first.size() > 40) first = first.substr(0, 40) + "…";
    std::printf("    %-36s %7zu steps   %-16s last \"%s\"\n", tag.c_str(), t.size(),
                steps(t.front().step, t.back().step).c_str(), first.c_str());
  }
}

void printRun(const RunData& run) {
  std::printf("run %s\n", run.name.c_str());
  if (run.info) {
    std::string line = "  run.json: status " + run.info->status.value_or("(none)");
    if (run.info->crashed) {
      line += " → crashed (process " + std::to_string(run.info->pid.value_or(0)) +
              " on this host is gone)";
    }
    if (run.info->host) line += ", host " + *run.info->host;
    if (run.info->globalStep) line += ", step " + std::to_string(*run.info->globalStep);
    if (run.info->bestMetric) {
      line += ", best " + run.info->bestMetricName.value_or("metric") + " " +
              number(*run.info->bestMetric);
      if (run.info->bestStep) line += " at step " + std::to_string(*run.info->bestStep);
    }
    std::printf("%s\n", line.c_str());
    if (run.info->error) std::printf("  error: %s\n", run.info->error->c_str());
  }
  std::printf("  %zu event file%s, %" PRIu64 " events\n", run.files.size(),
              run.files.size() == 1 ? "" : "s", run.events);
  printScalars(run);
  printHistograms(run);
  printImages(run);
  printTexts(run);
  if (run.hparams) {
    std::string line = "  hparams:";
    for (const auto& [name, v] : run.hparams->values) line += " " + name + "=" + hparamText(v);
    if (!run.hparams->endStatus.empty()) line += " (session " + run.hparams->endStatus + ")";
    std::printf("%s\n", line.c_str());
  }
  if (!run.otherTags.empty()) {
    std::string line = "  not shown:";
    for (const auto& [tag, n] : run.otherTags) line += " " + tag + " ×" + std::to_string(n);
    std::printf("%s\n", line.c_str());
  }
  for (const FileProblem& p : run.problems) {
    std::printf("  PROBLEM %s @ byte %" PRIu64 ": %s\n", p.file.c_str(), p.offset,
                p.message.c_str());
  }
}

}  // namespace

int runRuns(const RunsArgs& args) {
  LogDirReader reader(args.logdir);
  const LogDirChanges changes = reader.poll();
  const auto names = reader.runNames();
  std::printf("%s: %zu run%s\n", args.logdir.c_str(), names.size(), names.size() == 1 ? "" : "s");
  std::size_t problems = 0, runsWithProblems = 0;
  for (const auto& name : names) {
    const RunData& run = *reader.run(name);
    printRun(run);
    problems += run.problems.size();
    runsWithProblems += run.problems.empty() ? 0 : 1;
  }
  std::fflush(stdout);
  if (!changes.rootProblems.empty()) return reportError(dataCorrupt(changes.rootProblems[0]));
  if (problems > 0) {
    return reportError(dataCorrupt(std::to_string(problems) + " problem" +
                                   (problems == 1 ? "" : "s") + " in " +
                                   std::to_string(runsWithProblems) + " run" +
                                   (runsWithProblems == 1 ? "" : "s") + " (listed above)"));
  }
  return kExitOk;
}

}  // namespace loom::cli
