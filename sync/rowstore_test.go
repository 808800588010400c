package sync

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A new field of Cell must be packed too, or appended rows lose it.
func TestRowStorePacksEveryCellField(t *testing.T) {
	var names []string
	for f := range reflect.TypeFor[Cell]().Fields() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "Kind,B,F,S,T,Link" {
		t.Fatalf("Cell has fields %s: pack and unpack the new ones in rowstore.go, then update this test", got)
	}
}

func TestRowStoreRoundTrip(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	rows := []Row{
		{Key: "4150868000000224005", Cells: []Cell{Text("4150868000000224005"), Text("Zoë \"Z\" 🚀"), Number(1.5),
			Number(math.Copysign(0, -1)), Bool(true), Bool(false), DateCell(Date{2024, 2, 29}),
			DateTime(time.Date(2026, 1, 2, 10, 0, 0, 123, ist)), {Kind: KindDateTime}, {}, Text("")}},
		{Key: "", Cells: nil},
		{Key: "big", Cells: []Cell{Text(strings.Repeat("x", chunkSize+10)), Number(math.NaN())}},
		{Key: "after", Cells: []Cell{Text("still here"), DateTime(time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC))}},
		{Key: "linked", Cells: []Cell{{Kind: KindText, S: "Acme", Link: "https://crm.zoho.eu/crm/org1/tab/Leads/linked"}, Text("no link")}},
	}
	var tb Table
	tb.Rows = []Row{{Key: "plain"}}
	for _, r := range rows {
		tb.Append(r)
	}
	for i := range 3000 { // many rows: several chunks
		tb.Append(Row{Key: strings.Repeat("k", i%50), Cells: []Cell{Number(float64(i))}})
	}
	if tb.Len() != 1+len(rows)+3000 {
		t.Fatalf("Len = %d", tb.Len())
	}
	if tb.Row(0, nil).Key != "plain" {
		t.Error("Rows come first")
	}
	for i, want := range rows {
		got := tb.Row(i+1, nil)
		if k := tb.RowKey(i + 1); k != want.Key {
			t.Errorf("RowKey(%d) = %q, want %q", i+1, k, want.Key)
		}
		if got.Key != want.Key || len(got.Cells) != len(want.Cells) {
			t.Fatalf("row %d: %q with %d cells, want %q with %d", i, got.Key, len(got.Cells), want.Key, len(want.Cells))
		}
		for j, w := range want.Cells {
			g := got.Cells[j]
			same := g.Kind == w.Kind && g.B == w.B && g.S == w.S && g.T.Equal(w.T) && g.Link == w.Link &&
				(g.F == w.F && math.Signbit(g.F) == math.Signbit(w.F) || math.IsNaN(g.F) && math.IsNaN(w.F))
			if !same {
				t.Errorf("row %d cell %d = %+v, want %+v", i, j, g, w)
			}
		}
	}
	for i := range 3000 {
		r := tb.Row(1+len(rows)+i, make([]Cell, 0, 4))
		if r.Key != strings.Repeat("k", i%50) || r.Cells[0].F != float64(i) {
			t.Fatalf("row %d = %+v", i, r)
		}
	}
}

func BenchmarkRowStore(b *testing.B) {
	r := Row{Key: "4150868000000224005", Cells: []Cell{Text("4150868000000224005"), Text("Patricia Boyle"), Text("Zylker Corp"),
		Text("p.boyle@zylker.com"), Text("Contacted"), Text("Patricia Boyle"), Number(250000), Number(120),
		DateTime(time.Now()), DateTime(time.Now())}}
	var tb Table
	buf := make([]Cell, 0, 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tb.Append(r)
		buf = tb.Row(i, buf).Cells
	}
}
