#include "gossip/Coordinate.h"

#include <QCborArray>
#include <QCborValue>
#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace qonsul::gossip {

namespace {

constexpr double kZero = 1.0e-6;
constexpr double kErrorMax = 1.5;
constexpr double kCE = 0.25;
constexpr double kCC = 0.25;
constexpr double kHeightMin = 1.0e-5;
constexpr double kGravityRho = 150.0;
constexpr int kLatencyFilter = 3;

double rawDistance(const Coordinate &a, const Coordinate &b)
{
    double sum = 0;
    for (int i = 0; i < Coordinate::kDimensions; ++i)
        sum += (a.vec[size_t(i)] - b.vec[size_t(i)]) * (a.vec[size_t(i)] - b.vec[size_t(i)]);
    return std::sqrt(sum) + a.height + b.height;
}

// Moves `c` by `force` along the line from `other` (a fixed direction when they coincide).
Coordinate applyForce(const Coordinate &c, double force, const Coordinate &other)
{
    std::array<double, Coordinate::kDimensions> unit{};
    double mag = 0;
    for (int i = 0; i < Coordinate::kDimensions; ++i) {
        unit[size_t(i)] = c.vec[size_t(i)] - other.vec[size_t(i)];
        mag += unit[size_t(i)] * unit[size_t(i)];
    }
    mag = std::sqrt(mag);
    if (mag > kZero) {
        for (double &u : unit)
            u /= mag;
    } else {
        unit.fill(0);
        unit[0] = 1; // Serf picks a random direction; a fixed one keeps simulations replayable
        mag = 0;
    }
    Coordinate out = c;
    for (int i = 0; i < Coordinate::kDimensions; ++i)
        out.vec[size_t(i)] += unit[size_t(i)] * force;
    if (mag > kZero)
        out.height = std::max(kHeightMin, (c.height + other.height) * force / mag + c.height);
    return out;
}

} // namespace

QJsonObject Coordinate::toJson() const
{
    QJsonArray v;
    for (double x : vec)
        v.append(x);
    return QJsonObject{{QStringLiteral("Vec"), v},
                       {QStringLiteral("Error"), error},
                       {QStringLiteral("Adjustment"), adjustment},
                       {QStringLiteral("Height"), height}};
}

Coordinate Coordinate::fromJson(const QJsonObject &json)
{
    Coordinate out;
    const QJsonArray v = json.value(u"Vec").toArray();
    for (int i = 0; i < kDimensions && i < v.size(); ++i)
        out.vec[size_t(i)] = v.at(i).toDouble();
    out.error = json.value(u"Error").toDouble();
    out.adjustment = json.value(u"Adjustment").toDouble();
    out.height = json.value(u"Height").toDouble();
    return out;
}

double Coordinate::distanceTo(const Coordinate &other) const
{
    const double dist = rawDistance(*this, other);
    const double adjusted = dist + adjustment + other.adjustment;
    return adjusted > 0 ? adjusted : dist;
}

QByteArray Coordinate::encode() const
{
    QCborArray a;
    for (double v : vec)
        a.append(v);
    a.append(error);
    a.append(adjustment);
    a.append(height);
    return QCborValue(a).toCbor();
}

std::optional<Coordinate> Coordinate::decode(const QByteArray &bytes)
{
    QCborParserError error;
    const QCborValue v = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError || !v.isArray() || v.toArray().size() != kDimensions + 3)
        return std::nullopt;
    const QCborArray a = v.toArray();
    std::array<double, kDimensions + 3> values{};
    for (int i = 0; i < kDimensions + 3; ++i) {
        if (!a.at(i).isDouble() || !std::isfinite(a.at(i).toDouble()) || std::abs(a.at(i).toDouble()) > 1.0e6)
            return std::nullopt;
        values[size_t(i)] = a.at(i).toDouble();
    }
    Coordinate c;
    std::copy_n(values.begin(), kDimensions, c.vec.begin());
    c.error = values[kDimensions];
    c.adjustment = values[kDimensions + 1];
    c.height = values[kDimensions + 2];
    if (c.error < 0 || c.height < 0)
        return std::nullopt;
    return c;
}

const Coordinate &CoordinateClient::update(const QString &node, const Coordinate &other, double rttSeconds)
{
    // Median of the last few samples: one delayed packet does not throw the coordinate off.
    QList<double> &samples = m_samples[node];
    samples.append(rttSeconds);
    while (samples.size() > kLatencyFilter)
        samples.removeFirst();
    QList<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    const double rtt = std::max(kZero, sorted.at(sorted.size() / 2));

    // Vivaldi step, weighted by how sure each side is.
    const double dist = m_coord.distanceTo(other);
    const double wrongness = std::abs(dist - rtt) / rtt;
    const double totalError = std::max(kZero, m_coord.error + other.error);
    const double weight = m_coord.error / totalError;
    m_coord.error = std::min(kErrorMax, kCE * weight * wrongness + m_coord.error * (1.0 - kCE * weight));
    m_coord = applyForce(m_coord, kCC * weight * (rtt - dist), other);

    // Adjustment: the mean error of recent samples, halved (both ends add theirs).
    m_adjustments[size_t(m_adjustmentIndex)] = rtt - rawDistance(m_coord, other);
    m_adjustmentIndex = (m_adjustmentIndex + 1) % int(m_adjustments.size());
    double sum = 0;
    for (double a : m_adjustments)
        sum += a;
    m_coord.adjustment = sum / (2.0 * double(m_adjustments.size()));

    // Gravity pulls everyone gently toward the origin so the whole system does not drift.
    const Coordinate origin{{}, 0, 0, kHeightMin};
    const double fromOrigin = m_coord.distanceTo(origin);
    m_coord = applyForce(m_coord, -1.0 * std::pow(fromOrigin / kGravityRho, 2.0), origin);
    return m_coord;
}

} // namespace qonsul::gossip
