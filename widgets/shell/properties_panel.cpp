#include "widgets/shell/properties_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <climits>
#include <cmath>

#include "widgets/document/document.h"
#include "widgets/shell/float_spin_box.h"
#include "widgets/shell/format.h"
#include "widgets/shell/palette_panel.h"

namespace loom::studio {

namespace {

int clampToInt(double v) {
  if (v <= INT_MIN) return INT_MIN;
  if (v >= INT_MAX) return INT_MAX;
  return static_cast<int>(v);
}

QSpinBox* makeIntSpin(const AttrSpec& spec, QWidget* parent) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(spec.min ? clampToInt(*spec.min) : INT_MIN,
                 spec.max ? clampToInt(*spec.max) : INT_MAX);
  spin->setKeyboardTracking(false);  // one edit per Enter / focus change / arrow step
  spin->setAccelerated(true);
  // The natural width of an INT_MAX-range spin box is huge; share the row instead.
  spin->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  spin->setMinimumWidth(38);
  return spin;
}

// "1, 28, 28" or "1 28 28" -> ints; nullopt if any element does not parse.
template <class T>
std::optional<std::vector<T>> parseList(const QString& text) {
  std::vector<T> values;
  const QStringList parts =
      text.split(QRegularExpression(QStringLiteral("[,\\s\\[\\]]+")), Qt::SkipEmptyParts);
  for (const QString& part : parts) {
    bool ok = false;
    if constexpr (std::is_same_v<T, double>) {
      values.push_back(QLocale::c().toDouble(part, &ok));
    } else {
      values.push_back(part.toLongLong(&ok));
    }
    if (!ok) return std::nullopt;
  }
  return values;
}

template <class T>
QString joinList(const std::vector<T>& values) {
  QStringList parts;
  for (const T& v : values) {
    if constexpr (std::is_same_v<T, double>)
      parts << QLocale::c().toString(v, 'g', 10);
    else
      parts << QString::number(v);
  }
  return parts.join(QStringLiteral(", "));
}

}  // namespace

PropertiesPanel::PropertiesPanel(Document* document, QWidget* parent)
    : QWidget(parent), m_doc(document) {
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // editors shrink to fit instead
  auto* content = new QWidget(scroll);
  auto* v = new QVBoxLayout(content);
  v->setContentsMargins(6, 6, 6, 6);

  m_empty = new QLabel(tr("Select a node to edit its properties."), content);
  m_empty->setWordWrap(true);
  m_empty->setEnabled(false);
  m_header = new QLabel(content);
  m_header->setTextFormat(Qt::RichText);
  m_header->setWordWrap(true);
  m_form = new QWidget(content);
  m_formLayout = new QFormLayout(m_form);
  m_formLayout->setContentsMargins(0, 0, 0, 0);
  m_formLayout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  m_formLayout->setRowWrapPolicy(
      QFormLayout::WrapLongRows);  // a narrow dock puts fields under labels
  m_message = new QLabel(content);
  m_message->setObjectName(QStringLiteral("propertiesMessage"));
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_message->setStyleSheet(QStringLiteral("color: #d64541;"));
  m_message->hide();
  m_info = new QLabel(content);
  m_info->setObjectName(QStringLiteral("propertiesInfo"));
  m_info->setTextFormat(Qt::RichText);
  m_info->setWordWrap(true);
  m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);

  v->addWidget(m_empty);
  v->addWidget(m_header);
  v->addWidget(m_form);
  v->addWidget(m_message);
  v->addWidget(m_info);
  v->addStretch(1);
  scroll->setWidget(content);

  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);

  connect(m_doc, &Document::graphChanged, this, [this](const QStringList& nodes) {
    if (m_node.isEmpty()) return;
    if (!nodes.isEmpty() && !nodes.contains(m_node)) return;
    refreshValues();
  });
  connect(m_doc, &Document::modelReset, this, [this] { setNode({}); });
  connect(m_doc, &Document::analysisUpdated, this, &PropertiesPanel::refreshInfo);
  rebuild();
}

void PropertiesPanel::setNode(const QString& node) {
  if (node == m_node && !m_shownOp.empty()) return;
  m_node = node;
  showMessage({});
  rebuild();
}

QWidget* PropertiesPanel::editorFor(const QString& attr) const {
  for (const Editor& e : m_editors)
    if (e.attr == attr) return e.widget;
  return nullptr;
}

QString PropertiesPanel::message() const {
  return m_message->text();
}

void PropertiesPanel::showMessage(const QString& message) {
  m_message->setText(message);
  m_message->setVisible(!message.isEmpty());
  if (!message.isEmpty()) emit statusMessage(message);
}

void PropertiesPanel::rebuild() {
  // Old editors may be the sender of the signal that got us here: delete them later.
  while (m_formLayout->rowCount() > 0) {
    QFormLayout::TakeRowResult row = m_formLayout->takeRow(0);
    for (QLayoutItem* item : {row.labelItem, row.fieldItem}) {
      if (!item) continue;
      if (QWidget* w = item->widget()) {
        w->hide();
        w->deleteLater();
      }
      delete item;
    }
  }
  m_editors.clear();
  m_name = nullptr;
  m_shownOp.clear();

  const Node* node = m_node.isEmpty() ? nullptr : m_doc->graph().find(m_node.toStdString());
  if (!node) {
    m_node.clear();
    m_empty->show();
    m_header->hide();
    m_info->clear();
    m_info->hide();
    return;
  }
  m_empty->hide();
  m_header->show();
  m_info->show();
  m_shownOp = node->op;

  const Op* op = OpRegistry::global().find(node->op);
  const QString opName = QString::fromStdString(node->op);
  const QString category = op ? QString::fromStdString(op->schema().category) : tr("Unknown op");
  m_header->setText(QStringLiteral("<b style='font-size:larger'>%1</b> &nbsp;<i>%2</i>%3")
                        .arg(opName.toHtmlEscaped(), category.toHtmlEscaped(),
                             op ? QStringLiteral("<br><small>%1</small>")
                                      .arg(QString::fromStdString(op->schema().doc).toHtmlEscaped())
                                : QString()));

  m_name = new QLineEdit(m_form);
  m_name->setObjectName(QStringLiteral("nodeName"));
  m_name->setToolTip(tr("Unique node name; letters, digits, _ . / -"));
  connect(m_name, &QLineEdit::editingFinished, this, &PropertiesPanel::commitName);
  m_formLayout->addRow(tr("Name"), m_name);

  if (op) {
    for (const AttrSpec& spec : op->schema().attrs) {
      Editor editor = makeEditor(spec);
      auto* field = new QWidget(m_form);
      auto* h = new QHBoxLayout(field);
      h->setContentsMargins(0, 0, 0, 0);
      h->setSpacing(2);
      editor.widget->setParent(field);
      h->addWidget(editor.widget, 1);
      auto* reset = new QToolButton(field);
      reset->setText(QStringLiteral("\u21BA"));  // ↺
      reset->setAutoRaise(true);
      reset->setToolTip(tr("Reset \"%1\" to its default").arg(QString::fromStdString(spec.name)));
      reset->setVisible(false);
      const QString attr = QString::fromStdString(spec.name);
      connect(reset, &QToolButton::clicked, this, [this, attr] { commit(attr, std::nullopt); });
      h->addWidget(reset);
      editor.resetButton = reset;
      auto* label = new QLabel(
          QString::fromStdString(spec.name) + (spec.required ? QStringLiteral(" *") : QString()),
          m_form);
      const QString tip = QStringLiteral("<b>%1</b> (%2)%3<p>%4</p>")
                              .arg(attr, QString::fromLatin1(attrTypeName(spec.type)),
                                   spec.required ? tr(", required") : QString(),
                                   QString::fromStdString(spec.doc).toHtmlEscaped());
      label->setToolTip(tip);
      editor.widget->setToolTip(tip);
      m_formLayout->addRow(label, field);
      m_editors.push_back(std::move(editor));
    }
  }
  refreshValues();
}

PropertiesPanel::Editor PropertiesPanel::makeEditor(const AttrSpec& spec) {
  Editor e;
  e.attr = QString::fromStdString(spec.name);
  const QString attr = e.attr;
  switch (spec.type) {
    case AttrType::Int: {
      QSpinBox* spin = makeIntSpin(spec, nullptr);
      connect(spin, &QSpinBox::valueChanged, this,
              [this, attr](int v) { commit(attr, AttrValue(std::int64_t{v})); });
      e.widget = spin;
      e.show = [spin](const AttrValue& v) {
        if (auto* i = std::get_if<std::int64_t>(&v))
          spin->setValue(clampToInt(static_cast<double>(*i)));
      };
      break;
    }
    case AttrType::Float: {
      auto* spin = new FloatSpinBox;
      spin->setDecimals(12);
      spin->setRange(spec.min ? *spec.min : -1e12, spec.max ? *spec.max : 1e12);
      spin->setSingleStep(spec.min && spec.max ? (*spec.max - *spec.min) / 100.0 : 0.1);
      spin->setKeyboardTracking(false);
      spin->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
      spin->setMinimumWidth(60);
      connect(spin, &QDoubleSpinBox::valueChanged, this,
              [this, attr](double v) { commit(attr, AttrValue(v)); });
      e.widget = spin;
      e.show = [spin](const AttrValue& v) {
        if (auto* d = std::get_if<double>(&v)) spin->setValue(*d);
      };
      break;
    }
    case AttrType::Bool: {
      auto* box = new QCheckBox;
      connect(box, &QCheckBox::toggled, this,
              [this, attr](bool on) { commit(attr, AttrValue(on)); });
      e.widget = box;
      e.show = [box](const AttrValue& v) {
        if (auto* b = std::get_if<bool>(&v)) box->setChecked(*b);
      };
      break;
    }
    case AttrType::String: {
      if (!spec.choices.empty()) {
        auto* combo = new QComboBox;
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
        for (const std::string& c : spec.choices) combo->addItem(QString::fromStdString(c));
        connect(combo, &QComboBox::activated, this, [this, attr, combo](int index) {
          commit(attr, AttrValue(combo->itemText(index).toStdString()));
        });
        e.widget = combo;
        e.show = [combo](const AttrValue& v) {
          if (auto* s = std::get_if<std::string>(&v))
            combo->setCurrentText(QString::fromStdString(*s));
        };
      } else {
        auto* line = new QLineEdit;
        connect(line, &QLineEdit::editingFinished, this, [this, attr, line] {
          if (line->isModified()) commit(attr, AttrValue(line->text().toStdString()));
          line->setModified(false);
        });
        e.widget = line;
        e.show = [line](const AttrValue& v) {
          if (auto* s = std::get_if<std::string>(&v)) line->setText(QString::fromStdString(*s));
        };
      }
      break;
    }
    case AttrType::Ints: {
      if (spec.tupleSize > 0) {
        auto* box = new QWidget;
        auto* h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(2);
        std::vector<QSpinBox*> spins;
        for (int i = 0; i < spec.tupleSize; ++i) {
          QSpinBox* spin = makeIntSpin(spec, box);
          spin->setObjectName(QStringLiteral("%1_%2").arg(attr).arg(i));
          h->addWidget(spin);
          spins.push_back(spin);
        }
        for (QSpinBox* spin : spins)
          connect(spin, &QSpinBox::valueChanged, this, [this, attr, spins] {
            std::vector<std::int64_t> values;
            for (QSpinBox* s : spins) values.push_back(s->value());
            commit(attr, AttrValue(values));
          });
        e.widget = box;
        e.show = [spins](const AttrValue& v) {
          std::vector<std::int64_t> values;
          if (auto* list = std::get_if<std::vector<std::int64_t>>(&v)) values = *list;
          if (auto* one = std::get_if<std::int64_t>(&v)) values.assign(spins.size(), *one);
          for (std::size_t i = 0; i < spins.size() && i < values.size(); ++i) {
            const QSignalBlocker block(spins[i]);
            spins[i]->setValue(clampToInt(static_cast<double>(values[i])));
          }
        };
        break;
      }
      [[fallthrough]];
    }
    case AttrType::Floats: {
      auto* line = new QLineEdit;
      line->setPlaceholderText(tr("comma-separated values"));
      const bool floats = spec.type == AttrType::Floats;
      connect(line, &QLineEdit::editingFinished, this, [this, attr, line, floats] {
        if (!line->isModified()) return;
        line->setModified(false);
        if (floats) {
          if (auto values = parseList<double>(line->text()))
            return commit(attr, AttrValue(*values));
        } else if (auto values = parseList<std::int64_t>(line->text())) {
          return commit(attr, AttrValue(*values));
        }
        showMessage(
            tr("attribute \"%1\": \"%2\" is not a list of numbers").arg(attr, line->text()));
        refreshValues();
      });
      e.widget = line;
      e.show = [line](const AttrValue& v) {
        if (auto* ints = std::get_if<std::vector<std::int64_t>>(&v)) line->setText(joinList(*ints));
        if (auto* one = std::get_if<std::int64_t>(&v)) line->setText(QString::number(*one));
        if (auto* fs = std::get_if<std::vector<double>>(&v)) line->setText(joinList(*fs));
      };
      break;
    }
  }
  return e;
}

void PropertiesPanel::refreshValues() {
  const Node* node = m_node.isEmpty() ? nullptr : m_doc->graph().find(m_node.toStdString());
  if (!node || node->op != m_shownOp) {
    rebuild();  // deleted, or replaced by a node of another op (undo of a rename + add)
    return;
  }
  if (m_name && !m_name->hasFocus()) m_name->setText(m_node);
  const Op* op = OpRegistry::global().find(node->op);
  if (op) {
    // Show completed values (defaults filled in, tuples expanded) when the node is valid,
    // otherwise the raw value the user set, or the default.
    Expected<Attrs> resolved = resolveAttrs(op->schema(), node->attrs);
    for (Editor& e : m_editors) {
      const std::string name = e.attr.toStdString();
      const AttrSpec* spec = nullptr;
      for (const AttrSpec& s : op->schema().attrs)
        if (s.name == name) spec = &s;
      if (!spec) continue;
      std::optional<AttrValue> value;
      if (resolved) {
        auto it = resolved->values().find(name);
        if (it != resolved->values().end()) value = it->second;
      }
      if (!value) {
        auto it = node->attrs.find(name);
        if (it != node->attrs.end())
          value = it->second;
        else if (!spec->required)
          value = spec->defaultValue;
      }
      if (value) {
        const QSignalBlocker block(e.widget);
        e.show(*value);
      }
      if (e.resetButton) e.resetButton->setVisible(!spec->required && node->attrs.count(name) > 0);
    }
  }
  refreshInfo();
}

void PropertiesPanel::refreshInfo() {
  if (m_node.isEmpty()) return;
  const NodeAnalysis* found = m_doc->nodeAnalysis(m_node);
  if (!found) {
    m_info->setText(tr("<i>Analysing…</i>"));
    return;
  }
  const NodeAnalysis& a = *found;
  QString html = QStringLiteral("<hr><table cellspacing='2'>");
  auto row = [&html](const QString& k, const QString& v) {
    html += QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td><b>%2</b></td></tr>").arg(k, v);
  };
  if (a.status.isOk()) {
    row(tr("Output"), formatShape(a.shape.output));
    row(tr("Parameters"), formatCount(a.cost.params));
    row(tr("FLOPs"),
        tr("%1 (batch %2)").arg(formatCount(a.cost.flops)).arg(m_doc->analysisBatch()));
    row(tr("Activations"), formatBytes(a.cost.activationBytes));
    html += QStringLiteral("</table>");
  } else {
    html += QStringLiteral("</table><p style='color:#d64541'>%1</p>")
                .arg(QString::fromStdString(a.status.message()).toHtmlEscaped());
  }
  m_info->setText(html);
}

void PropertiesPanel::commit(const QString& attr, const std::optional<AttrValue>& value) {
  if (m_node.isEmpty()) return;
  const Status status = m_doc->setAttribute(m_node, attr, value);
  if (!status.isOk()) {
    showMessage(QString::fromStdString(status.message()));
    refreshValues();
    return;
  }
  showMessage({});
}

void PropertiesPanel::commitName() {
  if (!m_name || m_node.isEmpty()) return;
  const QString wanted = m_name->text().trimmed();
  if (wanted == m_node) return;
  const QString old = m_node;
  m_node = wanted;  // the rename's graphChanged must find the node under its new name
  const Status status = m_doc->renameNode(old, wanted);
  if (!status.isOk()) {
    m_node = old;
    m_name->setText(old);
    showMessage(QString::fromStdString(status.message()));
    return;
  }
  showMessage({});
  emit nodeRenamed(wanted);
}

}  // namespace loom::studio
