#include "widgets/shell/start_page.h"

#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/graph/model.h"

namespace loom::studio {

std::vector<TemplateInfo> builtinTemplates() {
  std::vector<TemplateInfo> templates = {
      {QObject::tr("MLP"), QStringLiteral(":/examples/mlp.loom"), {}},
      {QObject::tr("2-conv CNN"), QStringLiteral(":/examples/cnn.loom"), {}},
      {QObject::tr("CNN with BatchNorm"), QStringLiteral(":/examples/cnn_bn.loom"), {}},
      {QObject::tr("Residual net"), QStringLiteral(":/examples/resnet_small.loom"), {}},
  };
  for (TemplateInfo& t : templates) {
    QFile file(t.resource);
    if (!file.open(QIODevice::ReadOnly)) continue;
    Expected<Model> model = parseModel(file.readAll().toStdString(), t.resource.toStdString());
    if (model) t.description = QString::fromStdString(model->description);
  }
  return templates;
}

StartPage::StartPage(QWidget* parent) : QWidget(parent), m_recent(new QListWidget(this)) {
  setObjectName(QStringLiteral("startPage"));
  m_card = new QWidget(this);
  m_card->setObjectName(QStringLiteral("startCard"));
  m_card->setMaximumWidth(760);

  auto* title = new QLabel(tr("<h1>Loom Studio</h1><p>Design a network, then train it with "
                              "<code>loom train</code>.</p>"),
                           m_card);
  title->setTextFormat(Qt::RichText);

  auto* newButton = new QPushButton(tr("New empty model"), m_card);
  auto* openButton = new QPushButton(tr("Open…"), m_card);
  connect(newButton, &QPushButton::clicked, this, &StartPage::newRequested);
  connect(openButton, &QPushButton::clicked, this, &StartPage::openRequested);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(newButton);
  buttons->addWidget(openButton);
  buttons->addStretch(1);

  auto* templatesLabel = new QLabel(tr("<b>Start from a template</b>"), m_card);
  auto* grid = new QGridLayout;
  grid->setSpacing(8);
  int index = 0;
  for (const TemplateInfo& t : builtinTemplates()) {
    auto* button = new QToolButton(m_card);
    button->setObjectName(QStringLiteral("template:") + QFileInfo(t.resource).completeBaseName());
    button->setText(t.title);
    button->setIcon(QIcon(QStringLiteral(":/icons/mode_design.svg")));
    button->setIconSize(QSize(32, 32));
    button->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
    button->setMinimumSize(150, 80);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    button->setToolTip(t.description);
    connect(button, &QToolButton::clicked, this, [this, resource = t.resource, title = t.title] {
      emit templateChosen(resource, title);
    });
    grid->addWidget(button, index / 4, index % 4);
    ++index;
  }

  auto* recentLabel = new QLabel(tr("<b>Recent files</b>"), m_card);
  m_recent->setObjectName(QStringLiteral("recentFiles"));
  m_recent->setMinimumHeight(120);
  connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    emit recentChosen(item->data(Qt::UserRole).toString());
  });

  auto* v = new QVBoxLayout(m_card);
  v->setSpacing(10);
  v->addWidget(title);
  v->addLayout(buttons);
  v->addSpacing(8);
  v->addWidget(templatesLabel);
  v->addLayout(grid);
  v->addSpacing(8);
  v->addWidget(recentLabel);
  v->addWidget(m_recent, 1);

  auto* outer = new QHBoxLayout(this);
  outer->addStretch(1);
  outer->addWidget(m_card, 4);
  outer->addStretch(1);
  setBackgroundRole(QPalette::Base);  // a page, not a dialog: follows the theme's base colour
  setAutoFillBackground(true);
}

void StartPage::setRecentFiles(const QStringList& paths) {
  m_recent->clear();
  for (const QString& path : paths) {
    const QFileInfo info(path);
    auto* item = new QListWidgetItem(
        QStringLiteral("%1   —   %2").arg(info.fileName(), info.absolutePath()), m_recent);
    item->setData(Qt::UserRole, path);
    item->setToolTip(path);
    if (!info.exists()) item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
  }
  if (paths.isEmpty()) {
    auto* item = new QListWidgetItem(tr("No recent files"), m_recent);
    item->setFlags(Qt::NoItemFlags);
  }
}

}  // namespace loom::studio
