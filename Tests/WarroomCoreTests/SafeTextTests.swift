import Testing

@testable import WarroomCore

@Suite("Text from people is made inert")
struct SafeTextTests {
  @Test func escapeSequencesBecomeVisible() {
    #expect(SafeText.inert("\u{1B}[2J\u{1B}]0;pwned\u{07}") == "^[[2J^[]0;pwned^G")
    #expect(SafeText.inert("a\u{0}b\u{7F}c") == "a^@b^?c")
    #expect(SafeText.inert("csi\u{9B}31m") == "csi<9B>31m")
    #expect(SafeText.inert("line\nbreak\ttab") == "line↵break tab")
    #expect(SafeText.inert("evil\u{202E}txt") == "evil<U+202E>txt")
  }

  @Test func ordinaryTextIsUntouched() {
    for text in ["plain", "数据库宕机", "🔥 fire", "e\u{301}", ""] {
      #expect(SafeText.inert(text) == text)
    }
  }
}
