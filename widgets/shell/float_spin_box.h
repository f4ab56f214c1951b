// FloatSpinBox: a QDoubleSpinBox for values that span many magnitudes (learning rates, epsilons,
// weight decays). It shows 1e-05 as "1e-05" rather than "0.00" and accepts that form when typed.
// Set decimals() high (12-15): QDoubleSpinBox rounds every value to that many decimals.
#pragma once

#include <QDoubleSpinBox>
#include <QLocale>

namespace loom::studio {

class FloatSpinBox : public QDoubleSpinBox {
 public:
  using QDoubleSpinBox::QDoubleSpinBox;

 protected:
  QString textFromValue(double value) const override {
    return QLocale::c().toString(value, 'g', 10);
  }
  double valueFromText(const QString& text) const override {
    return QLocale::c().toDouble(text.trimmed());
  }
  QValidator::State validate(QString& text, int&) const override {
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (!ok) return QValidator::Intermediate;
    return (v >= minimum() && v <= maximum()) ? QValidator::Acceptable : QValidator::Intermediate;
  }
};

}  // namespace loom::studio
