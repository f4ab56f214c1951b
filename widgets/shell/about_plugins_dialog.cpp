#include "widgets/shell/about_plugins_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QVBoxLayout>

#include "engine/plugin/plugin_api.h"
#include "engine/plugin/plugin_loader.h"

namespace loom::studio {

namespace {
QString text(const std::string& s) {
  return QString::fromStdString(s);
}

QString names(const std::vector<std::string>& list) {
  QStringList out;
  for (const auto& n : list) out << text(n);
  return out.join(QStringLiteral(", "));
}

QString describe(const PluginProvides& p) {
  QStringList parts;
  if (!p.datasetKinds.empty()) parts << QObject::tr("dataset kinds: %1").arg(names(p.datasetKinds));
  if (!p.ops.empty()) parts << QObject::tr("ops: %1").arg(names(p.ops));
  return parts.isEmpty() ? QObject::tr("nothing") : parts.join(QStringLiteral("; "));
}

QString detailsOf(const PluginRecord& r) {
  const PluginManifest& m = r.manifest;
  QStringList lines;
  lines << QStringLiteral("%1 %2 — %3")
               .arg(text(m.name), text(m.version), QString::fromLatin1(pluginStateName(r.state)));
  if (!m.description.empty()) lines << text(m.description);
  lines << QObject::tr("Found in: %1 (%2)").arg(text(r.folder), text(r.origin));
  lines << QObject::tr("Library: %1")
               .arg(m.libraryPath.empty() ? QObject::tr("unknown") : text(m.libraryPath));
  if (r.state == PluginState::Loaded) {
    lines << QObject::tr("Added: %1").arg(describe(r.added));
  } else {
    lines << QObject::tr("Would add: %1").arg(describe(m.provides));
    lines << QObject::tr("Reason: %1").arg(text(r.status.message()));
  }
  return lines.join(QLatin1Char('\n'));
}
}  // namespace

AboutPluginsDialog::AboutPluginsDialog(const PluginManager& manager, QWidget* parent)
    : QDialog(parent),
      m_table(new QTableWidget(this)),
      m_details(new QPlainTextEdit(this)),
      m_searched(new QLabel(this)) {
  setWindowTitle(tr("About Plugins"));
  auto* intro =
      new QLabel(tr("Plugins add ops and dataset kinds to Loom. This Loom speaks plugin API "
                    "version %1; see docs/plugins.md to write one.")
                     .arg(kPluginApiVersion),
                 this);
  intro->setWordWrap(true);
  m_table->setObjectName(QStringLiteral("pluginTable"));
  m_table->setColumnCount(ColumnCount);
  m_table->setHorizontalHeaderLabels(
      {tr("Plugin"), tr("Version"), tr("API"), tr("Status"), tr("Adds"), tr("Library")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_details->setObjectName(QStringLiteral("pluginDetails"));
  m_details->setReadOnly(true);
  m_searched->setObjectName(QStringLiteral("pluginSearchPath"));
  m_searched->setWordWrap(true);
  m_searched->setTextInteractionFlags(Qt::TextSelectableByMouse);
  fillTable(manager);
  connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
    m_details->setPlainText(row >= 0 && row < m_detailTexts.size() ? m_detailTexts[row]
                                                                   : QString());
  });
  if (m_table->rowCount() > 0) m_table->selectRow(0);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(m_table, 2);
  layout->addWidget(m_details, 1);
  layout->addWidget(m_searched);
  layout->addWidget(buttons);
  resize(820, 520);
}

void AboutPluginsDialog::fillTable(const PluginManager& manager) {
  for (const PluginRecord& r : manager.plugins()) {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    const PluginManifest& m = r.manifest;
    const QString api = m.apiVersion != 0 ? QString::number(m.apiVersion) : QStringLiteral("?");
    const QString adds = describe(r.state == PluginState::Loaded ? r.added : m.provides);
    const QString cells[ColumnCount] = {text(m.name), text(m.version),
                                        api,          QString::fromLatin1(pluginStateName(r.state)),
                                        adds,         text(m.libraryPath)};
    for (int c = 0; c < ColumnCount; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (r.state != PluginState::Loaded) item->setToolTip(text(r.status.message()));
      m_table->setItem(row, c, item);
    }
    m_detailTexts << detailsOf(r);
  }
  QStringList dirs;
  for (const PluginSearchDir& d : manager.searched())
    dirs << QStringLiteral("%1: %2").arg(text(d.origin), text(d.path));
  m_searched->setText(
      manager.plugins().empty()
          ? tr("No plugins found. Searched: %1").arg(dirs.join(QStringLiteral("; ")))
          : tr("Searched: %1").arg(dirs.join(QStringLiteral("; "))));
}

}  // namespace loom::studio
