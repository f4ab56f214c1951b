#include "widgets/modes/workers/host_sources.h"

#include <QRegularExpression>

namespace loom::studio {

QStringList hostsInSshConfig(const QString& text) {
  QStringList hosts;
  static const QRegularExpression hostLine(QStringLiteral(R"(^\s*host(?:\s*=\s*|\s+)(.*)$)"),
                                           QRegularExpression::CaseInsensitiveOption);
  for (const QString& line : text.split(QLatin1Char('\n'))) {
    const auto m = hostLine.match(line);
    if (!m.hasMatch()) continue;
    const QString names = m.captured(1).section(QLatin1Char('#'), 0, 0);
    for (const QString& name :
         names.split(QRegularExpression(QStringLiteral(R"(\s+)")), Qt::SkipEmptyParts)) {
      const bool pattern = name.contains(QLatin1Char('*')) || name.contains(QLatin1Char('?')) ||
                           name.startsWith(QLatin1Char('!'));
      if (!pattern && checkTypedHost(name).isOk() && !hosts.contains(name)) hosts.append(name);
    }
  }
  return hosts;
}

QStringList sinfoArguments(const QString& partition) {
  return {QStringLiteral("-h"), QStringLiteral("-N"), QStringLiteral("-p"), partition,
          QStringLiteral("-o"), QStringLiteral("%N")};
}

QStringList nodesInSinfoOutput(const QString& output) {
  QStringList nodes;
  for (const QString& line : output.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
    const QString node = line.trimmed();
    if (!node.isEmpty() && !nodes.contains(node)) nodes.append(node);
  }
  return nodes;
}

std::string hostfileText(const std::vector<HostfileEntry>& hosts) {
  std::string text = "# Written by Loom Studio's Workers mode (docs/workers-mode.md).\n";
  for (const HostfileEntry& h : hosts)
    text += h.host + (slotCount(h) > 0 ? " slots=" + std::to_string(slotCount(h)) : std::string()) +
            "\n";
  return text;
}

Status checkTypedHost(const QString& host) {
  const Status st = checkHostName(host.toStdString(), "");
  if (st.isOk()) return st;
  std::string message = st.message();
  if (message.rfind(": ", 0) == 0) message.erase(0, 2);  // the empty "where"
  return Status(st.code(), message);
}

}  // namespace loom::studio
