#include "engine/dist/launcher.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace loom {

namespace {
bool hostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == ':';
}

std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) && c != ' ') return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return c == ' ' ? "a space" : buf;
}

Expected<int> parseSlots(const std::string& value, const std::string& where) {
  if (value.empty() || value.size() > 6 ||
      value.find_first_not_of("0123456789") != std::string::npos || std::stoi(value) < 1)
    return invalidArgument(where + ": slots must be a whole number from 1 to 999999, got \"" +
                           value + "\"");
  return std::stoi(value);
}
}  // namespace

Status checkHostName(const std::string& host, const std::string& where) {
  if (host.empty()) return invalidArgument(where + ": empty host name");
  if (host.size() > 253)
    return invalidArgument(where + ": host name is " + std::to_string(host.size()) +
                           " characters long (at most 253)");
  if (host[0] == '-')
    return invalidArgument(where + ": host name \"" + host +
                           "\" starts with '-' (it would be read as an option)");
  for (char c : host)
    if (!hostChar(c))
      return invalidArgument(where + ": host name \"" + host + "\" contains " + printable(c) +
                             "; only letters, digits, '.', '-', '_' and ':' are allowed");
  return Status::ok();
}

Expected<std::vector<HostfileEntry>> readHostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return notFound("cannot read hostfile \"" + path + "\"");
  std::vector<HostfileEntry> hosts;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (const auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    std::istringstream words(text);
    std::string host;
    if (!(words >> host)) continue;
    const std::string where = path + ":" + std::to_string(line);
    LOOM_RETURN_IF_ERROR(checkHostName(host, where));
    HostfileEntry e{host, 0, line};
    for (std::string word; words >> word;) {
      const auto eq = word.find('=');
      const std::string key = word.substr(0, eq);
      if (eq == std::string::npos || (key != "slots" && key != "max_slots" && key != "max-slots"))
        return invalidArgument(where + ": unknown entry \"" + word + "\" after host \"" + host +
                               "\" (expected slots=N or max_slots=N)");
      LOOM_ASSIGN_OR_RETURN(int n, parseSlots(word.substr(eq + 1), where));
      if (key == "slots") e.slots = n;
    }
    hosts.push_back(e);
  }
  if (hosts.empty()) return invalidArgument("hostfile \"" + path + "\" names no host");
  return hosts;
}

Expected<std::vector<std::string>> mpirunArgv(const LaunchRequest& r) {
  if (r.ranks < 1)
    return invalidArgument("--np must be at least 1, got " + std::to_string(r.ranks));
  if (r.trainArgs.empty())
    return invalidArgument("loom launch needs a model: loom launch --np N -- MODEL.loom [options]");
  const std::string& model = r.trainArgs.front();
  if (model.empty() || model[0] == '-')
    return invalidArgument("the model path \"" + model +
                           "\" must come first after -- and must not start with '-'");
  for (const std::string& a : r.trainArgs)
    if (a == "--world-size" || a.rfind("--world-size=", 0) == 0)
      return invalidArgument("--world-size is set by loom launch (from --np); remove \"" + a +
                             "\"");
  std::vector<std::string> argv = {r.mpirun};
  if (r.asRoot) argv.push_back("--allow-run-as-root");
  argv.insert(argv.end(), {"-np", std::to_string(r.ranks)});
  if (!r.hostfile.empty()) {
    if (r.hostfile[0] == '-')
      return invalidArgument("the hostfile path \"" + r.hostfile + "\" must not start with '-'");
    LOOM_RETURN_IF_ERROR(readHostfile(r.hostfile).status());
    argv.insert(argv.end(), {"--hostfile", r.hostfile});
  } else {
    // One machine: as many ranks as asked, even beyond its cores (each rank's OpenMP team
    // is its training.threads).
    argv.push_back("--oversubscribe");
  }
  // Open MPI binds each rank to one core by default (np <= 2): that would squeeze a rank's
  // OpenMP team onto a single core.
  argv.insert(argv.end(), {"--bind-to", "none"});
  argv.insert(argv.end(), {r.loom, "train"});
  argv.insert(argv.end(), r.trainArgs.begin(), r.trainArgs.end());
  argv.insert(argv.end(), {"--world-size", std::to_string(r.ranks)});
  return argv;
}

std::string shellQuote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                       "OPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace loom
