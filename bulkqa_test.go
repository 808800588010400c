package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// The Bulk Read path of a big account, scaled down: the emulator's
// page-token chain ends after bulkChain records (Zoho: 100,000) and a Bulk
// Read job holds bulkPage (Zoho: 200,000), and the client switches to Bulk
// Read at bulkChain, as it does at 100,000.
const (
	bulkChain = 400
	bulkPage  = 200
)

// newBulkEmulators starts both emulators with the scaled-down limits.
func newBulkEmulators(t *testing.T, records map[string]int) *emulators {
	t.Helper()
	em, err := startEmulators(zohotest.Options{Seed: 7, Records: records, ChainLimit: bulkChain, BulkPageSize: bulkPage})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(em.Stop)
	return em
}

// bulkMapping maps a column of every kind whose CSV text differs from its
// JSON form: the Leads headers assertLeadsMatchCRM checks, then dates,
// datetimes, currency, percent, booleans, multi-selects, lookups, owners,
// big integers, long text and a related field. extra is added to both
// modules' columns (a Tag column keeps a tab off COQL).
func bulkMapping(extra string) string {
	return `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Europe/Berlin
status_tab: false
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name, link: true }
      - { header: Company, field: Company }
      - { header: Status, field: Lead_Status }
      - { header: Owner, field: Owner }
      - { header: Owner email, field: Owner.email }
      - { header: Revenue, field: Annual_Revenue }
      - { header: Modified, field: Modified_Time }
      - { header: Created, field: Created_Time }
      - { header: Follow up, field: Next_Follow_Up }
      - { header: Opt out, field: Email_Opt_Out }
      - { header: Converted, field: Converted__s }
      - { header: Converted at, field: Converted_Date_Time }
      - { header: Languages, field: Languages, join: "; " }
      - { header: Account, field: Converted_Account }
      - { header: Account id, field: Converted_Account.id }
      - { header: Contact, field: Converted_Contact.name }
      - { header: Score, field: Lead_Score }
      - { header: External, field: External_Id }
      - { header: Discount, field: Discount_Rate }
      - { header: Ratio, field: Budget_Ratio }
      - { header: Employees, field: No_of_Employees }
      - { header: Description, field: Description }
      - { header: Phone, field: Phone }
      - { header: Layout, field: Layout }
      - { header: Modified by, field: Modified_By }
      - { header: Locked, field: Locked__s }
` + extra + `
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name, link: true }
      - { header: Account, field: Account_Name }
      - { header: Account industry, field: Account_Name.Industry }
      - { header: Contact, field: Contact_Name.name }
      - { header: Amount, field: Amount }
      - { header: Stage, field: Stage }
      - { header: Probability, field: Probability }
      - { header: Expected, field: Expected_Revenue }
      - { header: Closing, field: Closing_Date }
      - { header: Owner, field: Owner.name }
      - { header: Campaign, field: Campaign_Source }
      - { header: Modified, field: Modified_Time }
` + extra
}

const tagColumn = "      - { header: Tags, field: Tag.name }\n"

// trickyTexts are CRM texts a CSV export must carry unchanged: quotes,
// separators, line breaks, formula-like text, unicode, padding, and text
// that reads as a number, a boolean or a date.
var trickyTexts = []string{
	`=HYPERLINK("https://evil.example","x")`, `+1 (555) 010-2030`, `-5`, `@SUM(A1)`, `'quoted'`,
	`He said "hi", then left`, "line one\nline two", "crlf one\r\ntwo", "tab\there", `a;b;c`, `comma, separated`,
	"Zoë Ünïcödé 中文 🚀", "  padded  ", `007`, `1e5`, `TRUE`, `2024-01-01`, `"`, `,`, "\n",
}

// spoilLeads gives leads tricky texts and values of every kind; the
// updates move them to the end of the Modified_Time order, into the
// Bulk Read tail.
func spoilLeads(em *emulators) {
	z := em.zoho
	z.Advance(time.Minute)
	ids := z.IDs("Leads")
	for i, s := range trickyTexts {
		z.Update("Leads", ids[i*7], map[string]any{"Company": s, "Description": s + "\n" + s, "Phone": s,
			"Languages": []any{"中文", "Español", "English"}, "Annual_Revenue": 1234567.891 + float64(i),
			"Discount_Rate": 12.5, "Budget_Ratio": -0.000125, "Lead_Score": -3, "Email_Opt_Out": i%2 == 0})
	}
	// Values at the edges: empty text, no languages, zero amounts.
	z.Update("Leads", ids[3], map[string]any{"Company": "", "Languages": []any{}, "Annual_Revenue": 0, "Description": nil})
}

// bulkClient makes a run's Zoho client switch to Bulk Read where the
// emulator's chain ends (at = 0: never, a new chain instead), and wait
// for nothing: its sleeps move the emulator's clock, which is the run's.
func bulkClient(em *emulators, at int) func(*env) {
	return func(e *env) {
		e.now = em.zoho.Now // the run and the CRM share a clock
		e.zohoOptions = []zoho.Option{zoho.WithBulkReadAbove(at), zoho.WithSleep(func(ctx context.Context, d time.Duration) error {
			em.zoho.Advance(d)
			return ctx.Err()
		})}
	}
}

// newSpreadsheet adds an empty spreadsheet the service account may write.
func newSpreadsheet(em *emulators, title string) string {
	id := em.sheets.CreateSpreadsheet(title, "Europe/Berlin")
	em.sheets.Share(id, demoServiceAccount)
	return id
}

// syncInto runs --once with mapping yaml into spreadsheet id and returns
// the Zoho calls it made by method and path.
func syncInto(t *testing.T, em *emulators, id, yaml string, vars map[string]string, tweak func(*env)) map[string]int {
	t.Helper()
	extra := map[string]string{"SPREADSHEET_ID": id}
	for k, v := range vars {
		extra[k] = v
	}
	em.zoho.ResetStats()
	code, _, errs := inProcessEnv(t, em, extra, tweak, "--once", "--config", writeMapping(t, yaml), "--log-format", "json")
	if code != 0 {
		t.Fatalf("run into %s: exit %d\n%s", id, code, errs)
	}
	if strings.Contains(errs, "refused the Bulk Read job") {
		t.Fatalf("run into %s: a Bulk Read job was refused\n%s", id, errs)
	}
	return em.zoho.Stats().Calls
}

// assertSameTab fails where two spreadsheets' tabs differ in a cell of the
// given headers (all when nil): value, type, formula, number format,
// rendering or link, matched by the key column. The rows may be in any
// order.
func assertSameTab(t *testing.T, em *emulators, wantID, gotID, tab string, headers []string) {
	t.Helper()
	index := func(id string) (hdr []any, rows map[string]int) {
		vals := em.sheets.Values(id, tab)
		if len(vals) < 2 {
			t.Fatalf("%s tab %s has no rows", id, tab)
		}
		rows = map[string]int{}
		for r := 1; r < len(vals); r++ {
			k := fmt.Sprint(vals[r][0])
			if _, dup := rows[k]; dup {
				t.Fatalf("%s tab %s: two rows for %s", id, tab, k)
			}
			rows[k] = r
		}
		return vals[0], rows
	}
	wh, wrows := index(wantID)
	gh, grows := index(gotID)
	if len(wrows) != len(grows) {
		t.Errorf("tab %s: %d rows, want %d", tab, len(grows), len(wrows))
	}
	for key := range wrows {
		if _, ok := grows[key]; !ok {
			t.Errorf("tab %s: record %s missing", tab, key)
		}
	}
	if headers == nil {
		for _, h := range wh {
			headers = append(headers, fmt.Sprint(h))
		}
	}
	diffs, byCol := 0, map[string]int{}
	for _, h := range headers {
		wc, gc := indexOf(wh, h), indexOf(gh, h)
		if wc < 0 || gc < 0 || wc >= len(wh) || gc >= len(gh) {
			t.Fatalf("tab %s: header %q missing (%v | %v)", tab, h, wh, gh)
		}
		for key, wr := range wrows {
			gr, ok := grows[key]
			if !ok {
				continue
			}
			w, g := em.sheets.Cell(wantID, tab, wr, wc), em.sheets.Cell(gotID, tab, gr, gc)
			if fmt.Sprintf("%#v", w) != fmt.Sprintf("%#v", g) {
				diffs++
				byCol[h]++
				if byCol[h] <= 2 {
					t.Errorf("tab %s record %s column %q:\n got  %#v\n want %#v", tab, key, h, g, w)
				}
			}
		}
	}
	if diffs > 0 {
		t.Errorf("tab %s: cells that differ, by column: %v", tab, byCol)
	}
}

// The same CRM synced through COQL and through Get Records with its Bulk
// Read tail (several jobs) gives the same cells, whether the tail's
// lookups are named through COQL or COQL is not allowed at all.
func TestBulkReadTailSheetEqualsCOQL(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 900, "Deals": 600, "Accounts": 40, "Contacts": 40, "Campaigns": 5})
	spoilLeads(em)
	plain, tagged := bulkMapping(""), bulkMapping(tagColumn)
	// A filtered tab: its COQL pass picks the records, the Get Records
	// passes (and their Bulk Read tail) fill them.
	hot := `
  - module: Leads
    sheet: Hot leads
    filter: Lead_Status in ('Contacted', 'Pre-Qualified', 'Not Contacted') and Annual_Revenue > 1000
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: Company, field: Company }
      - { header: Owner, field: Owner }
      - { header: Account, field: Converted_Account }
      - { header: Revenue, field: Annual_Revenue }
      - { header: Description, field: Description }
`
	plainHot, taggedHot := plain+hot, tagged+hot+tagColumn

	viaCOQL := newSpreadsheet(em, "COQL")
	if calls := syncInto(t, em, viaCOQL, plainHot, nil, bulkClient(em, bulkChain)); calls["POST /crm/bulk/v8/read"] != 0 || calls["POST /crm/v8/coql"] == 0 {
		t.Fatalf("COQL run took another path: %v", calls)
	}
	em.spreadsheetID = viaCOQL
	assertLeadsMatchCRM(t, em)

	viaBulk := newSpreadsheet(em, "Bulk")
	if calls := syncInto(t, em, viaBulk, taggedHot, nil, bulkClient(em, bulkChain)); calls["POST /crm/bulk/v8/read"] < 6 {
		t.Fatalf("Tag run did not page through Bulk Read jobs: %v", calls)
	}
	assertSameTab(t, em, viaCOQL, viaBulk, "Leads", headersOf(plain, 0))
	assertSameTab(t, em, viaCOQL, viaBulk, "Deals", headersOf(plain, 1))
	assertSameTab(t, em, viaCOQL, viaBulk, "Hot leads", headersOf(plainHot, 2))

	viaChains := newSpreadsheet(em, "Chains")
	if calls := syncInto(t, em, viaChains, taggedHot, nil, bulkClient(em, 0)); calls["POST /crm/bulk/v8/read"] != 0 {
		t.Fatalf("run without Bulk Read created jobs: %v", calls)
	}
	assertSameTab(t, em, viaChains, viaBulk, "Leads", nil)
	assertSameTab(t, em, viaChains, viaBulk, "Deals", nil)
	assertSameTab(t, em, viaChains, viaBulk, "Hot leads", nil)

	// A refresh token from before COQL: Bulk Read exports lookups as ids
	// and only COQL could name them, so a tab with lookups reads on with
	// page-token chains and one without them still takes Bulk Read.
	t.Run("WithoutCOQL", func(t *testing.T) {
		token := em.zoho.NewRefreshToken("ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ",
			"ZohoCRM.bulk.read", "ZohoCRM.users.READ", "ZohoCRM.org.READ")
		vars := map[string]string{"ZOHO_REFRESH_TOKEN": token}
		noCOQL := newSpreadsheet(em, "No COQL")
		if calls := syncInto(t, em, noCOQL, plain, vars, bulkClient(em, bulkChain)); calls["POST /crm/v8/coql"] > 1 || calls["GET /crm/v8/Leads"] < 5 {
			t.Errorf("run without COQL read otherwise: %v", calls)
		}
		assertSameTab(t, em, viaCOQL, noCOQL, "Leads", nil)
		// A related field needs COQL on every path (README): left out.
		deals := slices.DeleteFunc(headersOf(plain, 1), func(h string) bool { return h == "Account industry" })
		assertSameTab(t, em, viaCOQL, noCOQL, "Deals", deals)

		noLookups := newSpreadsheet(em, "No COQL, no lookups")
		var cols []string
		for _, h := range headersOf(plain, 0) {
			if !slices.Contains([]string{"Owner", "Owner email", "Account", "Account id", "Contact", "Layout", "Modified by"}, h) {
				cols = append(cols, h)
			}
		}
		yaml := plain[:strings.Index(plain, "  - module: Deals")]
		for _, h := range []string{"Owner", "Owner email", "Account", "Account id", "Contact", "Layout", "Modified by"} {
			yaml = regexp.MustCompile(`(?m)^.*header: `+h+`,.*\n`).ReplaceAllString(yaml, "")
		}
		if calls := syncInto(t, em, noLookups, yaml, vars, bulkClient(em, bulkChain)); calls["POST /crm/bulk/v8/read"] < 2 {
			t.Fatalf("run without COQL or lookups did not use Bulk Read: %v", calls)
		}
		assertSameTab(t, em, viaCOQL, noLookups, "Leads", cols)
	})
}

// headersOf returns the headers of the n-th module of a mapping made by
// bulkMapping.
func headersOf(yaml string, n int) []string {
	var out []string
	mod := -1
	for _, line := range strings.Split(yaml, "\n") {
		if strings.Contains(line, "- module:") {
			mod++
		}
		if i := strings.Index(line, "header: "); i >= 0 && mod == n {
			h := line[i+len("header: "):]
			out = append(out, h[:strings.Index(h, ",")])
		}
	}
	return out
}

// hookTransport calls before for each request, then sends it on.
type hookTransport struct{ before func(*http.Request) }

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.before(r)
	return http.DefaultTransport.RoundTrip(r)
}

// leadsBulkMapping maps the Leads headers assertLeadsMatchCRM checks, and
// Tag, which keeps the tab on Get Records and so on Bulk Read past the
// chain.
const leadsBulkMapping = `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: Company, field: Company }
      - { header: Status, field: Lead_Status }
      - { header: Owner, field: Owner }
      - { header: Revenue, field: Annual_Revenue }
      - { header: Modified, field: Modified_Time }
      - { header: Tags, field: Tag.name }
`

// withHook adds hook, called before each request the run sends, to tweak.
func withHook(tweak func(*env), hook func(*http.Request)) func(*env) {
	return func(e *env) {
		tweak(e)
		e.httpClient = &http.Client{Transport: &hookTransport{before: hook}}
	}
}

// byModified returns the leads' ids, oldest Modified_Time first: the
// order of the page-token chain, which reads the oldest bulkChain.
func byModified(t *testing.T, em *emulators) []string {
	t.Helper()
	ids, at := em.zoho.IDs("Leads"), map[string]time.Time{}
	for _, id := range ids {
		rec, _ := em.zoho.Record("Leads", id)
		m, err := time.Parse(time.RFC3339, rec["Modified_Time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		at[id] = m
	}
	slices.SortStableFunc(ids, func(a, b string) int { return at[a].Compare(at[b]) })
	return ids
}

// Records created, changed and deleted while the Bulk Read tail is taken —
// after the page-token chain read them, before the export job, and after
// the export's snapshot — leave no duplicate and no lost record: the run
// has every change made before the export, and the next (incremental) run
// ends with the sheet equal to the CRM.
func TestBulkReadTailChangesDuringExport(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 900})
	z := em.zoho
	var (
		mu                            sync.Mutex
		creates, polls                int
		changedRead, deletedRead      string // read by the chain, then changed or deleted
		deletedTail, created          string // before the export
		staleAfter, goneAfter, lateID string // after the export's snapshot
	)
	hook := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/crm/bulk/v8/read":
			if creates++; creates > 1 {
				return
			}
			// The chain has read the oldest bulkChain leads; the tail is
			// the rest.
			sorted := byModified(t, em)
			read, tail := sorted[:100], sorted[len(sorted)-100:]
			z.Advance(time.Second)
			changedRead, deletedRead, deletedTail = read[10], read[20], tail[50]
			z.Update("Leads", changedRead, map[string]any{"Company": "Changed before the export", "Lead_Status": "Contacted"})
			z.Delete("Leads", deletedRead)
			z.Delete("Leads", deletedTail)
			// A big module's read goes on for long after such changes: the
			// export holds records newer than them by far more than the
			// next run's overlap.
			z.Advance(20 * time.Minute)
			created = z.Create("Leads", map[string]any{"Last_Name": "Newcomer", "Company": "Created before the export"})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/crm/bulk/v8/read/") && !strings.HasSuffix(r.URL.Path, "/result"):
			if polls++; polls > 1 {
				return
			}
			// The first job's snapshot is taken: change what it holds.
			z.Advance(time.Second)
			ids := z.IDs("Leads")
			staleAfter, goneAfter = ids[len(ids)-2], ids[len(ids)-3]
			z.Update("Leads", staleAfter, map[string]any{"Company": "Changed after the export"})
			z.Delete("Leads", goneAfter)
			lateID = z.Create("Leads", map[string]any{"Last_Name": "Latecomer", "Company": "Created after the export"})
		}
	}
	id := newSpreadsheet(em, "Changes")
	em.spreadsheetID = id
	calls := syncInto(t, em, id, leadsBulkMapping, nil, withHook(bulkClient(em, bulkChain), hook))
	if calls["POST /crm/bulk/v8/read"] < 2 {
		t.Fatalf("no Bulk Read tail: %v", calls)
	}
	_, rows := tab(t, em, "Leads", "Zoho ID")
	assertStatusRecords(t, em, "Leads", len(rows))
	for _, c := range []struct {
		id, company string
		present     bool
	}{
		{changedRead, "Changed before the export", true},
		{created, "Created before the export", true},
		{deletedTail, "", false},
	} {
		row, ok := rows[c.id]
		if ok != c.present || ok && fmt.Sprint(row[2]) != c.company {
			t.Errorf("after the run, lead %s: row %v, want present=%v with company %q", c.id, row, c.present, c.company)
		}
	}
	// The rest is the next run's: it reads what changed since the cursor.
	z.Advance(time.Minute)
	syncInto(t, em, id, leadsBulkMapping, nil, bulkClient(em, bulkChain))
	_, rows = assertLeadsMatchCRM(t, em)
	for _, gone := range []string{deletedRead, deletedTail, goneAfter} {
		if _, ok := rows[gone]; ok {
			t.Errorf("deleted lead %s still has a row", gone)
		}
	}
	if row := rows[lateID]; row == nil || fmt.Sprint(row[2]) != "Created after the export" {
		t.Errorf("lead created after the export: row %v", row)
	}
	assertStatusRecords(t, em, "Leads", len(rows))
}

// assertStatusRecords checks the status tab's record count of a tab.
func assertStatusRecords(t *testing.T, em *emulators, sheet string, want int) {
	t.Helper()
	hdr, rows := tab(t, em, "Sync status", "Tab")
	if got := fmt.Sprint(cell(hdr, rows[sheet], "Records")); got != fmt.Sprint(want) {
		t.Errorf("status tab: %s has %s records, want %d (its rows)", sheet, got, want)
	}
}

// runInto is syncInto for a run that may fail: its exit code and stderr.
func runInto(t *testing.T, em *emulators, yaml string, tweak func(*env), args ...string) (int, string) {
	t.Helper()
	code, _, errs := inProcessEnv(t, em, map[string]string{"SPREADSHEET_ID": em.spreadsheetID}, tweak,
		append([]string{"--once", "--config", writeMapping(t, yaml), "--log-format", "json"}, args...)...)
	return code, errs
}

// A Bulk Read tail that cannot be had — the job fails, its page token
// outlives its 24 hours, it never completes, or downloads hit Zoho's 10 a
// minute — fails the module's run without touching its tab (or leaves it
// complete, for the download limit), and the next run completes it.
func TestBulkReadTailFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts zohotest.Options
		// spoil makes the next run's tail fail; nil: it must succeed.
		spoil func(em *emulators) func(*http.Request)
		want  string // in the failed run's log
	}{
		{name: "JobFails", want: "failed on Zoho's side (INTERNAL_ERROR: the export failed)", spoil: func(em *emulators) func(*http.Request) {
			em.zoho.FailNextBulkJob()
			return nil
		}},
		{name: "PageTokenExpires", want: "EXPIRED_VALUE", spoil: func(em *emulators) func(*http.Request) {
			var creates atomic.Int32
			return func(r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/crm/bulk/v8/read" && creates.Add(1) == 2 {
					em.zoho.Advance(25 * time.Hour) // the second job's page token is a day old
				}
			}
		}},
		{name: "JobNeverCompletes", opts: zohotest.Options{BulkPolls: 1 << 20}, want: "still IN PROGRESS after 2h"},
		{name: "DownloadLimit", opts: zohotest.Options{BulkPageSize: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Seed, o.Records, o.ChainLimit = 7, map[string]int{"Leads": 700}, bulkChain
			if o.BulkPageSize == 0 {
				o.BulkPageSize = bulkPage
			}
			em, err := startEmulators(o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(em.Stop)
			tweak := bulkClient(em, bulkChain)
			if tc.opts.BulkPolls > 0 {
				// The first run needs jobs that complete: it uses chains.
				tweak = bulkClient(em, 0)
			}
			if code, errs := runInto(t, em, leadsBulkMapping, tweak); code != 0 {
				t.Fatalf("first run: exit %d\n%s", code, errs)
			}
			assertLeadsMatchCRM(t, em)
			em.zoho.Advance(time.Hour)
			ids := em.zoho.IDs("Leads")
			for _, id := range ids[:5] {
				em.zoho.Update("Leads", id, map[string]any{"Company": "Renamed " + id})
			}
			em.zoho.Delete("Leads", ids[6])
			before := em.sheets.Values(em.spreadsheetID, "Leads")
			em.zoho.ResetStats()

			run := bulkClient(em, bulkChain)
			if tc.spoil != nil {
				if hook := tc.spoil(em); hook != nil {
					run = withHook(run, hook)
				}
			}
			code, errs := runInto(t, em, leadsBulkMapping, run, "--full")
			if em.zoho.Stats().Calls["POST /crm/bulk/v8/read"] == 0 {
				t.Fatalf("the full run took no Bulk Read tail: %v", em.zoho.Stats().Calls)
			}
			if tc.want == "" {
				if code != 0 {
					t.Fatalf("run: exit %d\n%s", code, errs)
				}
				assertLeadsMatchCRM(t, em)
				if st := em.zoho.Stats(); st.BulkDownloads <= 10 || st.Statuses[429] == 0 {
					t.Errorf("%d downloads, %d answered 429: the limit was not reached", st.BulkDownloads, st.Statuses[429])
				}
				return
			}
			if code != 1 || !strings.Contains(errs, tc.want) {
				t.Fatalf("run: exit %d, want 1 with %q in the log:\n%s", code, tc.want, errs)
			}
			assertNoSecrets(t, em, errs)
			if after := em.sheets.Values(em.spreadsheetID, "Leads"); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("the failed run changed the tab")
			}
			if code, errs := runInto(t, em, leadsBulkMapping, bulkClient(em, 0)); code != 0 {
				t.Fatalf("next run: exit %d\n%s", code, errs)
			}
			assertLeadsMatchCRM(t, em)
		})
	}
}

// A refresh token without ZohoCRM.bulk.read (one minted for an older
// scope list) still syncs a big Get Records tab: Zoho refuses the first
// job, and the read goes on with page-token chains, saying how to allow
// Bulk Read, as a token without COQL does.
func TestBulkReadScopeMissingReadsOnWithChains(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 900})
	em.env["ZOHO_REFRESH_TOKEN"] = em.zoho.NewRefreshToken("ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ",
		"ZohoCRM.settings.fields.READ", "ZohoCRM.coql.READ", "ZohoCRM.users.READ", "ZohoCRM.org.READ")
	em.spreadsheetID = newSpreadsheet(em, "No bulk scope")
	code, errs := runInto(t, em, leadsBulkMapping, bulkClient(em, bulkChain))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "ZohoCRM.bulk.read") || !strings.Contains(errs, "zoho2sheets auth") {
		t.Errorf("no warning naming the missing scope and the fix:\n%s", errs)
	}
	assertLeadsMatchCRM(t, em)
	if n := em.zoho.Stats().Calls["POST /crm/bulk/v8/read"]; n != 1 {
		t.Errorf("%d Bulk Read jobs asked for, want the one refused", n)
	}
}

// Dropped connections, 5xx answers and a download cut off half-way, on
// every Bulk Read call, are retried within the run: the tab still ends
// equal to the CRM, with no row twice.
func TestBulkReadTailFaultsRecovered(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 900})
	em.spreadsheetID = newSpreadsheet(em, "Faults")
	for _, f := range []zohotest.Fault{
		{Method: http.MethodPost, Path: "/crm/bulk/v8/read", Drop: true},
		{Method: http.MethodPost, Path: "/crm/bulk/v8/read", After: 2, Status: http.StatusInternalServerError},
		{Method: http.MethodGet, Path: "/crm/bulk/v8/read/*", After: 1, Status: http.StatusServiceUnavailable},
		{Method: http.MethodGet, Path: "/crm/bulk/v8/read/*", After: 2, Drop: true},
		{Method: http.MethodGet, Path: "/crm/bulk/v8/read/*", After: 3, CutBody: true, Times: 3},
	} {
		em.zoho.InjectFault(f)
	}
	code, errs := runInto(t, em, leadsBulkMapping, bulkClient(em, bulkChain))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if n := em.zoho.PendingFaults(); n != 0 {
		t.Errorf("%d faults never met", n)
	}
	assertLeadsMatchCRM(t, em)
	assertNoSecrets(t, em, errs)
}

// Module sizes at the edges: exactly one chain, one record past it, and
// tails that fill their last Bulk Read page exactly or by one record.
func TestBulkReadTailEdgeCounts(t *testing.T) {
	for _, n := range []int{bulkChain, bulkChain + 1, bulkChain + bulkPage, bulkChain + 2*bulkPage, bulkChain + 2*bulkPage + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			em := newBulkEmulators(t, map[string]int{"Leads": n})
			em.spreadsheetID = newSpreadsheet(em, "Edges")
			if code, errs := runInto(t, em, leadsBulkMapping, bulkClient(em, bulkChain)); code != 0 {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			assertLeadsMatchCRM(t, em)
			assertStatusRecords(t, em, "Leads", n)
			if jobs := em.zoho.Stats().Calls["POST /crm/bulk/v8/read"]; (n > bulkChain) != (jobs > 0) {
				t.Errorf("%d records: %d Bulk Read jobs", n, jobs)
			}
		})
	}
}

// A full COQL read goes by record id: a record it passed early and that
// changes or is deleted later, while records changed later still come
// (ids further on), sorts before the newest time read. The next run must
// still see both, however long the read took.
func TestLongFullReadChangesCaughtNextRun(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 4500})
	z := em.zoho
	em.spreadsheetID = newSpreadsheet(em, "Long read")
	ids := z.IDs("Leads")
	changed, deleted := ids[10], ids[20]
	var pages atomic.Int32
	hook := func(r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/crm/v8/coql" && strings.Contains(string(peek(r)), "from Leads") && pages.Add(1) == 2 {
			// Page 1 (the lowest ids) is read; the read goes on for long.
			z.Advance(time.Minute)
			z.Update("Leads", changed, map[string]any{"Company": "Changed while the read went on"})
			z.Delete("Leads", deleted)
			z.Advance(20 * time.Minute)
			z.Update("Leads", ids[len(ids)-1], map[string]any{"Company": "Changed last"}) // read on page 3
		}
	}
	plain := strings.Replace(leadsBulkMapping, tagColumn, "", 1)
	if code, errs := runInto(t, em, plain, withHook(bulkClient(em, bulkChain), hook)); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	z.Advance(time.Minute)
	if code, errs := runInto(t, em, plain, bulkClient(em, bulkChain)); code != 0 || !strings.Contains(errs, `"mode":"incremental"`) {
		t.Fatalf("second run: exit %d, want an incremental run\n%s", code, errs)
	}
	_, rows := assertLeadsMatchCRM(t, em)
	if _, ok := rows[deleted]; ok {
		t.Errorf("lead %s deleted during the read still has a row", deleted)
	}
}

// peek returns a request's body and puts it back.
func peek(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// Which fields Bulk Read exports is not documented (Tag, which the shipped
// mapping maps on Leads, among them): a first job Zoho refuses as invalid
// leaves the read to page-token chains, with a warning, instead of failing
// every full read of the module for good.
func TestBulkReadJobRefusedReadsOnWithChains(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 900})
	em.spreadsheetID = newSpreadsheet(em, "Refused")
	em.zoho.InjectFault(zohotest.Fault{Method: http.MethodPost, Path: "/crm/bulk/v8/read", Status: http.StatusBadRequest,
		Code: "INVALID_DATA", Message: "the field given seems to be invalid"})
	code, errs := runInto(t, em, leadsBulkMapping, bulkClient(em, bulkChain))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "INVALID_DATA") || !strings.Contains(errs, "Get Records") {
		t.Errorf("no warning saying Zoho refused the job and how the read went on:\n%s", errs)
	}
	assertLeadsMatchCRM(t, em)
}

// A snapshot tab read through a Bulk Read tail, with records changed
// between the chain and the export (so read twice), holds each record
// once, and the status tab counts it once.
func TestBulkReadTailSnapshotOnce(t *testing.T) {
	em := newBulkEmulators(t, map[string]int{"Leads": 700})
	em.spreadsheetID = newSpreadsheet(em, "Snapshot")
	var creates atomic.Int32
	hook := func(r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/crm/bulk/v8/read" && creates.Add(1) == 1 {
			em.zoho.Advance(time.Second)
			for _, id := range byModified(t, em)[:5] { // read by the chain, and again in the tail
				em.zoho.Update("Leads", id, map[string]any{"Company": "Changed during the read"})
			}
		}
	}
	yaml := strings.Replace(leadsBulkMapping, "  - module: Leads\n", "  - module: Leads\n    sheet: Leads history\n    mode: snapshot\n", 1)
	if code, errs := runInto(t, em, yaml, withHook(bulkClient(em, bulkChain), hook)); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	_, rows := tab(t, em, "Leads history", "Zoho ID") // fails on a record twice
	if len(rows) != 700 {
		t.Errorf("snapshot holds %d records, want 700", len(rows))
	}
	assertStatusRecords(t, em, "Leads history", 700)
}
