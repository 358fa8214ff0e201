import Foundation
import Testing
import WarroomCore

@testable import WarroomDelivery

/// Prometheus answers of every shape: only a finite number is a reading; anything else is
/// unknown, never healthy.
@Suite("Prometheus readings")
struct PrometheusReadingTests {
  var spec: ProbeSpec {
    var spec = ProbeSpec(name: "errors", kind: .prometheus, target: "http://prom:9090")
    spec.query = "sum(rate(errors[5m]))"
    spec.below = 0.01
    return spec
  }

  func read(_ body: String, status: Int = 200, above: Double? = nil) -> ProbeReading {
    var spec = spec
    if let above {
      spec.below = nil
      spec.above = above
    }
    return ProbeChecker.readPrometheus(status: status, body: body, spec: spec)
  }

  func vector(_ value: String) -> String {
    #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1798000000.5,""#
      + value + #""]}]}}"#
  }

  @Test func aNumberIsComparedWithTheBound() {
    #expect(read(vector("0.002")) == ProbeReading(state: .passing, value: "0.002", number: 0.002))
    #expect(read(vector("0.5")).state == .failing)
    #expect(read(vector("0.5")).reason == "0.5 is not below 0.01")
    #expect(read(vector("0.5"), above: 0.1).state == .passing)
    #expect(read(vector("0.05"), above: 0.1).state == .failing)
    let scalar =
      #"{"status":"success","data":{"resultType":"scalar","result":[1798000000,"0.001"]}}"#
    #expect(read(scalar).state == .passing)
  }

  @Test func anythingElseIsUnknown() {
    for value in ["NaN", "+Inf", "-Inf", "abc", ""] {
      #expect(read(vector(value)).state == .unknown, "\(value)")
    }
    #expect(
      read(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#).reason
        == "no data (empty result)")
    #expect(
      read(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#, status: 400)
        == ProbeReading(state: .unknown, reason: "Prometheus error: parse error"))
    #expect(read("<html>login</html>").reason == "HTTP 200: not a Prometheus answer (not JSON)")
    #expect(
      read(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#).state == .unknown)
    #expect(read("[1,2,3]").state == .unknown)
  }

  @Test func theQueryIsEncodedOntoTheAPIPath() {
    #expect(
      ProbeChecker.queryURL(base: "http://prom:9090/", query: "up{job=\"api\"} == 1")
        == "http://prom:9090/api/v1/query?query=up%7Bjob%3D%22api%22%7D%20%3D%3D%201")
    #expect(
      ProbeChecker.queryURL(base: "http://prom:9090/api/v1/query", query: "up")
        == "http://prom:9090/api/v1/query?query=up")
  }
}
