package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// demoMapping is the mapping the demo syncs: the shipped example's Leads
// and Deals, kept small enough to print.
//
//go:embed demo_mapping.yaml
var demoMapping []byte

const demoServiceAccount = "zoho2sheets-demo@demo-project.iam.gserviceaccount.com"

// emulators are both fake services, started on loopback ports.
type emulators struct {
	zoho          *zohotest.Server
	sheets        *sheetstest.Server
	spreadsheetID string
	env           map[string]string // what a run needs to reach them
}

func startEmulators(opts zohotest.Options) (*emulators, error) {
	z, err := zohotest.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start the Zoho emulator: %w", err)
	}
	g, err := sheetstest.NewServer(sheetstest.Options{})
	if err != nil {
		z.Stop()
		return nil, fmt.Errorf("start the Sheets emulator: %w", err)
	}
	key := g.NewServiceAccount(demoServiceAccount)
	id := g.CreateSpreadsheet("CRM (demo)", "Europe/Berlin")
	g.Share(id, demoServiceAccount)
	c := z.Credentials()
	return &emulators{zoho: z, sheets: g, spreadsheetID: id, env: map[string]string{
		"ZOHO_CLIENT_ID":          c.ClientID,
		"ZOHO_CLIENT_SECRET":      c.ClientSecret,
		"ZOHO_REFRESH_TOKEN":      c.RefreshToken,
		"ZOHO_ACCOUNTS_URL":       z.AccountsURL(),
		"GOOGLE_CREDENTIALS_JSON": string(key),
		"SHEETS_ENDPOINT":         g.URL(),
		"SPREADSHEET_ID":          id,
	}}, nil
}

func (em *emulators) Stop() {
	em.zoho.Stop()
	em.sheets.Stop()
}

// withEnv returns e reading variables from vars first.
func withEnv(e env, vars map[string]string) env {
	parent := e.getenv
	e.getenv = func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return parent(k)
	}
	return e
}

// cmdDemo runs the real job, the --once code path, against both emulators:
// a full run, then CRM changes and a human's edits, then an incremental run.
func cmdDemo(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	leads := fs.Int("leads", 12, "Leads in the emulated CRM")
	deals := fs.Int("deals", 6, "Deals in the emulated CRM")
	logFormat := fs.String("log-format", "console", "json, console or auto")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	log, err := newLogger(e.stderr, *logFormat, *logLevel)
	if err != nil {
		return usageErr("%v", err)
	}
	em, err := startEmulators(zohotest.Options{Seed: 42, Records: map[string]int{"Leads": *leads, "Deals": *deals, "Accounts": 5}})
	if err != nil {
		return err
	}
	defer em.Stop()
	e = withEnv(e, em.env)

	dir, err := os.MkdirTemp("", "zoho2sheets-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The emulated CRM's token is no use to anyone later: keep it out of
	// the user's cache directory.
	e = withEnv(e, map[string]string{"ZOHO2SHEETS_CACHE_DIR": dir})
	path := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(path, demoMapping, 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(path, lookupEnv(e))
	if err != nil {
		return fmt.Errorf("demo mapping: %w", err)
	}
	w, err := wire(ctx, cfg, e, log, nil)
	if err != nil {
		return err
	}
	// The demo prints each summary itself: the runner's own copy (printed
	// when stdout is a terminal) would show every table twice.
	re := e
	re.stdout = io.Discard
	r := &runner{wiring: w, log: log, e: re}
	out := e.stdout

	fmt.Fprintf(out, "== 1. First run: every record is read and written (%d leads, %d deals)\n\n", *leads, *deals)
	sum, err := r.run(ctx, zsync.RunOptions{})
	printSummary(out, sum)
	if err != nil { // the log says why; there is no tab to go on with
		return err
	}
	fmt.Fprintf(out, "\n%s\n", em.sheets.Table(em.spreadsheetID, "Leads"))

	fmt.Fprintln(out, "== 2. Meanwhile in the CRM: one lead added, one renamed, one deleted (an hour later)")
	z := em.zoho
	z.Advance(time.Hour)
	ids := z.IDs("Leads")
	newID := z.Create("Leads", map[string]any{
		"First_Name": "Ada", "Last_Name": "Lovelace", "Full_Name": "Ada Lovelace",
		"Company": "=HYPERLINK(\"http://evil.example\")", "Email": "ada@example.com", "Lead_Status": "Not Contacted",
	})
	z.Update("Leads", ids[0], map[string]any{"Lead_Status": "Contacted", "Company": "Renamed Ltd"})
	z.Delete("Leads", ids[1])
	fmt.Fprintf(out, "   added %s, modified %s, deleted %s\n\n", newID, ids[0], ids[1])

	fmt.Fprintln(out, "== 3. Meanwhile in the sheet: a human adds a \"Next step\" column, types a note, sorts by Name")
	g, id := em.sheets, em.spreadsheetID
	vals := g.Values(id, "Leads")
	header := vals[0]
	noteCol := len(header)
	g.InsertColumn(id, "Leads", noteCol, "Next step")
	noted := ids[2]
	for row := 1; row < len(vals); row++ {
		if fmt.Sprint(vals[row][0]) == noted {
			g.SetCell(id, "Leads", row, noteCol, "call Monday")
			fmt.Fprintf(out, "   note %q typed on the row of %s (%v)\n\n", "call Monday", noted, vals[row][1])
		}
	}
	g.SortRows(id, "Leads", indexOf(header, "Name"), true)

	fmt.Fprintln(out, "== 4. Second run: only what changed is read and written; the note stays on its record")
	fmt.Fprintln(out)
	sum, err = r.run(ctx, zsync.RunOptions{})
	printSummary(out, sum)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s\n", g.Table(id, "Leads"))
	fmt.Fprintln(out, "The lead whose company starts with \"=\" is stored as text, not a formula.")
	fmt.Fprintln(out, "Revenue is a currency cell in the org's currency; a name ending in ↗ links to the lead in Zoho CRM:")
	fmt.Fprintf(out, "   %s\n", g.Cell(id, "Leads", 1, indexOf(vals[0], "Name")).Hyperlink)
	fmt.Fprintf(out, "The Zoho ID header's note: %q\n\n", g.Cell(id, "Leads", 0, 0).Note)
	fmt.Fprintln(out, "== 5. What the team sees first: the status tab (one row per synced tab, updated every run)")
	fmt.Fprintf(out, "\n%s", g.Table(id, "Sync status"))
	return nil
}

func indexOf(row []any, header string) int {
	for i, v := range row {
		if s, ok := v.(string); ok && strings.EqualFold(s, header) {
			return i
		}
	}
	return 0
}
