import ArgumentParser
import Foundation
import WarroomDelivery

/// `--config`: where stakeholder messages go (see `DeliveryConfig.locate`).
struct ConfigOption: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The destinations file (else $WARROOM_CONFIG, else $XDG_CONFIG_HOME/warroom/config.toml, "
        + "else ~/.config/warroom/config.toml).", valueName: "path"))
  var config: String?

  /// The config, or nil when none was named and the default file does not exist.
  func load() throws -> DeliveryConfig? {
    try DeliveryConfig.load(explicit: config, environment: ProcessInfo.processInfo.environment)
  }

  /// The config, which this command cannot do without.
  func require() throws -> DeliveryConfig {
    if let config = try load() { return config }
    let (path, _) = DeliveryConfig.locate(
      explicit: config, environment: ProcessInfo.processInfo.environment)
    throw Failure(
      message: "no destinations configured: \(path) does not exist "
        + "(see \"Telling stakeholders\" in the README)")
  }
}
