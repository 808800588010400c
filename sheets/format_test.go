package sheets_test

import (
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const crmBase = "https://crm.zoho.eu/crm/org20079833178/tab/Potentials/"

func crmURL(id string) string { return crmBase + id }

var eur = zsync.NumberFormat{Type: "CURRENCY", Pattern: `"€"#,##0.00`}

func dealCols() []zsync.Column {
	return []zsync.Column{
		{Header: "Id", Kind: zsync.KindText},
		{Header: "Name", Kind: zsync.KindText, Link: true},
		{Header: "Amount", Kind: zsync.KindNumber, Format: eur},
		{Header: "Closing", Kind: zsync.KindDate},
	}
}

func deal(id, name string, amt float64) zsync.Row {
	name1 := zsync.Text(name)
	name1.Link = crmURL(id)
	return zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), name1, zsync.Number(amt),
		zsync.DateCell(zsync.Date{Year: 2026, Month: time.March, Day: 1})}}
}

func dealTable(rows ...zsync.Row) *zsync.Table {
	return &zsync.Table{Sheet: "Leads", Columns: dealCols(), Key: 0, Rows: rows, RecordURL: crmURL}
}

func TestEmulatorFormatsOnNewTab(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, dealTable(deal("1", "Acme", 409350104.5), deal("2", "=HYPERLINK(\"http://evil\")", 20)))
	sh := e.sheet(t, "Leads")
	if sh.FrozenRows != 1 {
		t.Fatalf("header not frozen: %+v", sh)
	}
	for c := range 4 {
		if h := e.srv.Cell(e.id, "Leads", 0, c); !h.Bold {
			t.Errorf("header %d not bold: %+v", c, h)
		}
	}
	if w := []int{e.srv.ColumnWidth(e.id, "Leads", 0), e.srv.ColumnWidth(e.id, "Leads", 1), e.srv.ColumnWidth(e.id, "Leads", 2)}; w[0] <= 100 || w[1] <= 100 || w[2] < 100 {
		t.Errorf("widths %v", w)
	}
	if c := e.srv.Cell(e.id, "Leads", 1, 2); c.Formatted != "€409,350,104.50" || c.NumberFormat.Type != "CURRENCY" {
		t.Errorf("amount %+v", c)
	}
	if c := e.srv.Cell(e.id, "Leads", 1, 3); !c.IsDate() {
		t.Errorf("date %+v", c)
	}
	// Links are cell links, and nothing anywhere is a formula.
	for r, id := range []string{"1", "2"} {
		c := e.srv.Cell(e.id, "Leads", r+1, 1)
		if c.Link != crmURL(id) || c.Hyperlink != crmURL(id) || c.Formula != "" {
			t.Errorf("row %d link %+v", r+1, c)
		}
	}
	if f := e.srv.Formulas(e.id, "Leads"); len(f) != 0 {
		t.Fatalf("formulas in the tab: %v", f)
	}
	if c := e.srv.Cell(e.id, "Leads", 0, 1); c.Link != "" {
		t.Errorf("the header got a link: %+v", c)
	}
}

func TestEmulatorFormatsLeftAloneAfterAPersonChangedThem(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, dealTable(deal("1", "Acme", 10), deal("2", "Beta", 20)))
	// A person prefers plain numbers in Amount, and sorts.
	e.srv.FormatColumn(e.id, "Leads", 2, 1, "NUMBER", "0.0")
	e.srv.SortRows(e.id, "Leads", 1, false)
	res := e.upsert(t, dealTable(deal("1", "Acme", 15), deal("2", "Beta", 20), deal("3", "Gamma", 30)))
	if res.Added != 1 || res.Updated != 1 {
		t.Fatalf("result %+v", res)
	}
	for _, id := range []string{"1", "2"} {
		r := rowOf(t, e, id)
		if c := e.srv.Cell(e.id, "Leads", r, 2); c.NumberFormat != (sheetstest.NumberFormat{Type: "NUMBER", Pattern: "0.0"}) {
			t.Errorf("record %s: the person's format was overridden: %+v", id, c)
		}
	}
	// The new row gets the mapping's format and its link.
	r := rowOf(t, e, "3")
	if c := e.srv.Cell(e.id, "Leads", r, 2); c.NumberFormat.Type != "CURRENCY" {
		t.Errorf("new row %+v", c)
	}
	if c := e.srv.Cell(e.id, "Leads", r, 1); c.Hyperlink != crmURL("3") {
		t.Errorf("new row link %+v", c)
	}
	// Links stayed on their records through the sort.
	if c := e.srv.Cell(e.id, "Leads", rowOf(t, e, "2"), 1); c.Hyperlink != crmURL("2") {
		t.Errorf("link after a sort %+v", c)
	}
	// Nothing changed: nothing is written, formats included.
	w := e.srv.Stats().Writes
	e.upsert(t, dealTable(deal("1", "Acme", 15), deal("2", "Beta", 20), deal("3", "Gamma", 30)))
	if got := e.srv.Stats().Writes - w; got != 0 {
		t.Fatalf("an unchanged run wrote %d requests", got)
	}

	// The mapping's format changes: the whole column is formatted again.
	tb := dealTable(deal("1", "Acme", 15), deal("2", "Beta", 20), deal("3", "Gamma", 30))
	tb.Columns[2].Format = zsync.NumberFormat{Type: "CURRENCY", Pattern: `"€"#,##0`}
	e.upsert(t, tb)
	for _, id := range []string{"1", "2", "3"} {
		if c := e.srv.Cell(e.id, "Leads", rowOf(t, e, id), 2); c.NumberFormat.Pattern != `"€"#,##0` {
			t.Errorf("record %s after the mapping changed: %+v", id, c)
		}
	}
}

func TestEmulatorFormatsAndLinksOnNewColumn(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	base := func(rows ...zsync.Row) *zsync.Table {
		tb := dealTable(rows...)
		tb.Columns = tb.Columns[:2]
		tb.Columns[1].Link = false
		for i := range tb.Rows {
			tb.Rows[i].Cells = tb.Rows[i].Cells[:2]
		}
		return tb
	}
	e.upsert(t, base(deal("1", "Acme", 10), deal("2", "Beta", 20)))
	if c := e.srv.Cell(e.id, "Leads", 1, 1); c.Link != "" {
		t.Fatalf("link without link: true: %+v", c)
	}
	// The mapping now links Name and has an Amount column (a mapping edit:
	// the job reads in full): every row gets its link, the new column its
	// format.
	tb := dealTable(deal("1", "Acme", 10), deal("2", "Beta", 25))
	tb.Full = true
	e.upsert(t, tb)
	for _, id := range []string{"1", "2"} {
		r := rowOf(t, e, id)
		if c := e.srv.Cell(e.id, "Leads", r, 1); c.Hyperlink != crmURL(id) {
			t.Errorf("record %s link %+v", id, c)
		}
	}
	if c := e.srv.Cell(e.id, "Leads", 0, 2); !c.Bold || c.Value != "Amount" {
		t.Errorf("new header %+v", c)
	}
	if c := e.srv.Cell(e.id, "Leads", rowOf(t, e, "2"), 2); c.Formatted != "€25.00" {
		t.Errorf("new column %+v", c)
	}
	// link: true removed: the links go.
	tb = dealTable(deal("2", "Beta", 25))
	tb.Columns[1].Link = false
	e.upsert(t, tb)
	if c := e.srv.Cell(e.id, "Leads", rowOf(t, e, "1"), 1); c.Link != "" || c.Value != "Acme" {
		t.Errorf("after link: false %+v", c)
	}
}

// rowOf is the 0-based row of record id in the Leads tab.
func rowOf(t *testing.T, e *env, id string) int {
	t.Helper()
	for r, row := range e.srv.Values(e.id, "Leads") {
		if len(row) > 0 && row[0] == id {
			return r
		}
	}
	t.Fatalf("no row for %s:\n%s", id, e.srv.Table(e.id, "Leads"))
	return -1
}
