#pragma once
// Vivaldi network coordinates as Serf computes them (Dabek et al., with Serf's height vector,
// adjustment term and gravity), updated from the round trip times of probes: each ack carries
// the acker's coordinate. Distances estimate round trip times (/v1/coordinate, `consul rtt`).
#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <array>
#include <optional>

namespace qonsul::gossip {

struct Coordinate
{
    static constexpr int kDimensions = 8;
    std::array<double, kDimensions> vec{};
    double error = 1.5;      // VivaldiErrorMax: a new coordinate knows nothing
    double adjustment = 0.0; // seconds
    double height = 1.0e-5;  // HeightMin, seconds

    double distanceTo(const Coordinate &other) const; // seconds
    QByteArray encode() const;
    static std::optional<Coordinate> decode(const QByteArray &bytes); // nullopt unless finite and sane
    // The API's form: {"Vec", "Error", "Adjustment", "Height"}; missing numbers read as 0.
    QJsonObject toJson() const;
    static Coordinate fromJson(const QJsonObject &json);
};

// One node's coordinate, moved by every RTT sample (Serf's coordinate.Client with its defaults:
// CE 0.25, CC 0.25, 20 adjustment samples, gravity rho 150, a median over the last 3 samples
// per peer).
class CoordinateClient
{
public:
    const Coordinate &coordinate() const { return m_coord; }
    // Updates from `rttSeconds` to `node` whose coordinate is `other`; returns the new coordinate.
    const Coordinate &update(const QString &node, const Coordinate &other, double rttSeconds);
    void forget(const QString &node) { m_samples.remove(node); }

private:
    Coordinate m_coord;
    QHash<QString, QList<double>> m_samples; // latency filter
    std::array<double, 20> m_adjustments{};
    int m_adjustmentIndex = 0;
};

} // namespace qonsul::gossip
