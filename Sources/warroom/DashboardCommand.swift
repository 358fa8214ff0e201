import ArgumentParser

struct Dashboard: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Open the live full-screen dashboard (the default command).")
  @OptionGroup var global: GlobalOptions

  func run() throws {
    throw Failure(message: "the dashboard is not built yet; use `warroom status`")
  }
}
