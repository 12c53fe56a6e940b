#pragma once
// A history of operations on single-key registers and two linearizability checkers for it.
// Linearizable: there is an order of the operations that respects real time (an operation that
// returned before another was called comes first) and the register's semantics (a read returns
// the last value written before it). Keys are independent registers (linearizability is
// compositional), so each is checked alone.
//
// - isLinearizable(): the general check, after Wing & Gong with the state cache of Lowe and
//   Porcupine: a depth-first search for such an order. Exponential in the worst case (many
//   overlapping writes, which a leader change produces).
// - distinctWritesViolation(): exact and O(n log n) when every write writes a value no other
//   write does (the simulation's do), by Gibbons & Korach's zones. The simulation uses it; the
//   unit test checks that both agree on many random histories.
//
// Timestamps are logical: every call and every return gets the next number, which gives a strict
// real-time order even for events at the same simulated millisecond. A write whose outcome is
// unknown (an error after it was proposed, a lost callback) never returns: it may take effect at
// any point after its call, or never.
#include <QHash>
#include <QList>
#include <QString>

#include <limits>

namespace qonsul::sim {

struct RegisterOp
{
    static constexpr quint64 kPending = std::numeric_limits<quint64>::max();
    bool write = false;
    qint64 value = 0; // written, or returned by the read
    quint64 call = 0;
    quint64 ret = kPending;
};

class RegisterHistory
{
public:
    // Starts an operation; returns its id. A read's value is set by complete().
    int call(const QString &key, bool write, qint64 value = 0);
    void complete(int id, qint64 readValue = 0);
    int size() const { return int(m_ops.size()); }

    // Empty when every key's history is linearizable from `initial` (distinct written values),
    // else which key is not, why, and its operations.
    QString check(qint64 initial = 0) const;

private:
    QList<QPair<QString, RegisterOp>> m_ops;
    quint64 m_clock = 0;
};

// One register's history: true when some linearization exists.
bool isLinearizable(const QList<RegisterOp> &ops, qint64 initial);
// One register's history whose writes carry distinct values (none the initial one): empty when
// linearizable, else why not.
QString distinctWritesViolation(const QList<RegisterOp> &ops, qint64 initial);

} // namespace qonsul::sim
