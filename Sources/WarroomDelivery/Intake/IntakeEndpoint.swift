import Foundation

/// One request to `/v1/alerts/{source}`, from its raw parts to alerts, as the HTTP server
/// hands it over: size first (413), then the sender's credential (401, before the body is
/// read for anything else), then the body's shape (400). Pure, so every refusal is tested
/// without a socket.
public enum IntakeEndpoint {
  /// The paths, by source: `/v1/alerts/alertmanager`, …
  public static func path(_ source: Alert.Source) -> String { "/v1/alerts/\(source.rawValue)" }

  public static func accept(
    _ source: Alert.Source, header: (String) -> String?, body: Data, config: IntakeConfig,
    now: Date
  ) throws(IntakeRefusal) -> [Alert] {
    guard body.count <= AlertPayloads.largestBody else {
      throw IntakeRefusal(413, "body larger than 1 MiB")
    }
    let proven: Bool
    switch source {
    case .alertmanager, .grafana:
      guard let token = config.token else {
        throw IntakeRefusal(
          401, "this relay has no token for \(source.rawValue) ([intake] token_env)")
      }
      proven = IntakeAuth.bearer(header("authorization"), token: token)
    case .pagerduty:
      guard let secret = config.pagerDutySecret else {
        throw IntakeRefusal(
          401, "this relay has no PagerDuty secret ([intake] pagerduty_secret_env)")
      }
      proven = IntakeAuth.pagerDuty(header("x-pagerduty-signature"), body: body, secret: secret)
    case .generic:
      guard let secret = config.genericSecret else {
        throw IntakeRefusal(
          401, "this relay has no secret for generic alerts ([intake] generic_secret_env)")
      }
      proven = IntakeAuth.warroomSignature(
        timestamp: header("x-warroom-timestamp"), signature: header("x-warroom-signature"),
        body: body, secret: secret, now: now)
    }
    guard proven else {
      throw IntakeRefusal(401, credentialProblem(source))
    }
    return try AlertPayloads.read(source, body: body)
  }

  static func credentialProblem(_ source: Alert.Source) -> String {
    switch source {
    case .alertmanager, .grafana: "missing or wrong bearer token"
    case .pagerduty: "missing or wrong X-PagerDuty-Signature"
    case .generic:
      "missing or wrong X-Warroom-Signature, or X-Warroom-Timestamp more than 5 minutes off"
    }
  }
}
