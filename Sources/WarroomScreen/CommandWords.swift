/// Splits a `:` command line into words the way a shell would for simple cases: spaces
/// separate, double or single quotes group, a backslash escapes the next character.
public enum CommandWords {
  public struct UnclosedQuote: Error, Equatable {}

  public static func split(_ line: String) throws(UnclosedQuote) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character?
    var escaped = false
    for character in line {
      if escaped {
        current.append(character)
        escaped = false
        inWord = true
      } else if character == "\\" && quote != "'" {
        escaped = true
      } else if let open = quote {
        if character == open { quote = nil } else { current.append(character) }
      } else if character == "\"" || character == "'" {
        quote = character
        inWord = true
      } else if character == " " || character == "\t" {
        if inWord { words.append(current) }
        current = ""
        inWord = false
      } else {
        current.append(character)
        inWord = true
      }
    }
    if quote != nil || escaped { throw UnclosedQuote() }
    if inWord { words.append(current) }
    return words
  }
}
