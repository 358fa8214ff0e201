import Foundation
import Testing

@testable import WarroomScreen

@Suite("Themes")
struct ThemeTests {
  static let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

  @Test(arguments: ["dark", "light", "high-contrast", "mono"])
  func builtInThemesMatchTheirFilesAndSetEveryRole(name: String) throws {
    let file = try String(
      contentsOf: Self.themesFolder.appendingPathComponent("\(name).theme"), encoding: .utf8)
    #expect(Theme.builtInText(name) == file, "re-embed themes/\(name).theme in BuiltInThemes.swift")
    let theme = try #require(Theme.builtIn(name))
    for role in StyleRole.allCases {
      #expect(theme.styles[role] != nil, "\(name) leaves \(role.rawValue) unset")
      // Each role has a comment line saying what it colours, right above it.
      let lines = file.components(separatedBy: "\n")
      let index = try #require(lines.firstIndex { $0.hasPrefix(role.rawValue + " =") })
      #expect(lines[index - 1].hasPrefix("# "))
    }
  }

  @Test func monoUsesNoColour() throws {
    #expect(try #require(Theme.builtIn("mono")).usesColour == false)
    #expect(try #require(Theme.builtIn("dark")).usesColour)
  }

  @Test func parsesColoursAndAttributes() throws {
    let theme = try Theme.parse(
      "text = #ff0000 on 17 bold underline\nerror = bright-white on red  # alarm\n", name: "t",
      source: "t.theme")
    let text = theme.style(for: .text)
    #expect(text.foreground == .rgb(255, 0, 0))
    #expect(text.background == .indexed(17))
    #expect(text.bold && text.underline && !text.reverse)
    #expect(theme.style(for: .error).foreground == .indexed(15))
    #expect(theme.style(for: .hint) == text)  // unset roles look like text
  }

  @Test(arguments: [
    ("text = red\nbogus = blue\n", "bad theme file x.theme line 2: unknown role 'bogus'"),
    (
      "text = purple\n",
      "bad theme file x.theme line 1: 'purple' is not a colour (default, red, bright-red, 0-255, #rrggbb) or an attribute"
    ),
    ("# comment\n\ntext red\n", "bad theme file x.theme line 3: expected `role = colour`"),
    ("text = red on\n", "bad theme file x.theme line 1: `on` needs a background colour"),
    ("text = red\ntext = blue\n", "bad theme file x.theme line 2: 'text' is set twice"),
    (
      "text = 256\n",
      "bad theme file x.theme line 1: '256' is not a colour (default, red, bright-red, 0-255, #rrggbb) or an attribute"
    ),
  ])
  func badThemesNameTheFileAndLine(text: String, message: String) {
    #expect(throws: ThemeError.self) { try Theme.parse(text, name: "x", source: "x.theme") }
    do {
      _ = try Theme.parse(text, name: "x", source: "x.theme")
    } catch {
      #expect(error.description == message)
    }
  }

  @Test func coloursDegradeToWhatTheTerminalHas() {
    #expect(ThemeColour.xterm256(r: 255, g: 0, b: 0) == 196)
    #expect(ThemeColour.xterm256(r: 128, g: 128, b: 128) == 244)
    #expect(ThemeColour.basic(of: 196, limit: 8) == 1)
    #expect(ThemeColour.basic(of: 9, limit: 8) == 1)
    #expect(ThemeColour.basic(of: 231, limit: 16) == 15)
  }
}
