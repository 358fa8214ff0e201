/// The built-in themes, embedded so a copied binary still has them. Generated from the
/// files in `themes/`; a test fails if the two ever differ.
enum BuiltInThemes {
  static let all: [(name: String, text: String)] = [
    (
      "dark",
      #"""
      # warroom theme: dark
      # Default: light text on a dark terminal.
      #
      # One role a line: role = FOREGROUND [on BACKGROUND] [bold] [dim] [reverse] [underline]
      # Colours: default (the terminal's own), black red green yellow blue magenta cyan white,
      # bright-black … bright-white, 0-255 (xterm), or #rrggbb. A role left out looks like text.

      # Ordinary text in panes
      text = default

      # Secondary text: times, names, hints inside panes, empty-pane notes
      dim = bright-black

      # The vertical lines between panes
      separator = bright-black

      # A pane's title bar
      pane-title = white on 236 bold

      # The title bar of the pane that has focus (Tab moves it)
      pane-title-focused = black on cyan bold

      # The header while investigating (red)
      status-red = bright-white on red bold

      # The header once mitigated (yellow)
      status-yellow = black on yellow bold

      # The header once resolved (green)
      status-green = black on green bold

      # The second header row: elapsed time, ticket, channel, who you are
      subheader = white on 236

      # Checklist steps that are done
      step-done = green

      # The next checklist step to do
      step-next = bright-yellow bold

      # Checklist steps still to do
      step-open = default

      # Names of people holding a role
      role-filled = bright-white

      # A role nobody holds: it must stand out
      role-unfilled = bright-white on red bold

      # The update countdown with time to spare
      countdown-calm = bright-green bold

      # The update countdown in its last five minutes
      countdown-warning = black on yellow bold

      # The update countdown once overdue: the alarm
      countdown-overdue = bright-white on red bold

      # A running experiment
      experiment-running = bright-cyan

      # Running experiments that share a target: they may interfere
      experiment-conflict = bright-red bold

      # Concluded or abandoned experiments
      experiment-closed = bright-black

      # Time and author columns of the log
      log-meta = bright-black

      # Log entries marked as findings
      log-finding = bright-cyan

      # Log entries marked as decisions
      log-decision = bright-magenta

      # Manual changes to production: they go to the post-mortem
      log-manual-change = bright-yellow bold

      # The selected row of the focused pane
      selection = black on white

      # The input line's label: what Enter will record
      input-label = black on cyan bold

      # Text being typed
      input = bright-white

      # The key hints at the bottom
      hint = bright-black

      # A confirmation after an action
      message = bright-green

      # A refusal or error after an action
      error = bright-white on red bold

      # A question on the hint line before a change to the incident: Enter confirms
      confirm = black on yellow bold
      """# + "\n"
    ),
    (
      "light",
      #"""
      # warroom theme: light
      # For terminals with a light background.
      #
      # One role a line: role = FOREGROUND [on BACKGROUND] [bold] [dim] [reverse] [underline]
      # Colours: default (the terminal's own), black red green yellow blue magenta cyan white,
      # bright-black … bright-white, 0-255 (xterm), or #rrggbb. A role left out looks like text.

      # Ordinary text in panes
      text = default

      # Secondary text: times, names, hints inside panes, empty-pane notes
      dim = 244

      # The vertical lines between panes
      separator = 250

      # A pane's title bar
      pane-title = black on 253 bold

      # The title bar of the pane that has focus (Tab moves it)
      pane-title-focused = white on blue bold

      # The header while investigating (red)
      status-red = white on red bold

      # The header once mitigated (yellow)
      status-yellow = black on 220 bold

      # The header once resolved (green)
      status-green = white on 28 bold

      # The second header row: elapsed time, ticket, channel, who you are
      subheader = black on 253

      # Checklist steps that are done
      step-done = 28

      # The next checklist step to do
      step-next = blue bold

      # Checklist steps still to do
      step-open = default

      # Names of people holding a role
      role-filled = black

      # A role nobody holds: it must stand out
      role-unfilled = white on red bold

      # The update countdown with time to spare
      countdown-calm = 28 bold

      # The update countdown in its last five minutes
      countdown-warning = black on 220 bold

      # The update countdown once overdue: the alarm
      countdown-overdue = white on red bold

      # A running experiment
      experiment-running = blue

      # Running experiments that share a target: they may interfere
      experiment-conflict = red bold

      # Concluded or abandoned experiments
      experiment-closed = 244

      # Time and author columns of the log
      log-meta = 244

      # Log entries marked as findings
      log-finding = blue

      # Log entries marked as decisions
      log-decision = magenta

      # Manual changes to production: they go to the post-mortem
      log-manual-change = 130 bold

      # The selected row of the focused pane
      selection = white on 240

      # The input line's label: what Enter will record
      input-label = white on blue bold

      # Text being typed
      input = black

      # The key hints at the bottom
      hint = 244

      # A confirmation after an action
      message = 28

      # A refusal or error after an action
      error = white on red bold

      # A question on the hint line before a change to the incident: Enter confirms
      confirm = black on yellow bold
      """# + "\n"
    ),
    (
      "high-contrast",
      #"""
      # warroom theme: high-contrast
      # Pure black and white with the brightest colours only for alarms; for projectors and tired eyes.
      #
      # One role a line: role = FOREGROUND [on BACKGROUND] [bold] [dim] [reverse] [underline]
      # Colours: default (the terminal's own), black red green yellow blue magenta cyan white,
      # bright-black … bright-white, 0-255 (xterm), or #rrggbb. A role left out looks like text.

      # Ordinary text in panes
      text = bright-white on black

      # Secondary text: times, names, hints inside panes, empty-pane notes
      dim = white on black

      # The vertical lines between panes
      separator = bright-white on black

      # A pane's title bar
      pane-title = black on bright-white bold

      # The title bar of the pane that has focus (Tab moves it)
      pane-title-focused = black on bright-yellow bold

      # The header while investigating (red)
      status-red = bright-white on red bold

      # The header once mitigated (yellow)
      status-yellow = black on bright-yellow bold

      # The header once resolved (green)
      status-green = black on bright-green bold

      # The second header row: elapsed time, ticket, channel, who you are
      subheader = bright-white on black bold

      # Checklist steps that are done
      step-done = bright-green on black bold

      # The next checklist step to do
      step-next = black on bright-yellow bold

      # Checklist steps still to do
      step-open = bright-white on black

      # Names of people holding a role
      role-filled = bright-white on black bold

      # A role nobody holds: it must stand out
      role-unfilled = bright-white on red bold

      # The update countdown with time to spare
      countdown-calm = bright-green on black bold

      # The update countdown in its last five minutes
      countdown-warning = black on bright-yellow bold

      # The update countdown once overdue: the alarm
      countdown-overdue = bright-white on red bold underline

      # A running experiment
      experiment-running = bright-cyan on black bold

      # Running experiments that share a target: they may interfere
      experiment-conflict = bright-white on red bold

      # Concluded or abandoned experiments
      experiment-closed = white on black

      # Time and author columns of the log
      log-meta = white on black

      # Log entries marked as findings
      log-finding = bright-cyan on black bold

      # Log entries marked as decisions
      log-decision = bright-magenta on black bold

      # Manual changes to production: they go to the post-mortem
      log-manual-change = black on bright-yellow bold

      # The selected row of the focused pane
      selection = black on bright-white

      # The input line's label: what Enter will record
      input-label = black on bright-cyan bold

      # Text being typed
      input = bright-white on black bold

      # The key hints at the bottom
      hint = white on black

      # A confirmation after an action
      message = bright-green on black bold

      # A refusal or error after an action
      error = bright-white on red bold

      # A question on the hint line before a change to the incident: Enter confirms
      confirm = black on bright-yellow bold
      """# + "\n"
    ),
    (
      "mono",
      #"""
      # warroom theme: mono
      # No colour at all: attributes only. Chosen automatically when NO_COLOR is set.
      #
      # One role a line: role = FOREGROUND [on BACKGROUND] [bold] [dim] [reverse] [underline]
      # Colours: default (the terminal's own), black red green yellow blue magenta cyan white,
      # bright-black … bright-white, 0-255 (xterm), or #rrggbb. A role left out looks like text.

      # Ordinary text in panes
      text = default

      # Secondary text: times, names, hints inside panes, empty-pane notes
      dim = default dim

      # The vertical lines between panes
      separator = default dim

      # A pane's title bar
      pane-title = default reverse

      # The title bar of the pane that has focus (Tab moves it)
      pane-title-focused = default reverse bold underline

      # The header while investigating (red)
      status-red = default reverse bold

      # The header once mitigated (yellow)
      status-yellow = default reverse

      # The header once resolved (green)
      status-green = default reverse dim

      # The second header row: elapsed time, ticket, channel, who you are
      subheader = default bold

      # Checklist steps that are done
      step-done = default dim

      # The next checklist step to do
      step-next = default bold underline

      # Checklist steps still to do
      step-open = default

      # Names of people holding a role
      role-filled = default bold

      # A role nobody holds: it must stand out
      role-unfilled = default reverse bold

      # The update countdown with time to spare
      countdown-calm = default bold

      # The update countdown in its last five minutes
      countdown-warning = default reverse

      # The update countdown once overdue: the alarm
      countdown-overdue = default reverse bold underline

      # A running experiment
      experiment-running = default bold

      # Running experiments that share a target: they may interfere
      experiment-conflict = default reverse bold

      # Concluded or abandoned experiments
      experiment-closed = default dim

      # Time and author columns of the log
      log-meta = default dim

      # Log entries marked as findings
      log-finding = default underline

      # Log entries marked as decisions
      log-decision = default bold

      # Manual changes to production: they go to the post-mortem
      log-manual-change = default reverse

      # The selected row of the focused pane
      selection = default reverse

      # The input line's label: what Enter will record
      input-label = default reverse bold

      # Text being typed
      input = default bold

      # The key hints at the bottom
      hint = default dim

      # A confirmation after an action
      message = default bold

      # A refusal or error after an action
      error = default reverse bold

      # A question on the hint line before a change to the incident: Enter confirms
      confirm = default reverse underline
      """# + "\n"
    ),
  ]
}
