import Foundation
import Testing

@testable import WarroomCore

@Suite("Runbooks")
struct RunbookTests {
  @Test func theStandardRunbookHasTheProcesssThirteenSteps() {
    #expect(Runbook.standard.steps.count == 13)
    #expect(Runbook.standard.minimumCadence == 900)
    #expect(Runbook.standard.maximumCadence == 2700)
  }

  @Test func aCustomRunbookDecodes() throws {
    let json = """
      {"name": "db runbook", "minimum_cadence": "10m", "default_cadence": "20m",
       "steps": [{"title": "Page the DBA", "detail": "", "auto": null},
                 {"title": "Open the ticket", "detail": "x", "auto": "ticket-set"}]}
      """
    let runbook = try Runbook.decode(Data(json.utf8), source: "db.json")
    #expect(runbook.steps.count == 2)
    #expect(runbook.steps[1].auto == .ticketSet)
    #expect(runbook.minimumCadence == 600)
    #expect(runbook.defaultCadence == 1200)
    #expect(runbook.maximumCadence == 2700)
  }

  @Test func badRunbooksSayWhatIsWrong() {
    func reason(_ json: String) -> String? {
      do {
        _ = try Runbook.decode(Data(json.utf8), source: "r.json")
        return nil
      } catch {
        return error.description
      }
    }
    #expect(reason("not json") == "bad runbook r.json: not valid JSON")
    #expect(reason(#"{"steps": []}"#) == "bad runbook r.json: it has no steps")
    #expect(reason(#"{"name": "x"}"#) == "bad runbook r.json: missing \"steps\" at top level")
    #expect(reason(#"{"steps": [{"title": " "}]}"#) == "bad runbook r.json: step 1 has no title")
    #expect(
      reason(#"{"steps": [{"title": "a"}], "default_cadence": "soon"}"#)?.contains("not a duration")
        == true)
  }
}
