// PropertiesPanel: editors for the selected node, generated from its op's schema.
//
// One editor per OpSchema attribute: a spin box with the schema's range for Int and Float,
// a combo box for a String with choices, a check box for Bool, one spin box per element for
// a fixed-size Ints tuple (a text field for free-length Ints/Floats). Every change goes
// through Document::setAttribute (one undo step); the reset button next to a set attribute
// returns it to the schema default. The name field goes through Document::renameNode.
// A refused edit changes nothing: the editor reverts and the engine's message is shown
// under the form and sent as statusMessage(). Below the editors: output shape, parameters,
// FLOPs and activation memory from Document::analysis(), and the node's problem if any.
#pragma once

#include <QString>
#include <QWidget>
#include <functional>
#include <vector>

#include "engine/ops/attr.h"
#include "engine/ops/op.h"

class QFormLayout;
class QLabel;
class QLineEdit;

namespace loom::studio {

class Document;

class PropertiesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PropertiesPanel(Document* document, QWidget* parent = nullptr);

  /// Shows `node` (empty: nothing selected). Called when the canvas selection changes.
  void setNode(const QString& node);
  QString node() const { return m_node; }

  /// The editor widget of attribute `attr` of the shown node (tests), or null.
  QWidget* editorFor(const QString& attr) const;
  QLineEdit* nameField() const { return m_name; }
  /// The last refusal message (empty after a successful edit).
  QString message() const;

 signals:
  void statusMessage(const QString& message);
  /// The name field renamed the shown node (the window keeps it selected on the canvas).
  void nodeRenamed(const QString& newName);

 private:
  struct Editor {
    QString attr;
    QWidget* widget = nullptr;
    std::function<void(const AttrValue&)> show;  // puts a value into the widget, no signals
    QWidget* resetButton = nullptr;
  };
  void rebuild();
  void refreshValues();
  void refreshInfo();
  void commit(const QString& attr, const std::optional<AttrValue>& value);
  void commitName();
  void showMessage(const QString& message);
  Editor makeEditor(const AttrSpec& spec);

  Document* m_doc;
  QString m_node;
  std::string m_shownOp;  // the op the form was built for; rebuilt when it changes
  QWidget* m_form = nullptr;
  QFormLayout* m_formLayout = nullptr;
  QLabel* m_header = nullptr;
  QLineEdit* m_name = nullptr;
  QLabel* m_info = nullptr;
  QLabel* m_message = nullptr;
  QLabel* m_empty = nullptr;
  std::vector<Editor> m_editors;
};

}  // namespace loom::studio
