package sheets

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// The grid must read an answer exactly as the generated client does.
func TestDecodeValueRangesMatchesClient(t *testing.T) {
	body := `{"spreadsheetId": "x", "valueRanges": [
	  {"range": "'Leads'!A1:D4", "majorDimension": "ROWS", "values": [
	    ["Zoho ID", "Name", "Revenue", "Ok"],
	    [],
	    ["4150868000000224005", "Zoë \"Z\" Åkesson 🚀\n", 1.5e3, true, "", false],
	    [-0.25, null, "=IMPORTDATA(\"x\")", "\u2028\ud83d\ude80"],
	    ["0", "007", "9999999999999999999", "18446744073709551616", "12345678901234567890", " 42", "4\u0032", "1e3", ""]
	  ], "extra": {"nested": [1, {"a": "]"}]}},
	  {"range": "'Leads'!A1:A1", "majorDimension": "ROWS"}
	], "more": null}`
	gs, err := decodeValueRanges(strings.NewReader(body), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want sheets.BatchGetValuesResponse
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	for i, vr := range want.ValueRanges {
		g := gs[i]
		if g.rows() != len(vr.Values) {
			t.Fatalf("range %d: %d rows, want %d", i, g.rows(), len(vr.Values))
		}
		for r, row := range vr.Values {
			if g.rowWidth(r) != len(row) {
				t.Fatalf("range %d row %d: width %d, want %d", i, r, g.rowWidth(r), len(row))
			}
			for c, v := range row {
				if got := g.at(r, c); got != v {
					t.Errorf("range %d cell (%d,%d) = %#v, want %#v", i, r, c, got, v)
				}
				if !g.same(r, c, v, zsync.KindText) && v != nil {
					t.Errorf("same(%d,%d,%#v) = false", r, c, v)
				}
			}
		}
	}
	if gs[0].width != 9 || gs[0].at(9, 9) != nil || gs[0].at(1, 0) != nil {
		t.Errorf("width %d, outside cells %v %v", gs[0].width, gs[0].at(9, 9), gs[0].at(1, 0))
	}
	if gs[0].same(2, 2, 1501.0, zsync.KindNumber) || !gs[0].same(2, 4, "", zsync.KindText) || gs[0].same(2, 1, "Zoë", zsync.KindText) {
		t.Error("same compares what it should not")
	}
}

func TestDecodeValueRangesRejectsGarbage(t *testing.T) {
	for _, body := range []string{`{"valueRanges": [{"values": [["a", nope]]}]}`, `{"valueRanges": [{"values": [["a"`, `<html>`} {
		if _, err := decodeValueRanges(strings.NewReader(body), 1, nil); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

// Digit text (every Zoho id) is held as a number in the cell's word, and
// must read back as exactly the text it was: never as a number, never
// with a digit lost or a leading zero dropped.
func TestGridDigitText(t *testing.T) {
	texts := []string{"0", "7", "4150868000000224005", "9999999999999999999", "10000000000000000000",
		"18446744073709551615", "00", "0123", "-1", "1.0", "12a", " 12", "١٢", ""}
	var body strings.Builder
	body.WriteString(`{"valueRanges": [{"values": [["Key"]`)
	for _, s := range texts {
		b, _ := json.Marshal(s)
		body.WriteString(`, [` + string(b) + `]`)
	}
	body.WriteString(`]}]}`)
	gs, err := decodeValueRanges(strings.NewReader(body.String()), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := gs[0]
	for i, s := range texts {
		r := i + 1
		if got := g.at(r, 0); got != s {
			t.Errorf("at(%q) = %#v", s, got)
		}
		if got, ok := g.text(r, 0); !ok || got != s {
			t.Errorf("text(%q) = %q, %v", s, got, ok)
		}
		if got, ok := g.appendText([]byte("x"), r, 0); !ok || string(got) != "x"+s {
			t.Errorf("appendText(%q) = %q, %v", s, got, ok)
		}
		if !g.same(r, 0, s, zsync.KindText) || g.same(r, 0, s+"0", zsync.KindText) || g.isNumber(r, 0) {
			t.Errorf("same/isNumber wrong for %q", s)
		}
		_, short := digitsValue([]byte(s))
		if held := g.kinds.at(g.index(r, 0)) == cellDigits; held != short {
			t.Errorf("%q held as digits: %v, want %v", s, held, short)
		}
	}
	want := "Key"
	for _, s := range texts {
		if _, short := digitsValue([]byte(s)); !short {
			want += s
		}
	}
	if string(g.arena) != want {
		t.Errorf("arena holds %q, want %q: digit text belongs in the words", g.arena, want)
	}
}

// keyRows must find every key's first row, whatever the table's fill,
// with keys that share tags and slots.
func TestKeyRows(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 1000, 40000} {
		keys := make([]string, n+1) // row 0 is the header
		for r := 1; r <= n; r++ {
			keys[r] = strconv.Itoa(4150868000000000000 + r*7919%n)
		}
		m := newKeyRows(n, func(b []byte, r int) []byte { return append(b, keys[r]...) })
		firsts := map[string]int{}
		for r := 1; r <= n; r++ {
			_, seen := firsts[keys[r]]
			if added := m.add(keys[r], r); added == seen {
				t.Fatalf("n=%d: add(%q, %d) = %v after %v", n, keys[r], r, added, seen)
			}
			if !seen {
				firsts[keys[r]] = r
			}
		}
		for k, r := range firsts {
			if got, ok := m.get(k); !ok || got != r {
				t.Fatalf("n=%d: get(%q) = %d, %v, want %d", n, k, got, ok, r)
			}
		}
		if _, ok := m.get("4150867999999999999"); ok {
			t.Fatalf("n=%d: found a key never added", n)
		}
	}
}

// A count-only read keeps the header, counts the other rows and holds
// none of them, while its filter still sees every row's cells.
func TestGridCountOnly(t *testing.T) {
	body := `{"valueRanges": [{"values": [["Zoho ID", "Name"], ["41", "a"], [], ["x 43", "c"], ["44"]]}]}`
	var seen []string
	filter := func(g *grid, r int) (func(int) bool, bool) {
		g.countOnly = true
		seen = append(seen, fmt.Sprint(r, "=", g.at(r, 0), "/", g.at(r, 1), " "))
		return dropAll, false
	}
	gs, err := decodeValueRanges(strings.NewReader(body), 1, filter)
	if err != nil {
		t.Fatal(err)
	}
	g := gs[0]
	if got, want := strings.Join(seen, ""), "1=41/a 2=<nil>/<nil> 3=x 43/c 4=44/<nil> "; got != want {
		t.Errorf("filter saw %q, want %q", got, want)
	}
	if g.rows() != 5 || g.at(0, 0) != "Zoho ID" || g.at(0, 1) != "Name" || g.width != 2 {
		t.Errorf("rows %d, header %v %v, width %d", g.rows(), g.at(0, 0), g.at(0, 1), g.width)
	}
	for r := 1; r < 6; r++ {
		if g.at(r, 0) != nil || g.rowWidth(r) != 0 {
			t.Errorf("row %d still holds %v", r, g.at(r, 0))
		}
	}
	if g.kinds.len() != 2 || g.start.len() != 2 || string(g.arena) != "Zoho IDName" {
		t.Errorf("holds %d cells, %d starts, arena %q", g.kinds.len(), g.start.len(), g.arena)
	}
}

// Cells read through spreadsheets.get hold what a values read of the same
// cells holds.
func TestGridOfCellsMatchesValuesRead(t *testing.T) {
	str := func(s string) *sheets.CellData {
		return &sheets.CellData{EffectiveValue: &sheets.ExtendedValue{StringValue: &s}}
	}
	num := func(f float64) *sheets.CellData {
		return &sheets.CellData{EffectiveValue: &sheets.ExtendedValue{NumberValue: &f}}
	}
	yes := true
	rows := []*sheets.RowData{
		{Values: []*sheets.CellData{str("Tab"), str("Records"), {Note: "a note, no value"}}},
		nil,
		{Values: []*sheets.CellData{str("4150868000000224005"), num(1.5e3), {EffectiveValue: &sheets.ExtendedValue{BoolValue: &yes}}, str("007"), nil}},
	}
	g, err := gridOfCells(rows)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"valueRanges": [{"values": [["Tab", "Records", null], [], ["4150868000000224005", 1500, true, "007", null]]}]}`
	want, err := decodeValueRanges(strings.NewReader(body), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.rows() != want[0].rows() || g.width != want[0].width {
		t.Fatalf("%d rows %d wide, want %d and %d", g.rows(), g.width, want[0].rows(), want[0].width)
	}
	for r := range g.rows() {
		for c := range g.width {
			if got, w := g.at(r, c), want[0].at(r, c); got != w {
				t.Errorf("cell (%d,%d) = %#v, want %#v", r, c, got, w)
			}
		}
	}
}
